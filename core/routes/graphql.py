"""``/graphql``: POST (and GET) operations, GET without one answers GraphiQL."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, FieldNode, GraphQLError, OperationDefinitionNode, OperationType
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from core import metrics, persisted
from core.audit import AuditedRequest, audit_in, audit_mutation
from core.auth import Principal
from core.caller import Caller, authenticate, bind_caller, commit_sign_in
from core.db import make_read_only, use_autocommit
from core.errors import (
    UNAVAILABLE_MESSAGE,
    AppError,
    BadUserInput,
    Conflict,
    Forbidden,
    QueryTooComplex,
    RateLimited,
    ServiceUnavailable,
    Unauthenticated,
    error_body,
)
from core.graphiql import graphiql_page
from core.http import error_response
from core.i18n import _, in_asked_locale
from core.jsonio import FastJSONResponse
from core.limits import (
    cached_query_cost,
    check_cost,
    cost_extension,
    execute_validated,
    parse_limited,
    rate_limiter,
    select_operation,
)
from core.logs import annotate
from core.routes.graphql_errors import RETRYABLE_SQLSTATES, error_json, sqlstate_of
from core.routes.graphql_request import is_graphql_get, read_body, read_params
from core.state import AppState

QUEUE_ROOT_FIELDS = frozenset({"workQueues", "__typename"})  # core.queues: what a reseller may ask across customers


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
    document: DocumentNode | None = None  # parsed (core.limits.parse_limited: one object per text)
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
    out.document = doc
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
    out.cost = cached_query_cost(schema._schema, query, doc, operation_name, variables)
    try:
        check_cost(out.cost, state.settings)
    except QueryTooComplex as exc:
        out.refusal = exc
    return out


@in_asked_locale
async def graphql_endpoint(request: Request) -> Response:
    """POST /graphql, answered in the caller's locale (core.i18n.request_locale). Order: body →
    parse and price (no SQL) → authenticate → refuse over-limit documents → spend the principal's
    rate budget → execute in one transaction (rolled back on any error) → audit mutations. Every
    response carries ``extensions.cost``."""
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
        response = error_response(exc, status, {"cost": await cost_extension(state, pre.cost, key)})
        response.headers.update(headers or {})
        return response

    try:
        if over_get:
            sent = read_params(request)
        else:
            if len(await request.body()) > state.settings.max_query_bytes + 1_000_000:
                raise BadUserInput(_("Request too large"))
            sent = await read_body(request)
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
    # Reads run without a transaction; row-level security then holds the scope in the session's
    # connection until the pool's check-in clears it (core/rls.py).
    autocommit_reads = reads_only
    async with state.sessionmaker() as session:
        try:
            if pre.introspection_only and _anonymous_introspection(state, request):
                if autocommit_reads:
                    await use_autocommit(session)
                caller = Caller(ANONYMOUS, None)
            else:
                caller = await authenticate(
                    state, request, session, queues_only=pre.queues_only, autocommit=autocommit_reads
                )
            await commit_sign_in(session, carry_on=reads_only or not state.is_sqlite)
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
            if is_mutation and not getattr(request.state, "audited", False):
                acted = sorted(getattr(request.state, "acted_in", ()))
                audited = AuditedRequest(principal, pre.fields, operation_name, query, variables, acted)
                await audit_mutation(state, audited, payload)
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
    return FastJSONResponse(payload, status_code=status, headers=headers)


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
        return {"data": None, "errors": [error_json(pre.refusal, state)]}, 200, {}, None
    try:
        remaining = await rate_limiter(state).spend(key, pre.cost)
    except RateLimited as exc:
        return error_body(exc), 429, {"Retry-After": str(exc.extensions["retryAfterSeconds"])}, None
    tenant = caller.tenant
    plugins = tenant.enabled_plugins if tenant else frozenset(state.plugins.names)
    schema = state.schemas.get(plugins)
    try:
        await bind_caller(session, caller)
        ctx = await state.context_for(session, caller.principal, tenant, request, person=caller.person)
        result = None
        if pre.op_type == OperationType.QUERY and pre.document is not None:
            result = await execute_validated(
                schema, state.valid_documents, query, pre.document, ctx, variables, operation_name
            )
        if result is None:
            result = await schema.execute(
                query, variable_values=variables, context_value=ctx, operation_name=operation_name
            )
        if pre.op_type == OperationType.MUTATION:
            if result.errors:
                await session.rollback()
            else:
                acted = sorted(ctx.acted_in)
                audited = audit_in(
                    session,
                    state,
                    AuditedRequest(caller.principal, pre.fields, operation_name, query, variables, acted),
                )
                await session.commit()
                request.state.audited = audited
        # A query's session reads in autocommit (make_read_only): nothing to roll back, and closing
        # it at the end of the request releases its connection without expiring every object first.
        await ctx.run_despite_rollback()
        request.state.acted_in = ctx.acted_in  # tenants acted in from a work queue: audited there
    except (OperationalError, OSError, PoolTimeout, DBAPIError) as exc:
        if isinstance(exc, IntegrityError) or sqlstate_of(exc) in RETRYABLE_SQLSTATES:
            conflict = Conflict(_("A concurrent change conflicted with this request; retry it"), retryable=True)
            return error_body(conflict), 200, {}, remaining
        return error_body(ServiceUnavailable(UNAVAILABLE_MESSAGE)), 503, {}, remaining
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error_json(e, state) for e in result.errors]
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
