"""Renewal rules (SPEC §2, R-R1…R-R22). Resolvers, routes and jobs call these functions; nothing here
knows about GraphQL. Thresholds are named constants citing their rule.

Visibility (R-S2, R-R15): a person sees the renewals whose quote-to contact they are (relation OWNER)
or that are shared with them by an ``ObjectGrant`` row (relation PARTICIPANT / VIEWER); a sales rep
(staff) sees the renewals assigned to them (relation ASSIGNED_REP) in any tenant. Lists express
these relations as SQL (EXISTS on object_grants) and ask the enforcer once per relation role.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import countries
from core.calendar import add_years
from core.context import Context
from core.db import as_records, one_of, records
from core.emails import normalise_email
from core.errors import BadUserInput, Conflict, Forbidden, NotFound
from core.exchange import MissingExchangeRate, to_usd
from core.models import Message, ObjectGrant, Tenant
from core.money import quantize
from plugins.renewals.models import Renewal, RenewalCart, RenewalCartItem, RenewalLine, RenewalOrder, RenewalRequest

# --------------------------------------------------------------------------------------------
# Rule constants
# --------------------------------------------------------------------------------------------
OBJECT = "renewal"
#: R-R1/R-R2: a renewal is pending (and its quote-to is reminded) from this many days before support expires.
REMINDER_DAYS = 120
#: R-R8/R-R9: edits (reference, quote-to, billing, payment method, AutoRenew) allowed until this many
#: days before the support start date; with fewer days left the renewal is locked (read-only).
LOCK_DAYS = 32
#: R-R10: an AutoRenew renewal is activated (accepted) this many days before the support start date.
ACTIVATION_DAYS = 30
#: R-R11: multi-year renewals only when the annual support fee is under this amount (USD).
MULTI_YEAR_FEE_LIMIT_USD = Decimal("50000.00")
#: R-R11: families that may renew for several years; DATABASE_ENTERPRISE_MANAGEMENT only with a
#: DATABASE line of the same sales order.
MULTI_YEAR_FAMILIES = frozenset({"DATABASE", "DATABASE_ENTERPRISE_OPTIONS", "DATABASE_ENTERPRISE_MANAGEMENT"})
MULTI_YEAR_NEEDS_DATABASE = "DATABASE_ENTERPRISE_MANAGEMENT"
#: R-R11/R-R12: a multi-year renewal extends the one-year renewal to this many years.
MULTI_YEAR_YEARS = 3
#: R-R11: the "save up to" amount is at most this share of the fees over the multi-year term.
MULTI_YEAR_MAX_SAVING_RATE = Decimal("0.10")
#: R-R12/R-R13: longest multi-year or assistance message.
MAX_MESSAGE_CHARS = 1800
#: R-R18: the standard CSV holds at most this many rows.
MAX_STANDARD_CSV_ROWS = 10_000
PAYMENT_METHODS = ("CARD", "PO", "INVOICE", "POEF")
#: R-R8: AutoRenew renewals pay by invoice unless the customer chose otherwise.
AUTO_RENEW_DEFAULT_METHOD = "INVOICE"
#: Where a request goes when a renewal has no sales rep assigned.
RENEWALS_DESK_EMAIL = "renewals-desk@vendor.example"
SYSTEM_ACTOR = "system@customer-center"
MAX_REFERENCE_CHARS = 200
MAX_NAME_CHARS = 100
MAX_ADDRESS_CHARS = 500
MAX_PHONE_CHARS = 40
MAX_PO_CHARS = 64
MAX_CART_NAME = 100
MAX_CART_ITEMS = 250

# Relation roles (per renewal) passed to the enforcer as extra roles.
OWNER = "OWNER"
SALES_REP = "SALES_REP"  # the staff role whose holders get ASSIGNED_REP on their renewals
ASSIGNED_REP = "ASSIGNED_REP"
GRANT_ROLES = ("PARTICIPANT", "VIEWER")

# Stored statuses.
OPEN = "OPEN"
MULTI_YEAR_PENDING = "MULTI_YEAR_PENDING"
MULTI_YEAR_QUOTED = "MULTI_YEAR_QUOTED"
ACCEPTED = "ACCEPTED"
AUTO_RENEWED = "AUTO_RENEWED"
STATUSES = (OPEN, MULTI_YEAR_PENDING, MULTI_YEAR_QUOTED, ACCEPTED, AUTO_RENEWED)

PENDING, HISTORY, FUTURE = "PENDING", "HISTORY", "FUTURE"
LISTS = (PENDING, HISTORY, FUTURE)


# --------------------------------------------------------------------------------------------
# Pure rules (unit-tested in tests/renewals/test_rules.py)
# --------------------------------------------------------------------------------------------
def days_until_start(start_date: date, today: date) -> int:
    return (start_date - today).days


def list_of(accepted: bool, start_date: date, today: date) -> str:
    """R-R1: history once accepted; pending inside the reminder window (R-R2); future before it."""
    if accepted:
        return HISTORY
    return PENDING if days_until_start(start_date, today) <= REMINDER_DAYS else FUTURE


def reminder_due(start_date: date, today: date) -> bool:
    """R-R2: the reminder goes out from 120 days before support expires (and not after it expired)."""
    return 0 <= days_until_start(start_date, today) <= REMINDER_DAYS


def is_locked(accepted: bool, start_date: date, today: date) -> bool:
    """R-R9: editable until 32 days before the start date; locked with 31 days or fewer left."""
    return accepted or days_until_start(start_date, today) < LOCK_DAYS


def lock_date(start_date: date) -> date:
    """The first day the renewal is read-only (R-R9)."""
    return start_date - timedelta(days=LOCK_DAYS - 1)


def activation_due(auto_renew: bool, accepted: bool, start_date: date, today: date) -> bool:
    """R-R10: AutoRenew renewals are activated from 30 days before the support start date."""
    return auto_renew and not accepted and days_until_start(start_date, today) <= ACTIVATION_DAYS


def multi_year_eligible(amount: Decimal, currency: str, lines: Sequence[tuple[str, str]], on: date) -> bool:
    """R-R11. ``lines`` are (product family, sales order number) pairs. Eligible when every line is a
    Database family (Enterprise Management only with a Database line of the same sales order) and the
    annual fee is under USD 50,000 at the rate of ``on``; without a rate it is not eligible."""
    if not lines:
        return False
    try:
        usd = to_usd(amount, currency, on)
    except MissingExchangeRate:
        return False
    if usd >= MULTI_YEAR_FEE_LIMIT_USD:
        return False
    database_orders = {order for family, order in lines if family == "DATABASE"}
    for family, order in lines:
        if family not in MULTI_YEAR_FAMILIES:
            return False
        if family == MULTI_YEAR_NEEDS_DATABASE and order not in database_orders:
            return False
    return True


def save_up_to(amount: Decimal, currency: str) -> Decimal:
    """R-R11: the most the customer saves over the multi-year term."""
    return quantize(amount * MULTI_YEAR_YEARS * MULTI_YEAR_MAX_SAVING_RATE, currency)


def payment_methods_for(country: str) -> tuple[str, ...]:
    """R-R4: which payment methods are offered in the customer's country (core's one country table)."""
    return countries.methods_offered(country)


def check_message(message: str, field_name: str = "message") -> str:
    """R-R12/R-R13: a non-empty message of at most 1,800 characters."""
    text = (message or "").strip()
    if not text:
        raise BadUserInput(f"{field_name} is required", field=field_name)
    if len(text) > MAX_MESSAGE_CHARS:
        raise BadUserInput(
            f"{field_name} is {len(text)} characters; at most {MAX_MESSAGE_CHARS} are allowed", field=field_name
        )
    return text


def _norm(value: str | None) -> str:
    return re.sub(r"\s+", " ", (value or "").strip()).casefold()


def po_mismatches(billing: BillingDetails, po: PurchaseOrderDetails) -> list[str]:
    """R-R4: with "pay with PO" the billing details on the order must match those on the PO."""
    wrong = []
    if _norm(billing.name) != _norm(po.bill_to_name):
        wrong.append("billToName")
    if _norm(billing.email) != _norm(po.bill_to_email):
        wrong.append("billToEmail")
    if _norm(billing.address) != _norm(po.bill_to_address):
        wrong.append("billToAddress")
    return wrong


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------
@dataclass
class BillingDetails:
    name: str
    email: str
    address: str


@dataclass
class PurchaseOrderDetails:
    number: str
    bill_to_name: str
    bill_to_email: str
    bill_to_address: str


@dataclass
class RenewalFilters:
    list: str = PENDING
    statuses: Sequence[str] = ()
    start_from: date | None = None
    start_to: date | None = None
    end_from: date | None = None
    end_to: date | None = None
    po_number: str | None = None
    search: str | None = None
    auto_renew: bool | None = None


@dataclass
class CheckoutRequest:
    support_numbers: Sequence[str] = ()
    cart_id: int | None = None
    payment_method: str = ""
    billing: BillingDetails | None = None
    purchase_order: PurchaseOrderDetails | None = None
    accept_terms: bool = False
    accept_tssa: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _text(value: str | None, name: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise BadUserInput(f"{name} is required", field=name)
    if len(text) > limit:
        raise BadUserInput(f"{name} is longer than {limit} characters", field=name)
    return text


def check_billing(billing: BillingDetails) -> BillingDetails:
    return BillingDetails(
        name=_text(billing.name, "billing.name", MAX_NAME_CHARS * 2, required=True),
        email=normalise_email(billing.email, "billing.email"),
        address=_text(billing.address, "billing.address", MAX_ADDRESS_CHARS, required=True),
    )


def check_payment_method(method: str, country: str) -> str:
    method = (method or "").upper()
    offered = payment_methods_for(country)
    if method not in offered:
        raise BadUserInput(
            f"Payment method {method or '(none)'} is not offered in {country}; choose one of {', '.join(offered)}",
            field="paymentMethod",
        )
    return method


def check_method_for_amount(method: str, country: str, net: Decimal, currency: str, on: date) -> None:
    """R-I16 at ordering time, on the total the order's invoice will carry (net plus the country's tax),
    so that no order is accepted with a method its invoice would then refuse."""
    total = net + quantize(net * countries.tax_rate(country), currency)
    countries.check_payment_method(method, country, total, currency, on)


# --------------------------------------------------------------------------------------------
# Visibility and relation roles
# --------------------------------------------------------------------------------------------
def _grant_exists(email: str, roles: Sequence[str]) -> ColumnElement[bool]:
    return exists().where(
        ObjectGrant.tenant_id == Renewal.tenant_id,
        ObjectGrant.object_type == OBJECT,
        ObjectGrant.object_id == Renewal.support_number,
        ObjectGrant.grantee_email == email,
        ObjectGrant.role.in_(list(roles)),
    )


def visibility(ctx: Context, action: str = "view") -> ColumnElement[bool]:
    """SQL for "renewals the caller may ``action`` through a relation" (R-S2). One memoised enforcer
    question per relation role; raises FORBIDDEN when no relation could ever allow the action."""
    p = ctx.principal
    clauses: list[ColumnElement[bool]] = []
    if p.is_staff:
        if SALES_REP in p.staff_roles and ctx.allowed(OBJECT, action, [ASSIGNED_REP]):
            clauses.append(Renewal.sales_rep_email == p.email)
    else:
        if ctx.allowed(OBJECT, action, [OWNER]):
            clauses.append(Renewal.quote_to_email == p.email)
        roles = [r for r in GRANT_ROLES if ctx.allowed(OBJECT, action, [r])]
        if roles:
            clauses.append(_grant_exists(p.email, roles))
    if not clauses:
        raise Forbidden(f"Not allowed to {action} renewals", object=OBJECT, action=action)
    return or_(*clauses)


def _may_see(ctx: Context) -> ColumnElement[bool]:
    """Any relation at all (the enforcer then decides the action on that one renewal)."""
    p = ctx.principal
    if p.is_staff:
        return and_(Renewal.sales_rep_email == p.email, SALES_REP in p.staff_roles)
    return or_(Renewal.quote_to_email == p.email, _grant_exists(p.email, GRANT_ROLES))


async def relation_roles(ctx: Context, renewal: Renewal) -> list[str]:
    p = ctx.principal
    roles: list[str] = []
    if p.is_staff:
        if SALES_REP in p.staff_roles and renewal.sales_rep_email and renewal.sales_rep_email == p.email:
            roles.append(ASSIGNED_REP)
        return roles
    if renewal.quote_to_email == p.email:
        roles.append(OWNER)
    grant = (
        await ctx.session.execute(
            select(ObjectGrant.role).where(
                ObjectGrant.tenant_id == renewal.tenant_id,
                ObjectGrant.object_type == OBJECT,
                ObjectGrant.object_id == renewal.support_number,
                ObjectGrant.grantee_email == p.email,
            )
        )
    ).scalar_one_or_none()
    if grant:
        roles.append(grant)
    return roles


async def find_renewal(ctx: Context, support_number: str, *, for_update: bool = False) -> Renewal:
    """The renewal with that support number that the caller has a relation to, else NOT_FOUND (never
    revealing whether it exists in another tenant or belongs to someone else)."""
    sn = (support_number or "").strip()
    if not sn or len(sn) > 64:
        raise BadUserInput("supportNumber is required", field="supportNumber")
    stmt = select(Renewal).where(Renewal.support_number == sn, _may_see(ctx)).limit(2)
    if for_update and ctx.state.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Renewal)
    found = list((await ctx.session.execute(stmt)).scalars())
    if not found:
        raise NotFound(f"No renewal {sn}")
    if len(found) > 1:
        raise BadUserInput("That support number exists in several tenants; choose one with the X-Tenant header")
    return found[0]


async def authorize(ctx: Context, support_number: str, action: str, *, for_update: bool = False) -> Renewal:
    """Find a renewal the caller can see and require ``action`` on it with their relation roles."""
    return await require_on(ctx, await find_renewal(ctx, support_number, for_update=for_update), action)


async def require_on(ctx: Context, renewal: Renewal, action: str) -> Renewal:
    """Require ``action`` on this very renewal with the caller's relation roles to it; one they
    cannot view is NOT_FOUND, so probing ids tells nothing."""
    roles = await relation_roles(ctx, renewal)
    if not ctx.allowed(OBJECT, "view", roles):
        raise NotFound(f"No renewal {renewal.support_number}")
    ctx.require(OBJECT, action, roles)
    return renewal


async def object_roles(ctx: Context, support_number: str) -> list[str]:
    """cc_object_roles for ``renewal``: NOT_FOUND unless the caller can view it."""
    renewal = await find_renewal(ctx, support_number)
    roles = await relation_roles(ctx, renewal)
    if not ctx.allowed(OBJECT, "view", roles):
        raise NotFound(f"No renewal {renewal.support_number}")
    return roles


# --------------------------------------------------------------------------------------------
# Lists and lookups (R-R1, R-R3, R-R21, R-R22)
# --------------------------------------------------------------------------------------------
def list_clause(list_name: str, today: date) -> ColumnElement[bool]:
    cut = today + timedelta(days=REMINDER_DAYS)
    if list_name == HISTORY:
        return Renewal.accepted_at.is_not(None)
    if list_name == PENDING:
        return and_(Renewal.accepted_at.is_(None), Renewal.start_date <= cut)
    if list_name == FUTURE:
        return and_(Renewal.accepted_at.is_(None), Renewal.start_date > cut)
    raise BadUserInput(f"Unknown list {list_name!r}; one of {', '.join(LISTS)}", field="list")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(ctx: Context, filters: RenewalFilters, action: str = "view") -> Select:
    """The renewals of one list the caller may ``action``, honouring the page filters."""
    stmt = select(Renewal).where(visibility(ctx, action), list_clause(filters.list, ctx.today()))
    if filters.statuses:
        bad = [s for s in filters.statuses if s not in STATUSES]
        if bad:
            raise BadUserInput(f"Unknown status {bad[0]!r}", field="status")
        stmt = stmt.where(Renewal.status.in_(list(filters.statuses)))
    if filters.start_from and filters.start_to and filters.start_from > filters.start_to:
        raise BadUserInput("startFrom is after startTo", field="startFrom")
    if filters.start_from:
        stmt = stmt.where(Renewal.start_date >= filters.start_from)
    if filters.start_to:
        stmt = stmt.where(Renewal.start_date <= filters.start_to)
    if filters.end_from:
        stmt = stmt.where(Renewal.end_date >= filters.end_from)
    if filters.end_to:
        stmt = stmt.where(Renewal.end_date <= filters.end_to)
    if filters.po_number:
        # R-R21: history can be filtered by PO number.
        stmt = stmt.where(func.lower(Renewal.po_number) == _text(filters.po_number, "poNumber", MAX_PO_CHARS).lower())
    if filters.search:
        term = _text(filters.search, "search", 100)
        if term:
            like = f"%{_escape_like(term.lower())}%"
            stmt = stmt.where(
                or_(
                    func.lower(Renewal.support_number).like(like, escape="\\"),
                    func.lower(Renewal.customer_reference).like(like, escape="\\"),
                )
            )
    if filters.auto_renew is not None:
        stmt = stmt.where(Renewal.auto_renew.is_(filters.auto_renew))
    return stmt


SORTS = {
    "START_DATE": Renewal.start_date,
    "END_DATE": Renewal.end_date,
    "SUPPORT_NUMBER": Renewal.support_number,
    "AMOUNT": Renewal.amount,
    "CUSTOMER": Renewal.customer,
}


async def lines_for(session: AsyncSession, renewal_ids: Sequence[int]) -> list[list[Any]]:
    """Each renewal's lines, in order, as read-only records."""
    rows = as_records(
        await session.execute(
            records(RenewalLine)
            .where(one_of(session, RenewalLine.renewal_id, renewal_ids))
            .order_by(RenewalLine.renewal_id, RenewalLine.line_no)
        )
    )
    by: dict[int, list[Any]] = {i: [] for i in renewal_ids}
    for line in rows:
        by[line.renewal_id].append(line)
    return [by[i] for i in renewal_ids]


