"""The ASGI application: ``/graphql`` (POST queries, GET GraphiQL), ``/healthz`` and plugin routes."""

from __future__ import annotations

import asyncio
import functools
import gc
import inspect
import itertools
import json
import time
from collections.abc import Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from decimal import InvalidOperation
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from graphql.error import GraphQLSyntaxError
from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import joinedload
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from core import metrics, persisted
from core.auth import MEMBER_ROLE, Principal, bearer_token, token_revoked, verify_token
from core.authz import EnforcerCache, RequestAuthz, read_policy_csv
from core.clock import Clock, clock_from_setting
from core.context import Context, bind_context, session_info
from core.cors import CorsMiddleware
from core.db import make_engine, make_read_only, make_sessionmaker, use_autocommit
from core.errors import (
    UNAVAILABLE_MESSAGE,
    AppError,
    BadUserInput,
    Conflict,
    Forbidden,
    ModuleNotEnabled,
    QueryTooComplex,
    RateLimited,
    ServiceUnavailable,
    Unauthenticated,
    error_body,
)
from core.graphiql import ASSET_PREFIX, graphiql_asset, graphiql_page
from core.hookspecs import EMAIL, TENANT_ID, RoleCheck
from core.i18n import _, current_locale, negotiate, request_locale
from core.limits import (
    check_cost,
    cost_extension,
    is_parser_limit,
    parse_limited,
    parser_limit_name,
    query_cost,
    rate_limiter,
    select_operation,
)
from core.logs import RequestLogMiddleware, annotate, count_statements, get_logger, new_error_id
from core.models import AuditEntry, Person, PolicyRule, Tenant
from core.plugins import PluginRegistry, load_plugins
from core.portal import portal_routes
from core.rls import row_security_on, set_request_tenant
from core.secret import RedactedOperation, redact_operation
from core.settings import Settings, get_settings
from schema.builder import SchemaCache

log = get_logger("customer_center.request")
QUEUE_ROOT_FIELDS = frozenset({"workQueues", "__typename"})  # core.queues: what a reseller may ask across customers


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
        self,
        session: AsyncSession,
        principal: Principal,
        tenant: Tenant | None,
        request: Any = None,
        person: Person | None = None,
        *,
        bind: bool = True,
    ) -> Context:
        """The context of ``principal`` in ``tenant`` on ``session``; with ``bind`` it becomes the
        session's own (``core.context.context_of`` answers it to code holding only the session)."""
        plugins = tenant.enabled_plugins if tenant else frozenset(self.plugins.names)
        tenant_rows = await self.tenant_policy_rows(session, tenant) if tenant else ()
        authz = RequestAuthz(
            enforcer=self.enforcers.get(plugins, tenant_rows),
            domain=tenant.key if tenant else "*",
            roles=principal.roles,
            owner_domains=tuple(sorted(d.domain for d in tenant.domains)) if tenant else (),
        )
        locale = request_locale(person, tenant, request.headers.get("accept-language") if request else None)
        current_locale.set(locale)
        ctx = Context(
            state=self,
            session=session,
            principal=principal,
            authz=authz,
            tenant=tenant,
            enabled_plugins=plugins,
            request=request,
            person=person,
            locale=locale,
        )
        if bind:
            bind_context(session, ctx)
        return ctx


def configured_clock(settings: Settings) -> Clock:
    """The clock ``CC_CLOCK`` asks for (the system clock when unset); refused in production settings."""
    refusal = settings.clock_refusal()
    if refusal:
        raise RuntimeError(refusal)
    return clock_from_setting(settings.clock)


def create_state(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    extra_plugins: list[Any] | None = None,
    engine: AsyncEngine | None = None,
    plugins: Collection[str] | None = None,
) -> AppState:
    """The server's state. ``plugins`` limits the installed plugins loaded to those entry-point names
    (tests; None loads every installed plugin); ``extra_plugins`` adds modules without installing them."""
    settings = settings or get_settings()
    registry = load_plugins(extra_plugins, only=plugins)
    policies: dict[str, list[list[str]]] = {}
    for name in registry.names:
        impl = getattr(registry.plugin(name), "cc_policies", None)
        path = impl() if impl else None
        policies[name] = read_policy_csv(path) if path else []
    engine = engine or make_engine(settings.database_url)
    state = AppState(
        settings=settings,
        clock=clock or configured_clock(settings),
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        plugins=registry,
        enforcers=EnforcerCache(policies),
        schemas=SchemaCache(registry, fast_executor=settings.fast_executor),
    )
    from core.limits import schema_extensions

    state.schemas.extensions = lambda: schema_extensions(state)
    state.sessionmaker.configure(info=session_info(state))
    return state


