"""The audit log of mutations: one row per mutation field, arguments summarised with secrets redacted."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession

from core import rls
from core.auth import Principal
from core.errors import QueryTooComplex
from core.limits import parse_limited
from core.logs import get_logger
from core.models import AuditEntry
from core.secret import RedactedOperation, redact_operation
from core.state import AppState

log = get_logger("customer_center.request")


AUDIT_OUTCOME_CHARS = 32  # audit_log.outcome column
AUDIT_DETAIL_CHARS = 4000
AUDIT_VALUE_CHARS = 200


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


@dataclass(frozen=True)
class AuditedRequest:
    """What the audit records of a mutation request: who, its root fields, the operation as sent,
    and the tenants acted in from a work queue (core.queues.acting_in; else the caller's own)."""

    principal: Principal
    fields: list[str]
    operation_name: str | None
    query: str
    variables: dict[str, Any] | None
    acted_in: Sequence[int] = ()

    @property
    def rows(self) -> list[int | None]:
        return list(self.acted_in) or [self.principal.tenant_id]


def _entries(state: AppState, request: AuditedRequest, payload: dict[str, Any]) -> list[AuditEntry]:
    principal = request.principal
    codes = list(dict.fromkeys(e.get("extensions", {}).get("code", "ERROR") for e in payload.get("errors", [])))
    outcome = ("ERROR:" + codes[0])[:AUDIT_OUTCOME_CHARS] if codes else "OK"
    redacted = _redacted(state, request.query, request.operation_name, request.variables)
    detail = json.dumps(
        {
            "operation": request.operation_name,
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
    return [
        AuditEntry(
            tenant_id=tenant_id,
            actor=principal.email,
            action=f[:200],
            outcome=outcome,
            detail=detail,
            created_at=state.clock.now(),
        )
        for tenant_id, f in itertools.product(request.rows, request.fields or ["(mutation)"])
    ]


async def audit_mutation(state: AppState, request: AuditedRequest, payload: dict[str, Any]) -> None:
    """One audit row per mutation field: who, tenant, what (field, operation, arguments), when, and
    the outcome — ``OK`` or ``ERROR:<code>`` (the whole request was rolled back). A staff or reseller
    caller acting on work-queue items (core.queues.acting_in) is audited in each item's tenant, where
    that tenant's admins read it. The arguments are
    the variables and the root fields' inline arguments, with ``@secret`` values redacted
    (core/secret.py): tenant admins and staff read this log. Written in a transaction of its own
    after the request's (a mutation that succeeded is mostly audited in its own: ``audit_in``)."""
    entries = _entries(state, request, payload)
    try:
        async with state.sessionmaker() as session, session.begin():
            await rls.set_scope(session, rls.scope_for_rows(request.rows))
            session.add_all(entries)
    except Exception:  # auditing must not turn a completed mutation into an error
        log.exception("audit write failed")


def audit_in(session: AsyncSession, state: AppState, request: AuditedRequest) -> bool:
    """A mutation that answered without error, about to commit: its audit rows (outcome ``OK``) added
    to its own transaction, so they commit with it or not at all — one transaction fewer, and no
    committed change without its row. Only where that transaction may write them (row-level
    security: its scope is the rows' tenants); False when not: ``audit_mutation`` after the commit.
    A commit that fails takes the rows with it, and the request is audited as the error it became."""
    if rls.scope_for_rows(request.rows) != rls.scope_of(session.info):
        return False
    session.add_all(_entries(state, request, {}))
    return True