async def share_counts(session: AsyncSession, keys: Sequence[tuple[int, str]]) -> list[int]:
    """Number of people each renewal is shared with (R-S5, R-R19), for (tenant_id, support_number) keys."""
    numbers = sorted({sn for _, sn in keys})
    rows = (
        await session.execute(
            select(ObjectGrant.tenant_id, ObjectGrant.object_id, func.count())
            .where(ObjectGrant.object_type == OBJECT, ObjectGrant.object_id.in_(numbers))
            .group_by(ObjectGrant.tenant_id, ObjectGrant.object_id)
        )
    ).all()
    counts = {(t, o): n for t, o, n in rows}
    return [counts.get(k, 0) for k in keys]


async def tenants_with_history(session: AsyncSession, tenant_ids: Sequence[int]) -> list[bool]:
    """R-R4: a tenant that already accepted a renewal is not asked for the TSSA again."""
    rows = set(
        (
            await session.execute(
                select(Renewal.tenant_id)
                .where(Renewal.tenant_id.in_(list(tenant_ids)), Renewal.accepted_at.is_not(None))
                .distinct()
            )
        ).scalars()
    )
    return [t in rows for t in tenant_ids]


async def tenant_countries(session: AsyncSession, tenant_ids: Sequence[int]) -> list[str]:
    rows = dict((await session.execute(select(Tenant.id, Tenant.country).where(Tenant.id.in_(list(tenant_ids))))).all())
    return [rows.get(t, "US") for t in tenant_ids]