# ---------------------------------------------------------------------------------------------
# Who is calling
# ---------------------------------------------------------------------------------------------


async def principal_for_email(
    state: AppState, session: AsyncSession, email: str, tenant: Tenant | None = None
) -> Principal | None:
    """The tenant-wide roles of a person: their role rows, MEMBER, and plugin-granted roles."""
    found = await _person_and_home(session, email)
    if found is None or (tenant is not None and found[0].tenant_id != tenant.id):
        return None
    return await _principal_of(state, session, *found)


# Built once: these run on every request, and building a statement costs more than running a cached one.
_PERSON_AND_HOME = (
    select(Person, Tenant)
    .join(Tenant, Tenant.id == Person.tenant_id)
    .where(Person.email == bindparam("email"), Person.status != "REMOVED")
    .options(joinedload(Person.roles), joinedload(Tenant.domains), joinedload(Tenant.plugins))
    .execution_options(skip_tenant_filter=True)
)


async def _person_and_home(session: AsyncSession, email: str) -> tuple[Person, Tenant] | None:
    """The person (with roles) and their tenant (with domains and plugins) in one statement."""
    row = (await session.execute(_PERSON_AND_HOME, {"email": email})).unique().one_or_none()
    return (row[0], row[1]) if row else None


@functools.lru_cache(maxsize=128)
def _role_checks_statement(checks: tuple[RoleCheck, ...]) -> Select[Any]:
    """One ``SELECT EXISTS (…), …`` for ``checks``; remembered, as plugins return the same checks
    (module constants using the ``TENANT_ID``/``EMAIL`` parameters) on every request."""
    found = select(*[c.query.exists().label(f"check_{i}") for i, c in enumerate(checks)])
    return found.execution_options(skip_tenant_filter=True)


async def _principal_of(state: AppState, session: AsyncSession, person: Person, home: Tenant) -> Principal:
    roles = set(person.role_names) | {MEMBER_ROLE}
    hook = state.plugins.hook_for("cc_principal_roles", home.enabled_plugins)
    results = hook(session=session, tenant_id=home.id, email=person.email)
    checks: list[RoleCheck] = []
    try:
        for result in results:
            value = await result if inspect.isawaitable(result) else result
            for role in value or []:
                if isinstance(role, RoleCheck):
                    checks.append(role)
                else:
                    roles.add(role)
    finally:
        for result in results:  # when one fails, the rest are never awaited: close them quietly
            if inspect.iscoroutine(result):
                result.close()
    if checks:
        person_params = {TENANT_ID.key: home.id, EMAIL.key: person.email}
        row = (await session.execute(_role_checks_statement(tuple(checks)), person_params)).one()
        roles.update(c.role for c, hit in zip(checks, row, strict=True) if hit)
    return Principal(
        email=person.email,
        tenant_id=home.id,
        tenant_key=home.key,
        person_id=person.id,
        roles=frozenset(roles),
        home_tenant_id=home.id,
    )


async def _tenant_by_key(session: AsyncSession, key: str) -> Tenant:
    tenant = (await session.execute(select(Tenant).where(Tenant.key == key))).scalar_one_or_none()
    if tenant is None:
        raise Forbidden(_("No access to that tenant"))
    return tenant


@dataclass(frozen=True)
class Caller:
    """Who is calling and where they act: the principal, the acting tenant and, for a person acting
    in their own tenant, their row (kept so the request's resolvers need not load it again)."""

    principal: Principal
    tenant: Tenant | None
    person: Person | None = None


async def authenticate(
    state: AppState, request: Request, session: AsyncSession, *, queues_only: bool = False
) -> Caller:
    """Verify the bearer token and resolve the acting tenant (own tenant; staff and reseller staff
    may name one with the ``X-Tenant`` header as §6 allows). Records the sign-in (R-A4); callers
    commit it before running the operation, so it stands even when the operation fails.

    ``queues_only`` (a query of the work queues and nothing else): a reseller's person without
    ``X-Tenant`` reads them over all their customer tenants (core.queues) as ``RESELLER_<role>``, bound
    to no tenant — as vendor staff are — which only such a request may be: any other field would run
    unbound with the reseller's roles."""
    claims = verify_token(state.settings, bearer_token(request.headers.get("authorization")))
    caller = await authenticate_claims(state, session, claims, request.headers.get("x-tenant"), queues_only=queues_only)
    note_acting_tenants(request, caller)
    person = caller.person
    if person is not None and person.locale is None and request.headers.get("accept-language"):
        # A person who never chose reads in what their client asks for from the first request on:
        # emails sent later, with no request to ask, go out in it too.
        asked = negotiate(request.headers["accept-language"], default="")
        if asked:
            person.locale = asked
    return caller


