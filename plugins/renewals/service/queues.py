"""Sales reps' work queues across tenants (issue 22, core.queues): the renewals assigned to the caller by
list and status (soonest start first), multi-year requests awaiting a quote and assistance requests
awaiting an answer (oldest first).

"Assigned" is the renewal's sales rep (R-R12, R-R13): the vendor's rep in any tenant enabling renewals,
or a reseller's person named as the rep of a renewal of one of their customers. Each read is one
statement on an index of its order; acting on an item (:func:`quote_queued_multi_year`) moves the
request into the item's tenant and calls the tenant-bound rule, authorized there (ASSIGNED_REP)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select

from core.db import as_records, one_of, records
from core.errors import BadUserInput
from core.i18n import _
from core.loaders import by_key
from core.pagination import Page, keyset_page
from core.queues import QueueScope, acting_in, tenant_of_item
from plugins.renewals.models import Renewal, RenewalRequest
from plugins.renewals.service.lists import list_clause
from plugins.renewals.service.requests import update_multi_year_quote
from plugins.renewals.service.rules import LISTS, MULTI_YEAR_PENDING, STATUSES

if TYPE_CHECKING:
    from core.context import Context

PLUGIN = "renewals"
ASSIGNED_QUEUE = "assigned_renewals"
MULTI_YEAR_QUEUE = "multi_year_requests"
ASSISTANCE_QUEUE = "assistance_requests"


def _assigned(scope: QueueScope, tenant_key: str | None) -> list[Any]:
    return [Renewal.sales_rep_email == scope.email, scope.where(Renewal.tenant_id, PLUGIN, tenant_key)]


async def assigned_renewal_queue(
    ctx: Context,
    scope: QueueScope,
    *,
    list_name: str | None,
    statuses: Sequence[str],
    tenant_key: str | None,
    first: int | None,
    after: str | None,
) -> Page:
    """The caller's assigned renewals (of one list, R-R1, and statuses when given), soonest start first."""
    scope.require(ASSIGNED_QUEUE)
    stmt = records(Renewal).where(*_assigned(scope, tenant_key))
    if list_name is not None:
        stmt = stmt.where(list_clause(list_name, ctx.today()))
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise BadUserInput(_("Unknown status '{value}'", value=bad[0]), field="status")
    if statuses:
        stmt = stmt.where(Renewal.status.in_(list(statuses)))
    return await keyset_page(
        ctx.session,
        stmt,
        [(Renewal.start_date, False), (Renewal.id, False)],
        first=first,
        after=after,
    )


async def assigned_counts(ctx: Context, scope: QueueScope, *, tenant_key: str | None) -> dict[str, int]:
    """How many of the caller's assigned renewals are in each list (R-R1): one statement."""
    scope.require(ASSIGNED_QUEUE)
    today = ctx.today()
    columns = [func.coalesce(func.sum(case((list_clause(name, today), 1), else_=0)), 0) for name in LISTS]
    row = (await ctx.session.execute(select(*columns).where(*_assigned(scope, tenant_key)))).one()
    return {name: int(n) for name, n in zip(LISTS, row, strict=True)}


def _requests(scope: QueueScope, kind: str, tenant_key: str | None) -> Any:
    return (
        select(RenewalRequest)
        .join(Renewal, Renewal.id == RenewalRequest.renewal_id)
        .where(RenewalRequest.kind == kind, *_assigned(scope, tenant_key))
    )


async def _request_page(ctx: Context, stmt: Any, first: int | None, after: str | None) -> Page:
    return await keyset_page(
        ctx.session,
        stmt,
        [(RenewalRequest.created_at, False), (RenewalRequest.id, False)],
        first=first,
        after=after,
    )


async def multi_year_queue(
    ctx: Context, scope: QueueScope, *, tenant_key: str | None, first: int | None, after: str | None
) -> Page:
    """Multi-year requests (R-R12) on the caller's renewals still waiting for a quote, oldest first."""
    scope.require(MULTI_YEAR_QUEUE)
    stmt = _requests(scope, "MULTI_YEAR", tenant_key).where(
        Renewal.status == MULTI_YEAR_PENDING, Renewal.accepted_at.is_(None)
    )
    return await _request_page(ctx, stmt, first, after)


async def assistance_queue(
    ctx: Context, scope: QueueScope, *, tenant_key: str | None, first: int | None, after: str | None
) -> Page:
    """Assistance requests (R-R13) on the caller's renewals not answered yet, oldest first."""
    scope.require(ASSISTANCE_QUEUE)
    stmt = _requests(scope, "ASSISTANCE", tenant_key).where(RenewalRequest.answered_at.is_(None))
    return await _request_page(ctx, stmt, first, after)


async def renewals_by_id(ctx: Context, ids: Sequence[int]) -> list[Any]:
    """Renewals (read-only records) by id, in ``ids``' order: a queue item's renewal (the item was
    authorized by the queue that found it)."""
    rows = as_records(await ctx.session.execute(records(Renewal).where(one_of(ctx.session, Renewal.id, list(ids)))))
    return by_key(rows, ids, lambda r: r.id)


async def quote_queued_multi_year(ctx: Context, request_id: int, amount: Decimal, currency: str) -> Renewal:
    """The assigned rep quotes a multi-year request of the queue by its id, in its own tenant (R-R12):
    ``renewal:update_quote`` there with the rep's relation to that renewal (ASSIGNED_REP)."""
    tenant_id = await tenant_of_item(ctx, RenewalRequest, request_id)
    async with acting_in(ctx, tenant_id, PLUGIN) as tctx:
        found = (
            await tctx.session.execute(
                select(RenewalRequest.kind, Renewal.support_number)
                .join(Renewal, Renewal.id == RenewalRequest.renewal_id)
                .where(RenewalRequest.id == request_id)
            )
        ).one()
        if found.kind != "MULTI_YEAR":
            raise BadUserInput(_("That request is not a multi-year request"), field="requestId")
        return await update_multi_year_quote(tctx, found.support_number, amount, currency)
