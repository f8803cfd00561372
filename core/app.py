"""The ASGI application: ``/graphql`` (POST queries, GET GraphiQL), ``/healthz`` and plugin routes."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError, OperationType, parse
from graphql.error import GraphQLSyntaxError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from strawberry.http.ides import get_graphql_ide_html

from core.auth import MEMBER_ROLE, Principal, bearer_token, verify_token
from core.authz import EnforcerCache, RequestAuthz, read_policy_csv
from core.clock import Clock, SystemClock
from core.context import Context
from core.db import make_engine, make_sessionmaker
from core.errors import AppError, Forbidden, ModuleNotEnabled, ServiceUnavailable, Unauthenticated
from core.models import AuditEntry, Person, PolicyRule, Tenant
from core.plugins import PluginRegistry, load_plugins
from core.settings import Settings, get_settings
from schema.builder import SchemaCache

log = logging.getLogger("customer_center.request")


@dataclass
class AppState:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    plugins: PluginRegistry
    enforcers: EnforcerCache
    schemas: SchemaCache
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def tenant_policy_rows(self, session: AsyncSession, tenant: Tenant) -> tuple[tuple[str, ...], ...]:
        key = ("policy_rows", tenant.id, tenant.config_version)
        rows = self.extra.get(key)
        if rows is None:
            found = (await session.execute(select(PolicyRule).where(PolicyRule.tenant_id == tenant.id))).scalars()
            rows = tuple(tuple(v for v in (r.ptype, r.v0, r.v1, r.v2, r.v3, r.v4) if v != "") for r in found)
            self.extra[key] = rows
        return rows

    async def context_for(
        self, session: AsyncSession, principal: Principal, tenant: Tenant | None, request: Any = None
    ) -> Context:
        plugins = tenant.enabled_plugins if tenant else frozenset(self.plugins.names)
        tenant_rows = await self.tenant_policy_rows(session, tenant) if tenant else ()
        authz = RequestAuthz(
            enforcer=self.enforcers.get(plugins, tenant_rows),
            domain=tenant.key if tenant else "*",
            roles=principal.roles,
            owner_domains=tuple(sorted(d.domain for d in tenant.domains)) if tenant else (),
        )
        return Context(
            state=self,
            session=session,
            principal=principal,
            authz=authz,
            tenant=tenant,
            enabled_plugins=plugins,
            request=request,
        )


def create_state(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    extra_plugins: list[Any] | None = None,
    engine: AsyncEngine | None = None,
) -> AppState:
    settings = settings or get_settings()
    registry = load_plugins(extra_plugins)
    policies: dict[str, list[list[str]]] = {}
    for name in registry.names:
        impl = getattr(registry.plugin(name), "cc_policies", None)
        path = impl() if impl else None
        policies[name] = read_policy_csv(path) if path else []
    engine = engine or make_engine(settings.database_url)
    state = AppState(
        settings=settings,
        clock=clock or SystemClock(),
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        plugins=registry,
        enforcers=EnforcerCache(policies),
        schemas=SchemaCache(registry),
    )
    from core.limits import schema_extensions

    state.schemas.extensions = lambda: schema_extensions(state)
    return state


# ---------------------------------------------------------------------------------------------
# Who is calling
# ---------------------------------------------------------------------------------------------


async def principal_for_email(
    state: AppState, session: AsyncSession, email: str, tenant: Tenant | None = None
) -> Principal | None:
    """The tenant-wide roles of a person: their role rows, MEMBER, and plugin-granted roles."""
    stmt = select(Person).where(Person.email == email, Person.status != "REMOVED")
    person = (await session.execute(stmt.execution_options(skip_tenant_filter=True))).scalar_one_or_none()
    if person is None or (tenant is not None and person.tenant_id != tenant.id):
        return None
    home = tenant or await session.get(Tenant, person.tenant_id)
    roles = set(person.role_names) | {MEMBER_ROLE}
    hook = state.plugins.hook_for("cc_principal_roles", home.enabled_plugins)
    for result in hook(session=session, tenant_id=home.id, email=email):
        roles.update(await result if hasattr(result, "__await__") else (result or []))
    return Principal(
        email=email,
        tenant_id=home.id,
        tenant_key=home.key,
        person_id=person.id,
        roles=frozenset(roles),
        home_tenant_id=home.id,
    )


async def _tenant_by_key(session: AsyncSession, key: str) -> Tenant:
    tenant = (await session.execute(select(Tenant).where(Tenant.key == key))).scalar_one_or_none()
    if tenant is None:
        raise Forbidden("No access to that tenant")
    return tenant


async def authenticate(state: AppState, request: Request) -> tuple[Principal, Tenant | None]:
    """Verify the bearer token and resolve the acting tenant (own tenant; staff and reseller staff
    may name one with the ``X-Tenant`` header as §6 allows). Records the sign-in (R-A4)."""
    claims = verify_token(state.settings, bearer_token(request.headers.get("authorization")))
    email = str(claims["sub"]).lower()
    staff_roles = frozenset(claims.get("staff_roles", []))
    wanted_tenant = request.headers.get("x-tenant")
    async with state.sessionmaker() as session, session.begin():
        if staff_roles:
            tenant = await _tenant_by_key(session, wanted_tenant) if wanted_tenant else None
            principal = Principal(
                email=email,
                tenant_id=tenant.id if tenant else None,
                tenant_key=tenant.key if tenant else None,
                roles=staff_roles,
                staff_roles=staff_roles,
            )
            return principal, tenant
        principal = await principal_for_email(state, session, email)
        if principal is None:
            raise Forbidden("No access: this email is not a user of any organisation")
        home = await session.get(Tenant, principal.tenant_id)
        person = await session.get(Person, principal.person_id)
        _record_sign_in(person, claims, state)
        if wanted_tenant and wanted_tenant != home.key:
            tenant = await _tenant_by_key(session, wanted_tenant)
            if tenant.reseller_id != home.id or not home.is_reseller:
                raise Forbidden("No access to that tenant")
            # Reseller staff act in a customer tenant with RESELLER_<role> subjects only.
            roles = frozenset({f"RESELLER_{r}" for r in principal.roles})
            return Principal(
                email=email,
                tenant_id=tenant.id,
                tenant_key=tenant.key,
                person_id=None,
                roles=roles,
                home_tenant_id=home.id,
            ), tenant
        return principal, home


def _record_sign_in(person: Person, claims: dict[str, Any], state: AppState) -> None:
    issued = int(claims.get("iat") or 0)
    if person.last_token_iat is None or issued > person.last_token_iat:
        person.last_token_iat = issued
        person.previous_sign_in_at = person.last_sign_in_at
        person.last_sign_in_at = state.clock.now()
    if person.status == "INVITED":
        person.status = "ACTIVE"


# ---------------------------------------------------------------------------------------------
# GraphQL over HTTP
# ---------------------------------------------------------------------------------------------


def _error_json(err: GraphQLError, state: AppState) -> dict[str, Any]:
    original = err.original_error
    out: dict[str, Any] = {"message": err.message}
    if err.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
    if err.path:
        out["path"] = err.path
    if err.message.startswith("Variable ") or isinstance(original, GraphQLError):
        out["extensions"] = {"code": "BAD_USER_INPUT"}
    elif isinstance(original, AppError):
        out["message"] = original.message
        out["extensions"] = {"code": original.code, **original.extensions}
    elif isinstance(original, (OperationalError, PoolTimeout, ConnectionError, OSError)) or (
        isinstance(original, DBAPIError) and original.connection_invalidated
    ):
        log.warning("database unavailable: %s", type(original).__name__)
        out["message"] = "The service is temporarily unavailable; retry shortly"
        out["extensions"] = {"code": ServiceUnavailable.code, "retryable": True}
    elif isinstance(original, PermissionError):
        out["message"] = "Not allowed"
        out["extensions"] = {"code": Forbidden.code}
    elif original is not None:
        log.error("unexpected error", exc_info=original)
        out["message"] = "Internal server error"
        out["extensions"] = {"code": "INTERNAL_SERVER_ERROR"}
    elif err.extensions and err.extensions.get("code"):
        out["extensions"] = dict(err.extensions)
    elif isinstance(err, GraphQLSyntaxError) or err.message.startswith("Syntax Error"):
        out["extensions"] = {"code": "GRAPHQL_PARSE_FAILED"}
    else:
        out["extensions"] = {"code": "GRAPHQL_VALIDATION_FAILED"}
        _explain_disabled_module(err, out, state)
    return out


def _explain_disabled_module(err: GraphQLError, out: dict[str, Any], state: AppState) -> None:
    import re

    m = re.match(r"Cannot query field '(\w+)' on type '(\w+)'", err.message)
    if m:
        owner = state.schemas.owner_of_field(m.group(2), m.group(1))
        if owner:
            out["message"] = f"The '{owner}' module is not enabled for this tenant ({m.group(1)} is unavailable)"
            out["extensions"] = {"code": ModuleNotEnabled.code, "module": owner}


def _error_response(exc: AppError, status: int = 200) -> JSONResponse:
    return JSONResponse(
        {"data": None, "errors": [{"message": exc.message, "extensions": {"code": exc.code}}]}, status_code=status
    )


def _operation_type(query: str, operation_name: str | None) -> OperationType | None:
    try:
        doc = parse(query)
    except GraphQLError:
        return None
    for d in doc.definitions:
        op = getattr(d, "operation", None)
        if op is not None and (operation_name is None or (d.name and d.name.value == operation_name)):
            return op
    return None


async def _read_body(request: Request) -> tuple[str, dict[str, Any] | None, str | None]:
    from core.errors import BadUserInput

    try:
        body = await request.json()
    except Exception as exc:
        raise BadUserInput("Request body is not valid JSON") from exc
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise BadUserInput("Expected a JSON object with a 'query' string")
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise BadUserInput("'variables' must be an object")
    op = body.get("operationName")
    return body["query"], variables, op if isinstance(op, str) else None


async def graphql_endpoint(request: Request) -> Response:
    state: AppState = request.app.state.cc
    if request.method == "GET":
        if not state.settings.graphiql:
            return PlainTextResponse("GraphiQL is disabled", status_code=404)
        return HTMLResponse(get_graphql_ide_html())
    started = time.perf_counter()
    try:
        if len(await request.body()) > state.settings.max_query_bytes + 1_000_000:
            from core.errors import BadUserInput

            raise BadUserInput("Request too large")
        query, variables, operation_name = await _read_body(request)
        principal, tenant = await authenticate(state, request)
    except Unauthenticated as exc:
        return _error_response(exc, 401)
    except AppError as exc:
        return _error_response(exc, 403 if isinstance(exc, Forbidden) else 400)
    except (OperationalError, OSError, PoolTimeout, DBAPIError):
        return _error_response(ServiceUnavailable("The service is temporarily unavailable; retry shortly"), 503)
    op_type = _operation_type(query, operation_name)
    is_mutation = op_type == OperationType.MUTATION
    plugins = tenant.enabled_plugins if tenant else frozenset(state.plugins.names)
    schema = state.schemas.get(plugins)
    lock = state.write_lock if (is_mutation and state.is_sqlite) else None
    try:
        if lock:
            await lock.acquire()
        async with state.sessionmaker() as session:
            session.info["tenant_id"] = tenant.id if tenant else None
            ctx = await state.context_for(session, principal, tenant, request)
            result = await schema.execute(
                query, variable_values=variables, context_value=ctx, operation_name=operation_name
            )
            if result.errors or not is_mutation:
                await session.rollback()
            else:
                await session.commit()
    except (OperationalError, OSError, PoolTimeout, DBAPIError):
        return _error_response(ServiceUnavailable("The service is temporarily unavailable; retry shortly"), 503)
    finally:
        if lock:
            lock.release()
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [_error_json(e, state) for e in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    if is_mutation:
        await _audit(state, principal, tenant, result, payload)
    elapsed = (time.perf_counter() - started) * 1000
    log.info(
        json.dumps(
            {
                "event": "graphql",
                "principal": principal.email,
                "tenant": tenant.key if tenant else None,
                "operation": operation_name,
                "type": op_type.value if op_type else None,
                "ms": round(elapsed, 1),
                "errors": len(payload.get("errors", [])),
            }
        )
    )
    return JSONResponse(payload, headers={"x-authz-checks": str(ctx.authz.enforce_calls)})


async def _audit(
    state: AppState, principal: Principal, tenant: Tenant | None, result: Any, payload: dict[str, Any]
) -> None:
    fields = list((result.data or {}).keys()) or ["(mutation)"]
    codes = sorted({e.get("extensions", {}).get("code", "ERROR") for e in payload.get("errors", [])})
    try:
        async with state.sessionmaker() as session, session.begin():
            for f in fields:
                session.add(
                    AuditEntry(
                        tenant_id=tenant.id if tenant else None,
                        actor=principal.email,
                        action=f,
                        outcome="ERROR:" + ",".join(codes) if codes else "OK",
                        detail="",
                        created_at=state.clock.now(),
                    )
                )
    except Exception:  # auditing must not turn a completed mutation into an error
        log.exception("audit write failed")


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(state: AppState | None = None, *, routes: Sequence[Route] = ()) -> Starlette:
    state = state or create_state()
    plugin_routes: list[Any] = []
    for result in state.plugins.pm.hook.cc_http_routes():
        plugin_routes.extend(result or [])

    @asynccontextmanager
    async def lifespan(app: Starlette):  # noqa: ANN202
        yield
        await state.engine.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            *plugin_routes,
            *routes,
        ],
        lifespan=lifespan,
    )
    app.state.cc = state
    return app