def note_acting_tenants(request: Request, caller: Caller) -> None:
    """Record for CORS (core/cors.py) which tenants' portal origins may read this response: the
    acting tenant, its reseller and the caller's home tenant."""
    tenant = caller.tenant
    ids = {caller.principal.home_tenant_id}
    if tenant is not None:
        ids |= {tenant.id, tenant.reseller_id}
    request.state.cc_tenant_ids = frozenset(i for i in ids if i is not None)


async def authenticate_claims(
    state: AppState,
    session: AsyncSession,
    claims: dict[str, Any],
    wanted_tenant: str | None,
    *,
    queues_only: bool = False,
) -> Caller:
    """The caller named by verified claims (a bearer token's, or a signed link's: core/links.py)."""
    caller = await _caller_of(state, session, claims, wanted_tenant, queues_only)
    issued, expires = claims.get("iat"), claims.get("exp")
    principal = replace(
        caller.principal,
        token_iat=issued if isinstance(issued, int) and not isinstance(issued, bool) else None,
        token_exp=expires if isinstance(expires, int) and not isinstance(expires, bool) else None,
    )
    return Caller(principal, caller.tenant, caller.person)


async def _caller_of(
    state: AppState, session: AsyncSession, claims: dict[str, Any], wanted_tenant: str | None, queues_only: bool
) -> Caller:
    email = str(claims["sub"]).lower()
    staff_roles = frozenset(claims.get("staff_roles", []))
    if staff_roles:
        tenant = await _tenant_by_key(session, wanted_tenant) if wanted_tenant else None
        principal = Principal(
            email=email,
            tenant_id=tenant.id if tenant else None,
            tenant_key=tenant.key if tenant else None,
            roles=staff_roles,
            staff_roles=staff_roles,
        )
        return Caller(principal, tenant)
    found = await _person_and_home(session, email)
    if found is None:
        raise Forbidden(_("No access: this email is not a user of any organisation"))
    person, home = found
    if "pid" in claims and claims["pid"] != person.id:
        raise Unauthenticated(_("Token revoked; sign in again"))
    if token_revoked(claims, person.tokens_revoked_at):
        # Issued before the person was removed (R-A3): re-admission does not revive it.
        raise Unauthenticated(_("Token revoked; sign in again"))
    principal = await _principal_of(state, session, person, home)
    _record_sign_in(person, claims, state)
    if queues_only and not wanted_tenant and home.is_reseller:
        across = Principal(
            email=email,
            tenant_id=None,
            tenant_key=None,
            roles=frozenset({f"RESELLER_{r}" for r in principal.roles}),
            home_tenant_id=home.id,
        )
        return Caller(across, None)
    if wanted_tenant and wanted_tenant != home.key:
        tenant = await _tenant_by_key(session, wanted_tenant)
        if tenant.reseller_id != home.id or not home.is_reseller:
            raise Forbidden(_("No access to that tenant"))
        # Reseller staff act in a customer tenant with RESELLER_<role> subjects only.
        roles = frozenset({f"RESELLER_{r}" for r in principal.roles})
        reseller = Principal(
            email=email,
            tenant_id=tenant.id,
            tenant_key=tenant.key,
            person_id=None,
            roles=roles,
            home_tenant_id=home.id,
        )
        return Caller(reseller, tenant)
    return Caller(principal, home, person)


async def commit_sign_in(session: AsyncSession, *, reads_follow: bool) -> None:
    """Commit what authentication wrote (the sign-in, R-A4), so it stands even when the operation
    then fails. When it wrote nothing and only reads follow, the same connection carries on: a
    COMMIT and a pool check-out (with its ping) fewer on most requests."""
    if session.new or session.dirty or session.deleted or not reads_follow:
        await session.commit()


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


# PostgreSQL serialization failure and deadlock: the transaction was rolled back and may be retried.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
AUDIT_OUTCOME_CHARS = 32  # audit_log.outcome column
AUDIT_DETAIL_CHARS = 4000
AUDIT_VALUE_CHARS = 200


