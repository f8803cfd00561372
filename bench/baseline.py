"""The practical limit: a plain Starlette app answering the benchmark's read workloads with
hand-written SQL through the same driver (asyncpg) and the same bearer tokens.

``uvicorn bench.baseline:app`` (``CC_DATABASE_URL`` names the database). Each endpoint returns the
JSON the product returns for the matching GraphQL query (``{"data": ...}``), built by hand, so the
run can check the two are equal and the ratio is product cost over the floor of doing the same
work. It authenticates the token and resolves the caller's tenant and roles, as the product must;
it does no authorization beyond the caller's own tenant, no query parsing and no ORM.
"""

from __future__ import annotations

import json
import os
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench import baseline_queries
from core.auth import CONTACT_KINDS, bearer_token, verify_token
from core.settings import Settings

settings = Settings()
POOL: dict[str, asyncpg.Pool] = {}

WHO = """
SELECT p.id, p.tenant_id, p.email, p.first_name, p.last_name, p.last_sign_in_at, p.previous_sign_in_at,
       t.key AS tenant_key, t.name AS tenant_name,
       COALESCE(array_agg(r.role) FILTER (WHERE r.role IS NOT NULL), '{}') AS roles
FROM people p JOIN tenants t ON t.id = p.tenant_id LEFT JOIN person_roles r ON r.person_id = p.id
WHERE p.email = $1 AND p.status <> 'REMOVED'
GROUP BY p.tenant_id, p.id, t.id  -- people's key is (tenant_id, id)
"""


def _default(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    raise TypeError(type(v).__name__)


class Json(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_default, separators=(",", ":")).encode()


async def caller(conn: asyncpg.Connection, request: Request) -> asyncpg.Record | None:
    claims = verify_token(settings, bearer_token(request.headers.get("authorization")))
    return await conn.fetchrow(WHO, str(claims["sub"]).lower())


def viewer_json(who: asyncpg.Record) -> dict[str, Any]:
    roles = set(who["roles"])
    return {
        "email": who["email"],
        "firstName": who["first_name"],
        "lastName": who["last_name"],
        "lastSignInAt": who["last_sign_in_at"],
        "contactKinds": [k for k in CONTACT_KINDS if k in roles],
        "isAdmin": "ADMIN" in roles,
        "tenant": {"key": who["tenant_key"], "name": who["tenant_name"]},
    }


def endpoint(build: Any) -> Any:
    async def handle(request: Request) -> Response:
        async with POOL["db"].acquire() as conn:
            who = await caller(conn, request)
            if who is None:
                return JSONResponse({"errors": [{"message": "no access"}]}, status_code=403)
            data = await build(conn, who, request)
        return Json({"data": data})

    return handle


async def viewer(conn: asyncpg.Connection, who: asyncpg.Record, request: Request) -> dict[str, Any]:
    return {"viewer": viewer_json(who)}


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


@asynccontextmanager
async def lifespan(app: Starlette):  # noqa: ANN201
    dsn = os.environ["CC_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://", 1)
    # The same pool size as the product's engine (core/db.py: 10 + 20 overflow).
    POOL["db"] = await asyncpg.create_pool(dsn, min_size=2, max_size=30)
    yield
    await POOL.pop("db").close()


routes = [Route("/healthz", healthz), Route("/viewer", endpoint(viewer))]
routes += [Route(path, endpoint(fn)) for path, fn in baseline_queries.ROUTES.items()]
app = Starlette(routes=routes, lifespan=lifespan)