async def dashboard_counts(ctx: Context) -> dict[str, int]:
    """R-R22: renewal counts per list, and how many are shared with the caller, in one statement."""
    today = ctx.today()
    shared = _grant_exists(ctx.principal.email, GRANT_ROLES) if not ctx.principal.is_staff else Renewal.id.is_(None)

    def count_if(clause: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((clause, 1), else_=0)), 0)

    row = (
        await ctx.session.execute(
            select(
                count_if(list_clause(PENDING, today)),
                count_if(list_clause(HISTORY, today)),
                count_if(list_clause(FUTURE, today)),
                count_if(shared),
            ).where(visibility(ctx))
        )
    ).one()
    return {"pending": int(row[0]), "history": int(row[1]), "future": int(row[2]), "shared": int(row[3])}


async def recent_orders(ctx: Context, limit: int = 20) -> list[RenewalOrder]:
    """R-R22: orders of renewals the caller can see, newest first."""
    ids = select(Renewal.order_id).where(visibility(ctx), Renewal.order_id.is_not(None))
    stmt = (
        select(RenewalOrder)
        .where(RenewalOrder.id.in_(ids))
        .order_by(RenewalOrder.placed_at.desc(), RenewalOrder.id.desc())
        .limit(limit)
    )
    return list((await ctx.session.execute(stmt)).scalars())