# PostgreSQL: connection exceptions (class 08) and the server shutting down or starting up.
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def _db_unavailable(original: BaseException | None) -> bool:
    """The database (or the pool) cannot be reached: the client may retry (SERVICE_UNAVAILABLE)."""
    if isinstance(original, (PoolTimeout, ConnectionError, OSError)):
        return True
    if isinstance(original, DBAPIError):
        sqlstate = _sqlstate(original) or ""
        return (
            bool(original.connection_invalidated)
            or isinstance(original, (OperationalError, InterfaceError))
            or sqlstate in UNAVAILABLE_SQLSTATES
            or sqlstate.startswith("08")
        )
    return False


def _sqlstate(original: BaseException | None) -> str | None:
    """The SQLSTATE of a driver error (asyncpg's, under SQLAlchemy's adapter, sits on the cause)."""
    orig = getattr(original, "orig", None)
    for candidate in (orig, getattr(orig, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if code:
            return str(code)
    return None


def _error_json(err: GraphQLError, state: AppState) -> dict[str, Any]:
    """One GraphQL error as the client sees it: always with ``extensions.code``; anything that is
    not a typed error is masked as INTERNAL_SERVER_ERROR (and logged)."""
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
    elif isinstance(original, (InvalidOperation, OverflowError)) or (_sqlstate(original) or "").startswith("22"):
        # An absurd number or an over-long value reached arithmetic or a column (PostgreSQL class
        # 22, data exception): the input was at fault, not the server.
        out["message"] = str(_("A value in the request is out of range or too long"))
        out["extensions"] = {"code": BadUserInput.code}
    elif isinstance(original, IntegrityError) or _sqlstate(original) in RETRYABLE_SQLSTATES:
        # A concurrent request changed the same rows first (unique race, deadlock, serialization).
        log.info("concurrent write refused", error=type(original).__name__)
        out["message"] = str(_("A concurrent change conflicted with this request; retry it"))
        out["extensions"] = {"code": Conflict.code, "retryable": True}
    elif _db_unavailable(original):
        log.warning("database unavailable", error=type(original).__name__)
        out["message"] = str(UNAVAILABLE_MESSAGE)
        out["extensions"] = {"code": ServiceUnavailable.code, "retryable": True}
    elif isinstance(original, PermissionError):
        out["message"] = str(_("Not allowed"))
        out["extensions"] = {"code": Forbidden.code}
    elif original is not None:
        # The client gets an id to quote, the log the traceback under that id; never the reverse.
        error_id = new_error_id()
        log.error("unexpected error", error_id=error_id, path=err.path, exc_info=original)
        annotate(error_id=error_id)
        out["message"] = str(_("Internal server error"))
        out["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id}
    elif err.extensions and err.extensions.get("code"):
        out["extensions"] = dict(err.extensions)
    elif is_parser_limit(err):
        out["extensions"] = {"code": QueryTooComplex.code, "limit": parser_limit_name(err)}
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
            out["message"] = str(
                _(
                    "The '{module}' module is not enabled for this tenant ({field} is unavailable)",
                    module=owner,
                    field=m.group(1),
                )
            )
            out["extensions"] = {"code": ModuleNotEnabled.code, "module": owner}


def _error_response(exc: AppError, status: int = 200, extensions: dict[str, Any] | None = None) -> JSONResponse:
    body = error_body(exc)
    if extensions:
        body["extensions"] = extensions
    return JSONResponse(body, status_code=status)


def _operation_type(query: str, operation_name: str | None) -> OperationType | None:
    try:
        doc = parse(query)
    except GraphQLError:
        return None
    op = select_operation(doc, operation_name)
    return op.operation if op else None


@dataclass
class _Request:
    """One GraphQL request as sent: POST's JSON body or GET's query parameters."""

    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: Any = None


def _check_request(raw: dict[str, Any], persisted: bool) -> _Request:
    query = raw.get("query")
    if query is not None and not isinstance(query, str) or (query is None and not persisted):
        raise BadUserInput(_("Expected a JSON object with a 'query' string"))
    variables = raw.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise BadUserInput(_("'variables' must be an object"))
    op = raw.get("operationName")
    if op is not None and not isinstance(op, str):
        raise BadUserInput(_("'operationName' must be a string"))
    return _Request(query, variables, op, raw.get("extensions"))


def _persisted(raw: dict[str, Any]) -> bool:
    ext = raw.get("extensions")
    return isinstance(ext, dict) and "persistedQuery" in ext


async def _read_body(request: Request) -> _Request:
    try:
        body = await request.json()
    except Exception as exc:
        raise BadUserInput(_("Request body is not valid JSON")) from exc
    if not isinstance(body, dict):
        raise BadUserInput(_("Expected a JSON object with a 'query' string"))
    return _check_request(body, _persisted(body))


GET_PARAMETERS = ("query", "variables", "operationName", "extensions")


def is_graphql_get(request: Request) -> bool:
    """A GET that asks for an operation (rather than for GraphiQL)."""
    return any(name in request.query_params for name in ("query", "extensions"))


def _read_params(request: Request) -> _Request:
    """GET /graphql?query=…&variables=<JSON>&operationName=…&extensions=<JSON> (GraphQL over HTTP)."""
    raw: dict[str, Any] = {}
    for name in GET_PARAMETERS:
        values = request.query_params.getlist(name)
        if len(values) > 1:
            raise BadUserInput(_("'{name}' is given more than once", name=name), field=name)
        if not values:
            continue
        if name in ("variables", "extensions"):
            try:
                raw[name] = json.loads(values[0])
            except ValueError as exc:
                raise BadUserInput(_("'{name}' is not valid JSON", name=name), field=name) from exc
        else:
            raw[name] = values[0]
    return _check_request(raw, _persisted(raw))


INTROSPECTION_ROOTS = frozenset({"__schema", "__type", "__typename"})
# Who asks an introspection-only query without a token: no tenant, no role, no person.
ANONYMOUS = Principal(email="anonymous", tenant_id=None, tenant_key=None)


def _anonymous_introspection(state: AppState, request: Request) -> bool:
    settings = state.settings
    return settings.introspection and settings.introspection_without_token and "authorization" not in request.headers


@dataclass
class _Preflight:
    """What the endpoint knows about a document before running anything (core/limits.py)."""

    cost: int = 0
    op_type: OperationType | None = None
    name: str | None = None  # the selected operation's name (the body's operationName may be absent)
    fields: list[str] = field(default_factory=list)
    refusal: AppError | GraphQLError | None = None
    queues_only: bool = False
    # Only ``__schema``/``__type``/``__typename`` at the root: may answer without a token (GraphiQL's docs).
    introspection_only: bool = False


def _preflight(state: AppState, query: str, variables: dict[str, Any] | None, operation_name: str | None) -> _Preflight:
    """Parse within the token budget and price the operation: pure CPU, no resolver, no SQL.
    The price uses the schema of every installed module (a superset of any tenant's schema)."""
    out = _Preflight()
    try:
        doc = parse_limited(query, state.settings)
    except (QueryTooComplex, GraphQLError) as exc:
        out.refusal = exc
        return out
    op = select_operation(doc, operation_name)
    if op is None:
        names = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name is not None:
            out.refusal = BadUserInput(
                _("No operation named '{name}' in the document", name=operation_name), field="operationName"
            )
        elif not names:
            out.refusal = BadUserInput(_("The document contains no operation"))
        else:
            out.refusal = BadUserInput(_("Name the operation to run (operationName): the document has several"))
        return out
    out.op_type = op.operation
    out.name = op.name.value if op.name else None
    out.fields = [s.name.value for s in op.selection_set.selections if isinstance(s, FieldNode)]
    # Only the work queues, named plainly (no fragment at the root could bring another field along).
    out.queues_only = out.op_type == OperationType.QUERY and all(
        isinstance(s, FieldNode) and s.name.value in QUEUE_ROOT_FIELDS for s in op.selection_set.selections
    )
    out.introspection_only = op.operation == OperationType.QUERY and all(
        isinstance(s, FieldNode) and s.name.value in INTROSPECTION_ROOTS for s in op.selection_set.selections
    )
    schema = state.schemas.get(frozenset(state.plugins.names))
    out.cost = query_cost(schema._schema, doc, operation_name, variables)
    try:
        check_cost(out.cost, state.settings)
    except QueryTooComplex as exc:
        out.refusal = exc
    return out


async def graphql_endpoint(request: Request) -> Response:
    """POST /graphql, answered in the caller's locale (core.i18n.request_locale): until the caller is
    known, the one its ``Accept-Language`` asks for."""
    token = current_locale.set(negotiate(request.headers.get("accept-language")))
    try:
        return await _graphql_endpoint(request)
    finally:
        current_locale.reset(token)


async def _graphql_endpoint(request: Request) -> Response:
    """POST /graphql. Order: body → parse and price (no SQL) → authenticate → refuse over-limit
    documents → spend the principal's rate budget → execute in one transaction (rolled back on any
    error) → audit mutations. Every response carries ``extensions.cost``."""
    state: AppState = request.app.state.cc
    over_get = request.method == "GET"
    if over_get and not is_graphql_get(request):
        if not state.settings.graphiql:
            return PlainTextResponse("GraphiQL is disabled", status_code=404)
        return graphiql_page(request)
    started = time.perf_counter()
    key = f"anonymous:{request.client.host if request.client else '-'}"
    pre = _Preflight()
    operation_name: str | None = None

    async def refuse(exc: AppError, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
        _observe(started, operation_name, pre, error_body(exc), status, None)
        response = _error_response(exc, status, {"cost": await cost_extension(state, pre.cost, key)})
        response.headers.update(headers or {})
        return response

    try:
        if over_get:
            sent = _read_params(request)
        else:
            if len(await request.body()) > state.settings.max_query_bytes + 1_000_000:
                raise BadUserInput(_("Request too large"))
            sent = await _read_body(request)
        sha = persisted.requested_hash(sent.extensions)
        query, to_register = await persisted.resolve(state, sent.query, sha)
    except persisted.PersistedQueryNotFound as exc:
        return await refuse(exc, 200)  # the protocol's answer: the client sends the query next
    except AppError as exc:
        return await refuse(exc, 400)
    variables, operation_name = sent.variables, sent.operation_name
    pre = _preflight(state, query, variables, operation_name)
    if over_get and pre.op_type == OperationType.MUTATION:
        refusal = BadUserInput(
            _("Mutations are not allowed over GET; send them with POST"), reason="METHOD_NOT_ALLOWED"
        )
        return await refuse(refusal, 405, {"Allow": "POST"})
    # One session per request: the caller's rows loaded by authentication stay in its identity map
    # for the resolvers.
    reads_only = pre.op_type is not None and pre.op_type != OperationType.MUTATION
    # Row-level security keys on a transaction-local setting: reads then run in a transaction.
    autocommit_reads = reads_only and not row_security_on(state)
    async with state.sessionmaker() as session:
        try:
            if autocommit_reads:
                await use_autocommit(session)
            if pre.introspection_only and _anonymous_introspection(state, request):
                caller = Caller(ANONYMOUS, None)
            else:
                caller = await authenticate(state, request, session, queues_only=pre.queues_only)
            await commit_sign_in(session, reads_follow=reads_only)
            if reads_only:
                await make_read_only(session, autocommit=autocommit_reads)
        except Unauthenticated as exc:
            return await refuse(exc, 401)
        except AppError as exc:
            return await refuse(exc, 403 if isinstance(exc, Forbidden) else 400)
        except (OperationalError, OSError, PoolTimeout, DBAPIError):
            return await refuse(ServiceUnavailable(UNAVAILABLE_MESSAGE), 503)
        principal = caller.principal
        if principal is not ANONYMOUS:
            key = f"principal:{principal.email}"
        is_mutation = pre.op_type == OperationType.MUTATION
        lock = state.write_lock if (is_mutation and state.is_sqlite) else None
        try:
            if lock:
                await lock.acquire()
            payload, status, headers, remaining = await _execute(
                state, request, session, caller, pre, key, query, variables, operation_name
            )
            payload.setdefault("extensions", {})["cost"] = await cost_extension(state, pre.cost, key, remaining)
            if is_mutation:
                acted = sorted(getattr(request.state, "acted_in", ()))
                await _audit(state, principal, pre.fields, operation_name, query, variables, payload, acted)
        finally:
            if lock:
                lock.release()
    # Registered once it ran: a document the limits or validation refused is never kept.
    if to_register and sha and payload.get("data") is not None and principal is not ANONYMOUS:
        await persisted.register(state, sha, query)
    if over_get:
        # Cacheable by the caller's own browser only: the answer depends on who asks, and where.
        headers = {**headers, "Cache-Control": "private", "Vary": "Authorization, X-Tenant, Accept-Language"}
    _observe(started, operation_name, pre, payload, status, principal)
    return JSONResponse(payload, status_code=status, headers=headers)


# Errors of the caller's making: logged as codes on the request's INFO line, without a traceback.
EXPECTED_CODES = frozenset(
    {
        "BAD_USER_INPUT",
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "NOT_FOUND",
        "CONFLICT",
        "MODULE_NOT_ENABLED",
        "RATE_LIMITED",
        "QUERY_TOO_COMPLEX",
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
    }
)


def outcome_of(codes: list[str]) -> str:
    """``ok``; ``user_error`` when every error is of the caller's making; ``error`` otherwise."""
    if not codes:
        return "ok"
    return "user_error" if all(c in EXPECTED_CODES for c in codes) else "error"


def _observe(
    started: float,
    operation_name: str | None,
    pre: _Preflight,
    payload: dict[str, Any],
    status: int,
    principal: Principal | None,
) -> None:
    """The request's log fields and its GraphQL metrics."""
    codes = [str(e.get("extensions", {}).get("code", "INTERNAL_SERVER_ERROR")) for e in payload.get("errors", [])]
    op_type = pre.op_type.value if pre.op_type else None
    operation_name = operation_name or pre.name
    annotate(
        operation=operation_name,
        type=op_type,
        cost=pre.cost,
        codes=sorted(set(codes)) or None,
        outcome=outcome_of(codes),
        **({"principal": principal.email, "tenant": principal.tenant_key} if principal else {}),
    )
    metrics.observe_graphql(operation_name, op_type, time.perf_counter() - started, codes)


async def _execute(
    state: AppState,
    request: Request,
    session: AsyncSession,
    caller: Caller,
    pre: _Preflight,
    key: str,
    query: str,
    variables: dict[str, Any] | None,
    operation_name: str | None,
) -> tuple[dict[str, Any], int, dict[str, str], int | None]:
    """Refuse or run the request: (payload, HTTP status, headers, rate points left)."""
    if isinstance(pre.refusal, AppError):
        return error_body(pre.refusal), 200, {}, None
    if pre.refusal is not None:
        return {"data": None, "errors": [_error_json(pre.refusal, state)]}, 200, {}, None
    try:
        remaining = await rate_limiter(state).spend(key, pre.cost)
    except RateLimited as exc:
        return error_body(exc), 429, {"Retry-After": str(exc.extensions["retryAfterSeconds"])}, None
    tenant = caller.tenant
    plugins = tenant.enabled_plugins if tenant else frozenset(state.plugins.names)
    schema = state.schemas.get(plugins)
    try:
        session.info["tenant_id"] = tenant.id if tenant else None
        if tenant is not None and row_security_on(state):
            await set_request_tenant(session, tenant.id)
        ctx = await state.context_for(session, caller.principal, tenant, request, person=caller.person)
        result = await schema.execute(
            query, variable_values=variables, context_value=ctx, operation_name=operation_name
        )
        if result.errors or pre.op_type != OperationType.MUTATION:
            await session.rollback()
        else:
            await session.commit()
        await ctx.run_despite_rollback()
        request.state.acted_in = ctx.acted_in  # tenants acted in from a work queue: audited there
    except (OperationalError, OSError, PoolTimeout, DBAPIError) as exc:
        if isinstance(exc, IntegrityError) or _sqlstate(exc) in RETRYABLE_SQLSTATES:
            conflict = Conflict(_("A concurrent change conflicted with this request; retry it"), retryable=True)
            return error_body(conflict), 200, {}, remaining
        return error_body(ServiceUnavailable(UNAVAILABLE_MESSAGE)), 503, {}, remaining
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [_error_json(e, state) for e in result.errors]
        if pre.op_type == OperationType.MUTATION:
            payload["errors"].extend(_rolled_back(result.data))
    if result.extensions:
        payload["extensions"] = dict(result.extensions)
    return payload, 200, {"x-authz-checks": str(ctx.authz.enforce_calls)}, remaining


def _rolled_back(data: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A failed mutation request is rolled back whole (one transaction): the root fields that had
    answered are nulled, each with a ROLLED_BACK error, so that no answer claims a change that was
    not kept (the partial-results rule, README: API conventions)."""
    errors: list[dict[str, Any]] = []
    for key, value in (data or {}).items():
        if value is not None:
            data[key] = None  # type: ignore[index]
            errors.append(
                {
                    "message": "Not applied: another change in this request failed, and a request is one transaction",
                    "path": [key],
                    "extensions": {"code": "ROLLED_BACK"},
                }
            )
    return errors


def _summarize(value: Any, depth: int = 0) -> Any:
    """Mutation arguments for the audit detail (secrets already redacted, so a cut never keeps part
    of one): structure kept, long strings and lists cut."""
    if isinstance(value, str):
        return value if len(value) <= AUDIT_VALUE_CHARS else value[:AUDIT_VALUE_CHARS] + "…"
    if depth >= 4:
        return "…"
    if isinstance(value, dict):
        return {str(k): _summarize(v, depth + 1) for k, v in list(value.items())[:50]}
    if isinstance(value, list):
        return [_summarize(v, depth + 1) for v in value[:20]]
    return value


def _redacted(
    state: AppState, query: str, operation_name: str | None, variables: dict[str, Any] | None
) -> RedactedOperation:
    """The request as the audit may keep it, read against the schema of every installed module (a
    superset of any tenant's, as for the price): a document that no longer parses keeps nothing."""
    try:
        document = parse_limited(query, state.settings)
    except (QueryTooComplex, GraphQLError):
        document = None
    schema = state.schemas.get(frozenset(state.plugins.names))._schema
    return redact_operation(schema, document, operation_name, variables)


async def _audit(
    state: AppState,
    principal: Principal,
    fields: list[str],
    operation_name: str | None,
    query: str,
    variables: dict[str, Any] | None,
    payload: dict[str, Any],
    acted_in: Sequence[int] = (),
) -> None:
    """One audit row per mutation field: who, tenant, what (field, operation, arguments), when, and
    the outcome — ``OK`` or ``ERROR:<code>`` (the whole request was rolled back). A staff or reseller
    caller acting on work-queue items (core.queues.acting_in) is audited in each item's tenant, where
    that tenant's admins read it. The arguments are
    the variables and the root fields' inline arguments, with ``@secret`` values redacted
    (core/secret.py): tenant admins and staff read this log."""
    codes = list(dict.fromkeys(e.get("extensions", {}).get("code", "ERROR") for e in payload.get("errors", [])))
    outcome = ("ERROR:" + codes[0])[:AUDIT_OUTCOME_CHARS] if codes else "OK"
    redacted = _redacted(state, query, operation_name, variables)
    detail = json.dumps(
        {
            "operation": operation_name,
            "codes": codes,
            "staff": sorted(principal.staff_roles) or None,
            "variables": _summarize(redacted.variables),
            "arguments": _summarize(redacted.arguments),
        },
        default=str,
        ensure_ascii=False,
    )
    if len(detail) > AUDIT_DETAIL_CHARS:
        detail = detail[: AUDIT_DETAIL_CHARS - 1] + "…"
    try:
        async with state.sessionmaker() as session, session.begin():
            for tenant_id, f in itertools.product(acted_in or [principal.tenant_id], fields or ["(mutation)"]):
                session.add(
                    AuditEntry(
                        tenant_id=tenant_id,
                        actor=principal.email,
                        action=f[:200],
                        outcome=outcome,
                        detail=detail,
                        created_at=state.clock.now(),
                    )
                )
    except Exception:  # auditing must not turn a completed mutation into an error
        log.exception("audit write failed")


async def healthz(request: Request) -> Response:
    """Liveness: the process answers (nothing else is checked, so a database outage does not get
    every process restarted)."""
    return JSONResponse({"status": "ok"})


READY_TIMEOUT_SECONDS = 5.0


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


def settle_heap(state: AppState) -> None:
    """Once a server process has started: build the full schema, then move everything alive into
    the collector's permanent generation and make young collections rarer.

    The long-lived heap (modules, SQLAlchemy mappers, strawberry and graphql-core schemas: some
    175,000 objects) never becomes garbage, yet every full collection walked it again: measured at
    about 7 ms per request on a 50-invoice page (docs/performance.md). Frozen, it is skipped."""
    state.schemas.get(frozenset(state.plugins.names))
    gc.collect()
    gc.freeze()
    if state.settings.gc_gen0_threshold > 0:
        _, gen1, gen2 = gc.get_threshold()
        gc.set_threshold(state.settings.gc_gen0_threshold, gen1, gen2)


def create_app(state: AppState | None = None, *, routes: Sequence[Route] = ()) -> Starlette:
    state = state or create_state()
    plugin_routes: list[Any] = []
    for result in state.plugins.pm.hook.cc_http_routes():
        plugin_routes.extend(result or [])

    @asynccontextmanager
    async def lifespan(app: Starlette):  # noqa: ANN202
        settle_heap(state)
        yield
        await state.engine.dispose()

    count_statements(state.engine)
    app = Starlette(
        # The request log is outermost: a preflight answered by CORS gets its id and its line too.
        middleware=[Middleware(RequestLogMiddleware), Middleware(CorsMiddleware, state=state)],
        routes=[
            Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics.metrics_endpoint),
            Route(ASSET_PREFIX + "/{name}", graphiql_asset),
            *(portal_routes() if state.settings.portal else []),
            *plugin_routes,
            *routes,
        ],
        lifespan=lifespan,
    )
    app.state.cc = state
    from core.tracing import instrument

    instrument(app, state)
    return app
