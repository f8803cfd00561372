"""Liveness (``/healthz``) and readiness (``/readyz``) for load balancers and orchestrators."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from core.logs import get_logger
from core.state import AppState

log = get_logger("customer_center.request")


READY_TIMEOUT_SECONDS = 5.0


async def healthz(request: Request) -> Response:
    """Liveness: the process answers (nothing else is checked, so a database outage does not get
    every process restarted)."""
    return JSONResponse({"status": "ok"})


async def readiness(state: AppState) -> str | None:
    """Why this process should not receive traffic, or None: the database must answer and hold
    every migration of core and the installed plugins (a process started before ``db upgrade``
    finished, or a database restored from an older backup, is not ready)."""
    from core.migrate import applied_heads, expected_heads

    expected = state.extra.get("migration_heads")
    if expected is None:
        expected = state.extra["migration_heads"] = expected_heads(state.plugins)
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS), state.engine.connect() as conn:
            applied = await applied_heads(conn)
    except (TimeoutError, OSError, DBAPIError, PoolTimeout) as exc:
        log.warning("not ready: database unreachable", error=type(exc).__name__)
        return "database unreachable"
    missing = expected - applied
    if missing:
        heads = f"{len(missing)} of {len(expected)} heads missing"
        return f"migrations not at head: {heads} (run customer-center db upgrade)"
    return None


async def readyz(request: Request) -> Response:
    """Readiness: 200 when the database is reachable and migrated to head, else 503 with the reason."""
    reason = await readiness(request.app.state.cc)
    if reason:
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    return JSONResponse({"status": "ready"})