async def renewals_of_orders(session: AsyncSession, order_ids: Sequence[int]) -> list[list[Renewal]]:
    rows = (
        await session.execute(
            select(Renewal).where(Renewal.order_id.in_(list(order_ids))).order_by(Renewal.support_number)
        )
    ).scalars()
    by: dict[int, list[Renewal]] = {i: [] for i in order_ids}
    for r in rows:
        by[r.order_id].append(r)
    return [by[i] for i in order_ids]


# --------------------------------------------------------------------------------------------
# Edits (R-R8, R-R9, R-R15, R-R16)
# --------------------------------------------------------------------------------------------
def _touch(ctx: Context, renewal: Renewal) -> None:
    renewal.last_updated_by = ctx.principal.email
    renewal.updated_at = ctx.now()


def require_editable(ctx: Context, renewal: Renewal) -> None:
    """R-R9: read-only from 31 days before the start date (and once accepted)."""
    if renewal.accepted_at is not None:
        raise Conflict(
            f"Renewal {renewal.support_number} was already accepted and can no longer be changed", reason="ACCEPTED"
        )
    if is_locked(False, renewal.start_date, ctx.today()):
        raise Conflict(
            f"Renewal {renewal.support_number} is locked: changes were possible until {LOCK_DAYS} days before "
            f"the support start date ({lock_date(renewal.start_date) - timedelta(days=1)})",
            reason="LOCKED",
        )


async def tenant_country(ctx: Context, renewal: Renewal) -> str:
    if ctx.tenant is not None and ctx.tenant.id == renewal.tenant_id:
        return ctx.tenant.country
    return (await tenant_countries(ctx.session, [renewal.tenant_id]))[0]


async def update_renewal(
    ctx: Context,
    support_number: str,
    *,
    customer_reference: str | None = None,
    billing: BillingDetails | None = None,
    payment_method: str | None = None,
    po_number: str | None = None,
    auto_renew: bool | None = None,
) -> Renewal:
    """Edit a pending or future renewal until it locks (R-R8, R-R9, R-R16)."""
    renewal = await authorize(ctx, support_number, "edit", for_update=True)
    require_editable(ctx, renewal)
    if customer_reference is not None:
        renewal.customer_reference = _text(customer_reference, "customerReference", MAX_REFERENCE_CHARS)
    if billing is not None:
        b = check_billing(billing)
        renewal.billing_name, renewal.billing_email, renewal.billing_address = b.name, b.email, b.address
    if po_number is not None:
        renewal.po_number = _text(po_number, "poNumber", MAX_PO_CHARS) or None
    if auto_renew is not None:
        renewal.auto_renew = auto_renew
        if auto_renew and payment_method is None and renewal.payment_method is None:
            renewal.payment_method = AUTO_RENEW_DEFAULT_METHOD  # R-R8
    if payment_method is not None:
        country = await tenant_country(ctx, renewal)
        renewal.payment_method = check_payment_method(payment_method, country)
        check_method_for_amount(renewal.payment_method, country, renewal.amount, renewal.currency, ctx.today())
    if renewal.auto_renew and renewal.payment_method == "PO" and not renewal.po_number:
        raise BadUserInput("An AutoRenew renewal paid by PO needs a PO number", field="poNumber")
    _touch(ctx, renewal)
    await ctx.session.flush()
    return renewal


async def update_quote_to(
    ctx: Context,
    support_number: str,
    *,
    email: str,
    first_name: str,
    last_name: str,
    address: str = "",
    phone: str = "",
) -> Renewal:
    """R-R15: new quote-to contact in the owner's domain (R-S3); ownership moves to them."""
    renewal = await authorize(ctx, support_number, "edit", for_update=True)
    require_editable(ctx, renewal)
    new_email = normalise_email(email, "email")
    if ctx.tenant is None:
        raise BadUserInput("Choose a tenant first (X-Tenant header) for this operation")
    ctx.authz.require_same_domain("quote_to", [new_email])
    renewal.quote_to_email = new_email
    renewal.quote_to_first_name = _text(first_name, "firstName", MAX_NAME_CHARS, required=True)
    renewal.quote_to_last_name = _text(last_name, "lastName", MAX_NAME_CHARS, required=True)
    renewal.quote_to_address = _text(address, "address", MAX_ADDRESS_CHARS)
    renewal.quote_to_phone = _text(phone, "phone", MAX_PHONE_CHARS)
    _touch(ctx, renewal)
    ctx.send_email(
        new_email,
        f"You are now the quote-to contact of support contract {renewal.support_number}",
        f"{ctx.principal.email} made you the quote-to contact of support contract {renewal.support_number} "
        f"({renewal.customer}). Your username is your email address: {new_email}.",
        kind="renewal.quote_to_changed",
        tenant_id=renewal.tenant_id,
    )
    await ctx.session.flush()
    return renewal


