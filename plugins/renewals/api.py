"""The renewals plugin's public API: the only renewals code other plugins (built-in or a reseller's)
may import — never its models or service, whose shapes may change.

- reads for a caller (authorized like the plugin's own fields): a renewal's public view by support
  number (:func:`get_renewal`), a page of the renewals matching a list's filters (:func:`renewals_matching`);
- reads over a tenant (no caller: jobs, reports): its renewals (:func:`tenant_renewals`), their
  support numbers (:func:`support_numbers`), how many there are leaving some out
  (:func:`count_renewals`, e.g. "renewals without an SLA"), counts per list (:func:`counts_by_list`)
  and the open renewals quoted to a person (:func:`open_support_numbers`);
- events: :data:`EVENTS`, what the plugin emits through ``ctx.emit`` with each payload (``cc_on_event``).

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

from core.events import event_spec
from core.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.context import Context

# --------------------------------------------------------------------------------------------
# Events (declared once, returned by the plugin's cc_events hook; core checks every payload)
# --------------------------------------------------------------------------------------------
RENEWAL_ACCEPTED = "renewal.accepted"
RENEWAL_CREATED = "renewal.created"
RENEWAL_IMPORTED = "renewal.imported"
RENEWAL_CHANGED = "renewal.changed"
RENEWAL_AUTO_RENEWED = "renewal.auto_renewed"

_RENEWAL_KEYS = (
    ("renewal_id", "int", "the renewal's internal id (stable: the idempotency key)"),
    ("support_number", "str", "the support contract number (the public key of a renewal)"),
    ("customer", "str", "the customer's name on the quote"),
    ("start_date", "str", "ISO date the support period starts"),
    ("end_date", "str", "ISO date the support period ends"),
    ("currency", "str", "ISO-4217 code"),
    ("amount", "str", 'decimal amount of the renewal (e.g. "10000.00"); parse with Decimal'),
    ("status", "str", "OPEN, MULTI_YEAR_PENDING, MULTI_YEAR_QUOTED, ACCEPTED or AUTO_RENEWED"),
    ("auto_renew", "bool", "AutoRenew is on (R-R8)"),
    ("payment_method", "str | null", "CARD, PO, INVOICE or POEF, when chosen"),
    ("po_number", "str | null", "purchase order number"),
    ("quote_to_email", "str", "the quote-to contact (the renewal's owner, R-S3)"),
    ("sales_rep_email", "str", "the vendor's sales rep for the renewal"),
)

EVENTS = (
    event_spec(
        RENEWAL_ACCEPTED,
        "renewals",
        "An order accepted a renewal (checkout R-R4, multi-year acceptance R-R12, AutoRenew R-R10): once per "
        "renewal, after it is marked accepted, before the commit; a handler raising an AppError vetoes the order. "
        "Invoicing issues the renewal's invoice from it.",
        ("renewal_id", "int", "the renewal's internal id (stable: the idempotency key)"),
        ("support_number", "str", "the support contract number"),
        ("order_number", "str", "order that accepted it, e.g. RO-0000042"),
        ("currency", "str", "ISO-4217 code"),
        ("amount", "str", "decimal amount accepted for this renewal; parse with Decimal"),
        ("payment_method", "str", "CARD, PO, INVOICE or POEF"),
        ("po_number", "str | null", "purchase order number"),
        ("billing_email", "str", "billing contact of the order"),
        ("billing_name", "str", "the buyer the invoice names (may be empty)"),
        ("billing_address", "str", "the buyer's address on the invoice (may be empty)"),
        ("quote_to_email", "str", "the renewal's quote-to contact"),
        ("accepted_by", "str", "email of the person (or system actor) who placed the order"),
        ("accepted_at", "str", "ISO-8601 UTC datetime"),
        ("country", "str", "the tenant's country (ISO 3166 alpha-2)"),
        ("lines", "list", '{"product", "product_family", "amount"} per contract line; amounts add up to amount'),
    ),
    event_spec(
        RENEWAL_CREATED,
        "renewals",
        "An import created a renewal (the vendor's order data is where renewals come from): once per new "
        "support number, after its row and lines are written, in the import's transaction.",
        *_RENEWAL_KEYS,
    ),
    event_spec(
        RENEWAL_IMPORTED,
        "renewals",
        "An import wrote a renewal that already existed (each import of it again, changed or not), after "
        "its row and lines are written, in the import's transaction.",
        *_RENEWAL_KEYS,
    ),
    event_spec(
        RENEWAL_CHANGED,
        "renewals",
        "A person edited an open renewal (`updateRenewal`: reference, billing, payment method, PO, AutoRenew; "
        "`updateRenewalQuoteTo`: the quote-to contact, R-R15), after the change, before the commit.",
        *_RENEWAL_KEYS,
        ("changed", "list", "the names of the payload keys whose values changed (may be empty)"),
        ("changed_by", "str", "email of the person who made the change"),
    ),
    event_spec(
        RENEWAL_AUTO_RENEWED,
        "renewals",
        "The AutoRenew job activated a renewal (R-R10), right after its `renewal.accepted`, before the commit.",
        *_RENEWAL_KEYS,
        ("order_number", "str", "the order the job placed for it, e.g. RO-0000042"),
    ),
)
"""Every event the renewals plugin emits, with its payload (docs/writing-a-plugin.md §5)."""


def renewal_payload(r: Any) -> dict[str, Any]:
    """The common keys of renewal.created/imported/changed for a renewal row."""
    return {
        "renewal_id": r.id,
        "support_number": r.support_number,
        "customer": r.customer,
        "start_date": r.start_date.isoformat(),
        "end_date": r.end_date.isoformat(),
        "currency": r.currency,
        "amount": str(r.amount),
        "status": r.status,
        "auto_renew": bool(r.auto_renew),
        "payment_method": r.payment_method,
        "po_number": r.po_number,
        "quote_to_email": r.quote_to_email,
        "sales_rep_email": r.sales_rep_email,
    }


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


def _tenant_renewals(tenant_id: int, today: date, list_name: str | None) -> Any:
    from sqlalchemy import select

    from plugins.renewals import service as svc
    from plugins.renewals.models import Renewal

    stmt = select(Renewal).where(Renewal.tenant_id == tenant_id).execution_options(skip_tenant_filter=True)
    if list_name is not None:
        if list_name not in LISTS:
            from core.errors import BadUserInput

            raise BadUserInput(_("list must be one of {names}", names=", ".join(LISTS)), field="list")
        stmt = stmt.where(svc.list_clause(list_name, today))
    return stmt


async def tenant_renewals(
    session: AsyncSession,
    tenant_id: int,
    today: date,
    *,
    list_name: str | None = None,
    support_numbers: Sequence[str] | None = None,
) -> list[RenewalView]:
    """The tenant's renewals (those of one list on ``today``, or with the given support numbers),
    soonest start first, with their lines. Two statements."""
    from sqlalchemy import select

    from plugins.renewals.models import Renewal, RenewalLine

    stmt = _tenant_renewals(tenant_id, today, list_name).order_by(Renewal.start_date, Renewal.support_number)
    if support_numbers is not None:
        stmt = stmt.where(Renewal.support_number.in_(list(support_numbers)))
    rows = list((await session.execute(stmt)).scalars())
    lines: dict[int, list[Any]] = {r.id: [] for r in rows}
    if rows:
        found = await session.execute(
            select(RenewalLine)
            .where(RenewalLine.tenant_id == tenant_id, RenewalLine.renewal_id.in_(list(lines)))
            .order_by(RenewalLine.renewal_id, RenewalLine.line_no)
            .execution_options(skip_tenant_filter=True)
        )
        for line in found.scalars():
            lines[line.renewal_id].append(line)
    return [_view(r, lines[r.id], today) for r in rows]


async def support_numbers(
    session: AsyncSession, tenant_id: int, today: date, *, list_name: str | None = None
) -> list[str]:
    """The support numbers of the tenant's renewals (of one list on ``today``), sorted. One statement."""
    from plugins.renewals.models import Renewal

    stmt = _tenant_renewals(tenant_id, today, list_name).with_only_columns(Renewal.support_number)
    return sorted((await session.execute(stmt.order_by(None))).scalars())


