"""The renewals plugin's public API: the only renewals code other plugins (built-in or a reseller's)
may import — never its models or service, whose shapes may change.

- reads: a renewal's public view by support number (:func:`get_renewal`), a page of the renewals
  matching a list's filters (:func:`renewals_matching`), a tenant's counts per list
  (:func:`counts_by_list`) and its open renewals quoted to a person (:func:`open_support_numbers`);
- events: the names the plugin emits through ``ctx.emit`` and their payloads (``cc_on_event``).

The reads that take the request context authorize like the plugin's own fields: the caller sees what
their relations to a renewal let them see (R-S2). The reads that take a session have no caller (jobs,
demo data, reports over a tenant): the calling plugin decides who may see what it makes of them.
Imports of the plugin's internals happen inside the functions, so importing this module defines no
table for a deployment that does not install the renewals plugin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.context import Context

# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------
RENEWAL_ACCEPTED = "renewal.accepted"
"""An order accepted a renewal (checkout R-R4, multi-year acceptance R-R12, AutoRenew activation
R-R10): once per renewal, after it is marked accepted and before the transaction commits; a handler
raising an ``AppError`` vetoes the order. Invoicing creates the renewal's invoice from it.

Payload: ``renewal_id`` (int, stable: the idempotency key), ``support_number``, ``order_number``,
``currency``, ``amount`` (decimal string), ``payment_method`` (``CARD`` | ``PO`` | ``INVOICE`` |
``POEF``), ``po_number`` (or null), ``billing_email``, ``quote_to_email``, ``accepted_by``,
``accepted_at`` (ISO-8601 UTC), ``country`` (the tenant's, ISO 3166 alpha-2) and ``lines``, a list
of ``{"product", "product_family", "amount"}`` whose amounts add up to ``amount``."""

RENEWAL_CREATED = "renewal.created"
"""Reserved, not emitted yet: the import created a renewal. Import sections get a session and the
clock but no context to emit with (core.hookspecs.ImportSection.apply); this event is emitted once
core gives them one. Payload: ``supportNumber``, ``tenantKey``, ``customer``, ``startDate`` and
``endDate`` (ISO dates), ``currency``, ``amount`` (decimal string), ``quoteToEmail``,
``salesRepEmail``, ``status``."""

RENEWAL_IMPORTED = "renewal.imported"
"""Reserved, not emitted yet: an import updated a renewal that already existed (same reason and
payload as :data:`RENEWAL_CREATED`)."""

EVENTS = (RENEWAL_ACCEPTED,)
"""The events the plugin emits today."""

# --------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------
LISTS = ("PENDING", "HISTORY", "FUTURE")
"""The three lists of R-R1: pending (open for action now), history (accepted), future."""


@dataclass(frozen=True)
class RenewalLineView:
    product: str
    product_family: str  # DATABASE | DATABASE_ENTERPRISE_OPTIONS | MIDDLEWARE | ...
    sales_order_number: str
    quantity: Decimal
    amount: Decimal


@dataclass(frozen=True)
class RenewalView:
    """What the renewals plugin shows of one renewal (R-R3), as of ``today``."""

    renewal_id: int  # the ``renewal_id`` of ``renewal.accepted``
    support_number: str
    quote_number: str
    customer: str
    end_user: str
    start_date: date
    end_date: date
    list: str  # one of LISTS
    status: str  # OPEN | MULTI_YEAR_PENDING | MULTI_YEAR_QUOTED | ACCEPTED | AUTO_RENEWED
    locked: bool  # R-R9: read-only from 31 days before the start date, and once accepted
    currency: str
    amount: Decimal
    auto_renew: bool
    payment_method: str | None
    po_number: str | None
    customer_reference: str
    quote_to_email: str
    sales_rep_email: str
    accepted_at: datetime | None
    lines: tuple[RenewalLineView, ...]


@dataclass(frozen=True)
class RenewalPage:
    renewals: tuple[RenewalView, ...]
    #: Pass as ``after`` for the next page; None on the last page.
    next_cursor: str | None


# --------------------------------------------------------------------------------------------
# Reads for a caller (authorized)
# --------------------------------------------------------------------------------------------
async def get_renewal(ctx: Context, support_number: str) -> RenewalView | None:
    """The renewal with that support number if the caller may view it, else None (never telling
    whether it exists for someone else)."""
    from core.errors import NotFound
    from plugins.renewals import service as svc

    try:
        renewal = await svc.authorize(ctx, support_number, "view")
    except NotFound:
        return None
    lines = (await svc.lines_for(ctx, [renewal.id]))[0]
    return _view(renewal, lines, ctx.today())


async def renewals_matching(
    ctx: Context,
    list_name: str = "PENDING",
    *,
    statuses: Sequence[str] = (),
    start_from: date | None = None,
    start_to: date | None = None,
    end_from: date | None = None,
    end_to: date | None = None,
    po_number: str | None = None,
    search: str | None = None,
    auto_renew: bool | None = None,
    first: int = 50,
    after: str | None = None,
) -> RenewalPage:
    """One page (``first``: 1 to 100) of the renewals of a list that the caller may view, with the
    filters of the renewals page (R-R18, R-R21), by start date. FORBIDDEN when no relation lets the
    caller view renewals; BAD_USER_INPUT for an unknown list or status."""
    from plugins.renewals import service as svc

    filters = svc.RenewalFilters(
        list=list_name,
        statuses=list(statuses),
        start_from=start_from,
        start_to=start_to,
        end_from=end_from,
        end_to=end_to,
        po_number=po_number,
        search=search,
        auto_renew=auto_renew,
    )
    rows, page, _total, _cursors = await svc.renewal_page(ctx, filters, first=first, after=after)
    all_lines = await svc.lines_for(ctx, [r.id for r in rows])
    today = ctx.today()
    return RenewalPage(
        renewals=tuple(_view(r, lines, today) for r, lines in zip(rows, all_lines, strict=True)),
        next_cursor=page.end_cursor if page.has_next_page else None,
    )


# --------------------------------------------------------------------------------------------
# Reads over a tenant (no caller)
# --------------------------------------------------------------------------------------------
async def counts_by_list(session: AsyncSession, tenant_id: int, today: date) -> dict[str, int]:
    """How many renewals of the tenant are in each list on ``today``, e.g. ``{"PENDING": 3,
    "HISTORY": 10, "FUTURE": 2}`` (one statement)."""
    from sqlalchemy import case, func, select

    from plugins.renewals import service as svc
    from plugins.renewals.models import Renewal

    def count_if(clause: Any) -> Any:
        return func.coalesce(func.sum(case((clause, 1), else_=0)), 0)

    row = (
        await session.execute(
            select(*(count_if(svc.list_clause(name, today)) for name in LISTS)).where(Renewal.tenant_id == tenant_id)
        )
    ).one()
    return {name: int(n) for name, n in zip(LISTS, row, strict=True)}


async def open_support_numbers(session: AsyncSession, tenant_id: int, quote_to_email: str) -> list[str]:
    """The support numbers of the tenant's renewals not accepted yet (pending or future) whose
    quote-to contact is ``quote_to_email``, soonest start first."""
    from sqlalchemy import select

    from plugins.renewals.models import Renewal

    stmt = (
        select(Renewal.support_number)
        .where(
            Renewal.tenant_id == tenant_id,
            Renewal.quote_to_email == quote_to_email.strip().lower(),
            Renewal.accepted_at.is_(None),
        )
        .order_by(Renewal.start_date, Renewal.support_number)
    )
    return list((await session.execute(stmt)).scalars())


def _view(r: Any, lines: Sequence[Any], today: date) -> RenewalView:
    from plugins.renewals import service as svc

    accepted = r.accepted_at is not None
    return RenewalView(
        renewal_id=r.id,
        support_number=r.support_number,
        quote_number=r.quote_number or r.support_number,
        customer=r.customer,
        end_user=r.end_user,
        start_date=r.start_date,
        end_date=r.end_date,
        list=svc.list_of(accepted, r.start_date, today),
        status=r.status,
        locked=svc.is_locked(accepted, r.start_date, today),
        currency=r.currency,
        amount=r.amount,
        auto_renew=r.auto_renew,
        payment_method=r.payment_method,
        po_number=r.po_number,
        customer_reference=r.customer_reference,
        quote_to_email=r.quote_to_email,
        sales_rep_email=r.sales_rep_email,
        accepted_at=r.accepted_at,
        lines=tuple(
            RenewalLineView(
                product=x.product,
                product_family=x.product_family,
                sales_order_number=x.sales_order_number,
                quantity=x.quantity,
                amount=x.amount,
            )
            for x in lines
        ),
    )