# --------------------------------------------------------------------------------------------
# Messages to the sales rep (R-R12, R-R13)
# --------------------------------------------------------------------------------------------
def _post(ctx: Context, tenant_id: int, email: str, subject: str, body: str, kind: str) -> None:
    ctx.session.add(
        Message(tenant_id=tenant_id, person_email=email, kind=kind, subject=subject, body=body, created_at=ctx.now())
    )


async def request_assistance(ctx: Context, support_number: str, message: str) -> RenewalRequest:
    """R-R13: a message (≤ 1,800 characters) on a pending or future renewal, routed to its sales rep;
    the requester gets a copy."""
    text = check_message(message)
    renewal = await authorize(ctx, support_number, "request_assistance")
    if renewal.accepted_at is not None:
        raise Conflict("Assistance can be requested on pending or future renewals only", reason="HISTORY")
    req = RenewalRequest(
        tenant_id=renewal.tenant_id,
        renewal_id=renewal.id,
        kind="ASSISTANCE",
        requester_email=ctx.principal.email,
        message=text,
        created_at=ctx.now(),
    )
    ctx.session.add(req)
    ctx.send_email(
        renewal.sales_rep_email or RENEWALS_DESK_EMAIL,
        f"Assistance requested on renewal {renewal.support_number}",
        f"{ctx.principal.email} asks about support contract {renewal.support_number} ({renewal.customer}):\n\n{text}",
        kind="renewal.assistance",
        cc=[ctx.principal.email],
        tenant_id=renewal.tenant_id,
    )
    await ctx.session.flush()
    return req


async def answer_request(ctx: Context, request_id: int, answer: str) -> RenewalRequest:
    """The sales rep answers an assistance request; the requester is emailed and gets a message."""
    text = check_message(answer, "answer")
    # Authorised on the request's own renewal: a support number repeats across tenants, so looking
    # the renewal up again by number would let a rep answer a request on another rep's renewal.
    found = (
        await ctx.session.execute(
            select(RenewalRequest, Renewal)
            .join(Renewal, Renewal.id == RenewalRequest.renewal_id)
            .where(RenewalRequest.id == request_id, _may_see(ctx))
        )
    ).one_or_none()
    if found is None:
        raise NotFound("No such request")
    req, renewal = found
    await require_on(ctx, renewal, "answer_assistance")
    if req.answered_at is not None:
        raise Conflict("This request was already answered")
    req.answer, req.answered_by, req.answered_at = text, ctx.principal.email, ctx.now()
    subject = f"Answer about renewal {renewal.support_number}"
    ctx.send_email(req.requester_email, subject, text, kind="renewal.assistance_answer", tenant_id=req.tenant_id)
    _post(ctx, req.tenant_id, req.requester_email, subject, text, "renewal.assistance_answer")
    await ctx.session.flush()
    return req


async def requests_for(session: AsyncSession, renewal_ids: Sequence[int]) -> list[list[RenewalRequest]]:
    rows = (
        await session.execute(
            select(RenewalRequest)
            .where(RenewalRequest.renewal_id.in_(list(renewal_ids)))
            .order_by(RenewalRequest.created_at, RenewalRequest.id)
        )
    ).scalars()
    by: dict[int, list[RenewalRequest]] = {i: [] for i in renewal_ids}
    for r in rows:
        by[r.renewal_id].append(r)
    return [by[i] for i in renewal_ids]


# --------------------------------------------------------------------------------------------
# Multi-year (R-R11, R-R12)
# --------------------------------------------------------------------------------------------
async def request_multi_year(ctx: Context, support_number: str, message: str) -> Renewal:
    text = check_message(message)
    renewal = await authorize(ctx, support_number, "accept", for_update=True)
    if list_of(renewal.accepted_at is not None, renewal.start_date, ctx.today()) != PENDING:
        raise Conflict("A multi-year quote can be requested for pending renewals only", reason="NOT_PENDING")
    if renewal.status in (MULTI_YEAR_PENDING, MULTI_YEAR_QUOTED):
        raise Conflict("A multi-year quote was already requested for this renewal", reason="ALREADY_REQUESTED")
    lines = (await lines_for(ctx.session, [renewal.id]))[0]
    if not multi_year_eligible(
        renewal.amount, renewal.currency, [(x.product_family, x.sales_order_number) for x in lines], ctx.today()
    ):
        raise BadUserInput(
            "This renewal is not eligible for multi-year: Database products only, under USD 50,000 a year",
            field="supportNumber",
        )
    renewal.status = MULTI_YEAR_PENDING
    renewal.multi_year_message = text
    _touch(ctx, renewal)
    ctx.session.add(
        RenewalRequest(
            tenant_id=renewal.tenant_id,
            renewal_id=renewal.id,
            kind="MULTI_YEAR",
            requester_email=ctx.principal.email,
            message=text,
            created_at=ctx.now(),
        )
    )
    ctx.send_email(
        renewal.sales_rep_email or RENEWALS_DESK_EMAIL,
        f"Multi-year quote requested for renewal {renewal.support_number}",
        f"{ctx.principal.email} asks for a {MULTI_YEAR_YEARS}-year quote for support contract "
        f"{renewal.support_number} ({renewal.customer}, {renewal.currency} {renewal.amount} a year):\n\n{text}",
        kind="renewal.multi_year_request",
        cc=[ctx.principal.email],
        tenant_id=renewal.tenant_id,
    )
    await ctx.session.flush()
    return renewal