async def count_renewals(
    session: AsyncSession,
    tenant_id: int,
    today: date,
    *,
    list_name: str | None = None,
    excluding: Sequence[str] = (),
) -> int:
    """How many of the tenant's renewals (of one list on ``today``) have a support number not in
    ``excluding`` — e.g. the pending renewals a plugin has no row for yet. One statement."""
    from sqlalchemy import func

    from plugins.renewals.models import Renewal

    stmt = _tenant_renewals(tenant_id, today, list_name).with_only_columns(func.count())
    if excluding:
        stmt = stmt.where(Renewal.support_number.not_in(list(excluding)))
    return int((await session.execute(stmt)).scalar_one())


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


@dataclass(frozen=True)
class OrderRef:
    """What other plugins may know of a renewal order: its tenant and number (an invoice's
    ``order_number`` when invoicing billed it)."""

    order_id: int  # the id of the ``RenewalOrder`` type's global id
    tenant_id: int
    order_number: str


async def order_refs(session: AsyncSession, order_ids: Sequence[int]) -> list[OrderRef | None]:
    """Orders by id, in ``order_ids``' order (None for an id without one in the session's tenant, when
    it is bound): one statement, for the fields other plugins graft onto ``RenewalOrder``."""
    from sqlalchemy import select

    from plugins.renewals.models import RenewalOrder

    ids = list(order_ids)
    rows = await session.execute(
        select(RenewalOrder.id, RenewalOrder.tenant_id, RenewalOrder.order_number).where(RenewalOrder.id.in_(ids))
    )
    found = {oid: OrderRef(oid, tid, number) for oid, tid, number in rows}
    return [found.get(i) for i in ids]


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