async def update_multi_year_quote(ctx: Context, support_number: str, amount: Decimal, currency: str) -> Renewal:
    """R-R12: the assigned sales rep sets the multi-year quote (total over the term)."""
    renewal = await authorize(ctx, support_number, "update_quote", for_update=True)
    if renewal.status not in (MULTI_YEAR_PENDING, MULTI_YEAR_QUOTED) or renewal.accepted_at is not None:
        raise Conflict("No multi-year quote was requested for this renewal", reason="NOT_REQUESTED")
    if currency != renewal.currency:
        raise BadUserInput(f"The quote must be in {renewal.currency}", field="amount")
    renewal.multi_year_amount = amount
    renewal.multi_year_years = MULTI_YEAR_YEARS
    renewal.status = MULTI_YEAR_QUOTED
    _touch(ctx, renewal)
    subject = f"Your multi-year quote for renewal {renewal.support_number} is ready"
    body = (
        f"The {MULTI_YEAR_YEARS}-year renewal of support contract {renewal.support_number} is quoted at "
        f"{currency} {amount}. Review and accept it in the customer center."
    )
    ctx.send_email(renewal.quote_to_email, subject, body, kind="renewal.multi_year_quoted", tenant_id=renewal.tenant_id)
    _post(ctx, renewal.tenant_id, renewal.quote_to_email, subject, body, "renewal.multi_year_quoted")
    await ctx.session.flush()
    return renewal


# --------------------------------------------------------------------------------------------
# Placing orders (R-R4, R-R5, R-R6, R-R10, R-R12)
# --------------------------------------------------------------------------------------------
async def place_order(
    ctx: Context,
    renewals: Sequence[Renewal],
    *,
    kind: str,
    payment_method: str,
    billing: BillingDetails,
    po_number: str | None,
    amounts: dict[int, Decimal] | None = None,
    years: int = 1,
) -> list[RenewalOrder]:
    """Accept ``renewals``: one order (and one ``renewal.accepted`` event, which invoicing turns into
    one invoice) per renewal, history, message center and email — all in the caller's transaction,
    so a vetoing event handler rolls everything back."""
    if any(r.accepted_at is not None for r in renewals):
        done = next(r for r in renewals if r.accepted_at is not None)
        raise Conflict(f"Renewal {done.support_number} was already accepted; no second order was placed")
    amounts = amounts or {r.id: r.amount for r in renewals}
    now = ctx.now()
    actor = ctx.principal.email
    tenant = ctx.tenant or await ctx.session.get(Tenant, renewals[0].tenant_id)
    all_lines = await lines_for(ctx.session, [r.id for r in renewals])
    orders: list[RenewalOrder] = []
    for renewal, lines in zip(renewals, all_lines, strict=True):
        amount = quantize(amounts[renewal.id], renewal.currency)
        order = RenewalOrder(
            tenant_id=renewal.tenant_id,
            order_number="pending",
            kind=kind,
            placed_by=actor,
            placed_at=now,
            payment_method=payment_method,
            po_number=po_number,
            billing_name=billing.name,
            billing_email=billing.email,
            billing_address=billing.address,
            currency=renewal.currency,
            total=amount,
        )
        ctx.session.add(order)
        await ctx.session.flush()
        order.order_number = f"RO-{order.id:07d}"
        orders.append(order)
        renewal.status = AUTO_RENEWED if kind == "AUTO_RENEW" else ACCEPTED
        renewal.accepted_at = now
        renewal.accepted_by = actor
        renewal.order_id = order.id
        renewal.payment_method = payment_method
        renewal.po_number = po_number
        renewal.billing_name, renewal.billing_email = billing.name, billing.email
        renewal.billing_address = billing.address
        if years > 1:
            renewal.end_date = add_years(renewal.start_date, years) - timedelta(days=1)
        renewal.last_updated_by = actor
        renewal.updated_at = now
        await ctx.session.flush()
        line_amounts = apportion(amount, [x.amount for x in lines], renewal.currency)
        await ctx.emit(
            "renewal.accepted",
            {
                "renewal_id": renewal.id,
                "support_number": renewal.support_number,
                "order_number": order.order_number,
                "currency": renewal.currency,
                "amount": str(amount),
                "payment_method": payment_method,
                "po_number": po_number,
                "billing_email": billing.email,
                "quote_to_email": renewal.quote_to_email,
                "accepted_by": actor,
                "accepted_at": now.isoformat(),
                "country": tenant.country,
                "lines": [
                    {"product": x.product, "product_family": x.product_family, "amount": str(a)}
                    for x, a in zip(lines, line_amounts, strict=True)
                ],
            },
        )
    # Accepted renewals leave every cart (R-R17).
    await ctx.session.execute(delete(RenewalCartItem).where(RenewalCartItem.renewal_id.in_([r.id for r in renewals])))
    numbers = ", ".join(o.order_number for o in orders)
    contracts = ", ".join(r.support_number for r in renewals)
    total = sum((o.total for o in orders), Decimal(0))
    subject = f"Renewal order {numbers} accepted"
    body = (
        f"Order {numbers} renews support contract(s) {contracts} for {renewals[0].currency} {total}, "
        f"paid by {payment_method}. Support fees are paid in full before the support period; the order "
        f"cannot be cancelled and is not refundable."
    )
    recipients = {r.quote_to_email for r in renewals}
    if actor != SYSTEM_ACTOR:
        recipients.add(actor)
    for email in sorted(recipients):
        _post(ctx, tenant.id, email, subject, body, "renewal.accepted")  # R-R5 message center
        ctx.send_email(email, subject, body, kind="renewal.accepted", tenant_id=tenant.id)
    await ctx.session.flush()
    return orders


def apportion(total: Decimal, parts: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split ``total`` over lines in proportion to their amounts, so line amounts always add up to the
    order amount (multi-year totals, or contracts whose lines do not add up); the last line takes the
    rounding difference."""
    if not parts:
        return []
    base = sum(parts, Decimal(0))
    if base == total:
        return list(parts)
    if base == 0:
        shares = [quantize(total / len(parts), currency) for _ in parts]
    else:
        shares = [quantize(total * p / base, currency) for p in parts]
    shares[-1] = total - sum(shares[:-1], Decimal(0))
    return shares


def confirmation(orders: Sequence[RenewalOrder], renewals: Sequence[Renewal]) -> dict[str, Any]:
    """The JSON-able confirmation replayed for a repeated idempotency key."""
    return {
        "orderNumbers": [o.order_number for o in orders],
        "placedAt": orders[0].placed_at.isoformat(),
        "supportNumbers": [r.support_number for r in renewals],
        "total": str(sum((o.total for o in orders), Decimal(0))),
        "currency": orders[0].currency,
        "paymentMethod": orders[0].payment_method,
    }


async def tssa_required(ctx: Context, tenant_id: int) -> bool:
    """R-R4: the TSSA is accepted on the customer's first renewal only."""
    return not (await tenants_with_history(ctx.session, [tenant_id]))[0]


def _check_terms_and_billing(
    ctx: Context, req: CheckoutRequest, country: str, tssa_needed: bool, default_billing: BillingDetails
) -> tuple[str, BillingDetails, str | None]:
    if not req.accept_terms:
        raise BadUserInput("Accept the Terms and Conditions to place the order", field="acceptTerms")
    if tssa_needed and not req.accept_tssa:
        raise BadUserInput(
            "Accept the technical support service agreement (TSSA): it is required on your first renewal",
            field="acceptTssa",
        )
    method = check_payment_method(req.payment_method, country)
    billing = check_billing(req.billing or default_billing)
    po_number = None
    if method == "PO":
        if req.purchase_order is None:
            raise BadUserInput("Paying with a PO needs the purchase order details", field="purchaseOrder")
        po_number = _text(req.purchase_order.number, "purchaseOrder.number", MAX_PO_CHARS, required=True)
        wrong = po_mismatches(billing, req.purchase_order)
        if wrong:
            raise BadUserInput(
                "The billing details on the order must match those on the PO (different: " + ", ".join(wrong) + ")",
                field="purchaseOrder",
                mismatched=wrong,
            )
    elif req.purchase_order is not None:
        po_number = _text(req.purchase_order.number, "purchaseOrder.number", MAX_PO_CHARS) or None
    return method, billing, po_number


def _default_billing(renewal: Renewal) -> BillingDetails:
    name = renewal.billing_name or f"{renewal.quote_to_first_name} {renewal.quote_to_last_name}".strip()
    return BillingDetails(
        name=name or renewal.quote_to_email,
        email=renewal.billing_email or renewal.quote_to_email,
        address=renewal.billing_address or renewal.quote_to_address,
    )


async def checkout(ctx: Context, req: CheckoutRequest) -> dict[str, Any]:
    """R-R4/R-R5/R-R17: place one order for a cart or for the renewals named. Every check runs before
    anything changes; an accepted renewal is never ordered twice (CONFLICT)."""
    cart = None
    if req.cart_id is not None:
        cart = await ctx.session.get(RenewalCart, req.cart_id)
        if cart is None or cart.owner_email != ctx.principal.email:
            raise NotFound("No such cart")
        if cart.status == "CHECKED_OUT":
            raise Conflict("This cart was already checked out; no second order was placed")
        numbers = [
            r.support_number
            for r in (
                await ctx.session.execute(
                    select(Renewal)
                    .join(RenewalCartItem, RenewalCartItem.renewal_id == Renewal.id)
                    .where(RenewalCartItem.cart_id == cart.id)
                    .order_by(Renewal.support_number)
                )
            ).scalars()
        ]
        if not numbers:
            raise BadUserInput("The cart is empty", field="cartId")
    else:
        numbers = sorted({(n or "").strip() for n in req.support_numbers})
        if not numbers:
            raise BadUserInput("Name at least one renewal or a cart", field="supportNumbers")
        if len(numbers) > MAX_CART_ITEMS:
            raise BadUserInput(f"At most {MAX_CART_ITEMS} renewals per order", field="supportNumbers")
    renewals = []
    for sn in numbers:
        renewal = await authorize(ctx, sn, "accept", for_update=True)
        if cart is not None:
            await authorize(ctx, sn, "checkout")
        if renewal.accepted_at is not None:
            raise Conflict(f"Renewal {sn} was already accepted; no second order was placed")
        if list_of(False, renewal.start_date, ctx.today()) != PENDING:
            raise BadUserInput(f"Renewal {sn} is not open for ordering yet", field="supportNumbers")
        renewals.append(renewal)
    if len({r.currency for r in renewals}) > 1:
        raise BadUserInput("All renewals of one order must be in the same currency", field="supportNumbers")
    tenant = ctx.require_tenant()
    method, billing, po_number = _check_terms_and_billing(
        ctx, req, tenant.country, await tssa_required(ctx, tenant.id), _default_billing(renewals[0])
    )
    # R-I16 on the whole order: several renewals in one order count together.
    net = sum((r.amount for r in renewals), Decimal(0))
    check_method_for_amount(method, tenant.country, net, renewals[0].currency, ctx.today())
    order = await place_order(
        ctx, renewals, kind="CHECKOUT", payment_method=method, billing=billing, po_number=po_number
    )
    if cart is not None:
        cart.status = "CHECKED_OUT"
        cart.updated_at = ctx.now()
    return confirmation(order, renewals)


async def accept_multi_year(ctx: Context, support_number: str, req: CheckoutRequest) -> dict[str, Any]:
    """R-R12: the customer accepts the multi-year quote the sales rep prepared."""
    renewal = await authorize(ctx, support_number, "accept", for_update=True)
    if renewal.accepted_at is not None:
        raise Conflict(f"Renewal {renewal.support_number} was already accepted; no second order was placed")
    if renewal.status != MULTI_YEAR_QUOTED or renewal.multi_year_amount is None:
        raise Conflict("There is no multi-year quote to accept yet", reason="NOT_QUOTED")
    tenant = ctx.require_tenant()
    method, billing, po_number = _check_terms_and_billing(
        ctx, req, tenant.country, await tssa_required(ctx, tenant.id), _default_billing(renewal)
    )
    orders = await place_order(
        ctx,
        [renewal],
        kind="MULTI_YEAR",
        payment_method=method,
        billing=billing,
        po_number=po_number,
        amounts={renewal.id: renewal.multi_year_amount},
        years=renewal.multi_year_years or MULTI_YEAR_YEARS,
    )
    return confirmation(orders, [renewal])


async def activate_auto_renewal(ctx: Context, renewal: Renewal) -> list[RenewalOrder]:
    """R-R10: accept an AutoRenew renewal with its payment method (pay by invoice by default, R-R8)."""
    return await place_order(
        ctx,
        [renewal],
        kind="AUTO_RENEW",
        payment_method=renewal.payment_method or AUTO_RENEW_DEFAULT_METHOD,
        billing=_default_billing(renewal),
        po_number=renewal.po_number,
    )


async def cancel_order(ctx: Context, support_number: str) -> None:
    """R-R6: a placed (paid in advance) renewal order cannot be cancelled nor refunded."""
    renewal = await authorize(ctx, support_number, "accept")
    if renewal.accepted_at is not None:
        raise Conflict(
            "Support fees are paid in full before the support period; this renewal order cannot be cancelled "
            "and is not refundable",
            reason="NOT_CANCELLABLE",
        )
    raise BadUserInput("No order was placed for this renewal; there is nothing to cancel", field="supportNumber")


async def order_by_number(ctx: Context, order_number: str) -> RenewalOrder | None:
    return (
        await ctx.session.execute(
            select(RenewalOrder).where(
                RenewalOrder.order_number == order_number,
                RenewalOrder.id.in_(select(Renewal.order_id).where(visibility(ctx))),
            )
        )
    ).scalar_one_or_none()


# --------------------------------------------------------------------------------------------
# Carts (R-R17)
# --------------------------------------------------------------------------------------------
async def active_cart(ctx: Context, *, create: bool = False) -> RenewalCart | None:
    cart = (
        await ctx.session.execute(
            select(RenewalCart)
            .where(RenewalCart.owner_email == ctx.principal.email, RenewalCart.status == "ACTIVE")
            .order_by(RenewalCart.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if cart is None and create:
        tenant = ctx.require_tenant()
        cart = RenewalCart(
            tenant_id=tenant.id,
            owner_email=ctx.principal.email,
            status="ACTIVE",
            created_at=ctx.now(),
            updated_at=ctx.now(),
        )
        ctx.session.add(cart)
        await ctx.session.flush()
    return cart


async def saved_carts(ctx: Context) -> list[RenewalCart]:
    return list(
        (
            await ctx.session.execute(
                select(RenewalCart)
                .where(RenewalCart.owner_email == ctx.principal.email, RenewalCart.status == "SAVED")
                .order_by(RenewalCart.updated_at.desc(), RenewalCart.id.desc())
            )
        ).scalars()
    )


async def own_cart(ctx: Context, cart_id: int) -> RenewalCart:
    cart = await ctx.session.get(RenewalCart, cart_id)
    if cart is None or cart.owner_email != ctx.principal.email or cart.status == "CHECKED_OUT":
        raise NotFound("No such cart")
    return cart


async def add_to_cart(ctx: Context, support_numbers: Sequence[str]) -> RenewalCart:
    numbers = sorted({(n or "").strip() for n in support_numbers})
    if not numbers or len(numbers) > MAX_CART_ITEMS:
        raise BadUserInput(f"Name 1 to {MAX_CART_ITEMS} renewals", field="supportNumbers")
    renewals = []
    for sn in numbers:
        renewal = await authorize(ctx, sn, "checkout")
        if renewal.accepted_at is not None:
            raise Conflict(f"Renewal {sn} was already accepted", reason="ACCEPTED")
        if list_of(False, renewal.start_date, ctx.today()) != PENDING:
            raise BadUserInput(
                f"Only pending renewals can be added to a cart ({sn} is not pending)", field="supportNumbers"
            )
        renewals.append(renewal)
    cart = await active_cart(ctx, create=True)
    have = set(
        (
            await ctx.session.execute(select(RenewalCartItem.renewal_id).where(RenewalCartItem.cart_id == cart.id))
        ).scalars()
    )
    if len(have | {r.id for r in renewals}) > MAX_CART_ITEMS:
        raise BadUserInput(f"A cart holds at most {MAX_CART_ITEMS} renewals", field="supportNumbers")
    for r in renewals:
        if r.id not in have:
            ctx.session.add(
                RenewalCartItem(tenant_id=cart.tenant_id, cart_id=cart.id, renewal_id=r.id, added_at=ctx.now())
            )
    cart.updated_at = ctx.now()
    await ctx.session.flush()
    return cart


async def remove_from_cart(ctx: Context, support_number: str, cart_id: int | None = None) -> RenewalCart:
    cart = await own_cart(ctx, cart_id) if cart_id is not None else await active_cart(ctx)
    if cart is None:
        raise NotFound("You have no active cart")
    renewal = await find_renewal(ctx, support_number)
    result = await ctx.session.execute(
        delete(RenewalCartItem).where(RenewalCartItem.cart_id == cart.id, RenewalCartItem.renewal_id == renewal.id)
    )
    if not result.rowcount:
        raise NotFound(f"Renewal {renewal.support_number} is not in the cart")
    cart.updated_at = ctx.now()
    await ctx.session.flush()
    return cart


async def save_cart(ctx: Context, name: str) -> RenewalCart:
    cart = await active_cart(ctx)
    name = _text(name, "name", MAX_CART_NAME, required=True)
    if (
        cart is None
        or not (
            await ctx.session.execute(select(RenewalCartItem.id).where(RenewalCartItem.cart_id == cart.id).limit(1))
        ).first()
    ):
        raise BadUserInput("The active cart is empty; add renewals before saving it", field="name")
    cart.status, cart.name, cart.updated_at = "SAVED", name, ctx.now()
    await ctx.session.flush()
    return cart


async def open_saved_cart(ctx: Context, cart_id: int) -> RenewalCart:
    """Make a saved cart the active one; the current active cart is saved (or dropped when empty)."""
    cart = await own_cart(ctx, cart_id)
    if cart.status != "SAVED":
        raise BadUserInput("That cart is not a saved cart", field="id")
    current = await active_cart(ctx)
    if current is not None:
        has_items = (
            await ctx.session.execute(select(RenewalCartItem.id).where(RenewalCartItem.cart_id == current.id).limit(1))
        ).first()
        if has_items:
            current.status, current.name = "SAVED", current.name or f"Cart of {ctx.now():%Y-%m-%d %H:%M}"
            current.updated_at = ctx.now()
        else:
            await ctx.session.delete(current)
        await ctx.session.flush()
    cart.status, cart.updated_at = "ACTIVE", ctx.now()
    await ctx.session.flush()
    return cart


async def delete_cart(ctx: Context, cart_id: int) -> None:
    cart = await own_cart(ctx, cart_id)
    await ctx.session.delete(cart)
    await ctx.session.flush()


async def cart_items(ctx: Context, cart_ids: Sequence[int]) -> list[list[Renewal]]:
    """Renewals in each cart that the caller can still see (batched)."""
    rows = (
        await ctx.session.execute(
            select(RenewalCartItem.cart_id, Renewal)
            .join(Renewal, Renewal.id == RenewalCartItem.renewal_id)
            .where(RenewalCartItem.cart_id.in_(list(cart_ids)), _may_see(ctx))
            .order_by(Renewal.start_date, Renewal.support_number)
        )
    ).all()
    by: dict[int, list[Renewal]] = {i: [] for i in cart_ids}
    for cart_id, renewal in rows:
        by[cart_id].append(renewal)
    return [by[i] for i in cart_ids]
