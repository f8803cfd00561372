"""Rules of the reseller margin plugin (numbered RM-… so tests can cite them).

- RM-1 A partner discount is a percentage above 0 and at most :data:`MAX_DISCOUNT_PERCENT`, with at
  most :data:`PERCENT_PLACES` decimal places. It is set per renewal support number, only on a renewal
  the caller can see in the tenant (asked of the renewals plugin through the ``cc_object_roles`` hook).
- RM-2 The margin is the renewal amount × percent / 100, rounded half-up to the currency's minor unit.
- RM-3 When a renewal is accepted (event ``renewal.accepted``) and it has a partner discount, the margin
  earned is recorded once for that renewal; once earned, the discount can no longer change (CONFLICT).
- RM-4 From the first day of a month, the monthly statement job emails the admins of the reseller that
  owns each customer tenant the margins earned there in the previous calendar month, once per tenant
  and month; nothing is sent for a month without margin.
- Only reseller staff hold policy rows for ``reseller_margin`` (policy.csv): the customer's own people
  never see their reseller's margin; the tenant filter keeps each customer tenant's rows apart (R-T1).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from core.sdk import (
    BadUserInput,
    Conflict,
    Context,
    JobContext,
    Loader,
    by_key,
    claim_once,
    keyset_page,
    object_roles,
    people_with_role,
    quantize,
    queue_email,
)
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reseller_margin.models import MarginEarning, PartnerDiscount

PLUGIN = "reseller_margin"
OBJECT = "reseller_margin"  # the Casbin object of every check in this plugin
MAX_DISCOUNT_PERCENT = Decimal("50.00")  # RM-1
PERCENT_PLACES = 2  # RM-1
MAX_SUPPORT_NUMBER_CHARS = 64
ACCEPTED_EVENT = "renewal.accepted"  # emitted by the renewals plugin (docs/writing-a-plugin.md)
STATEMENT_JOB = "reseller_margin.monthly_statement"  # RM-4
STATEMENT_ROLE = "ADMIN"  # RM-4: who at the reseller receives the statement


# ---------------------------------------------------------------------------------------- pure rules
def parse_percent(value: object) -> Decimal:
    """RM-1: a finite percentage in (0, MAX_DISCOUNT_PERCENT] with at most PERCENT_PLACES decimals."""
    try:
        percent = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise BadUserInput("percent is not a decimal number", field="percent") from exc
    if not percent.is_finite():
        raise BadUserInput("percent must be a finite number", field="percent")
    if percent <= 0 or percent > MAX_DISCOUNT_PERCENT:
        raise BadUserInput(f"percent must be above 0 and at most {MAX_DISCOUNT_PERCENT}", field="percent")
    places = Decimal(1).scaleb(-PERCENT_PLACES)
    if percent != percent.quantize(places):
        raise BadUserInput(f"percent has more than {PERCENT_PLACES} decimal places", field="percent")
    return percent.quantize(places)  # one spelling everywhere ("12.50"), as stored


def margin_of(amount: Decimal, percent: Decimal, currency: str) -> Decimal:
    """RM-2: amount × percent / 100, rounded half-up to the currency's minor unit."""
    return quantize(Decimal(amount) * percent / 100, currency)


def support_number_of(value: str) -> str:
    number = (value or "").strip()
    if not number or len(number) > MAX_SUPPORT_NUMBER_CHARS:
        raise BadUserInput(f"supportNumber: 1 to {MAX_SUPPORT_NUMBER_CHARS} characters", field="supportNumber")
    return number


def previous_month(today: date) -> tuple[datetime, datetime, str]:
    """RM-4: the calendar month before ``today`` as [start, end) UTC datetimes and a YYYY-MM label."""
    end = today.replace(day=1)
    start = (end - timedelta(days=1)).replace(day=1)
    as_dt = lambda d: datetime(d.year, d.month, d.day, tzinfo=UTC)  # noqa: E731
    return as_dt(start), as_dt(end), f"{start.year:04d}-{start.month:02d}"


# ------------------------------------------------------------------------------------- discounts
async def discounts_by_number(session: AsyncSession, numbers: list[str]) -> list[PartnerDiscount | None]:
    rows = (await session.execute(select(PartnerDiscount).where(PartnerDiscount.support_number.in_(numbers)))).scalars()
    return by_key(list(rows), numbers, lambda r: r.support_number)


class DiscountsByNumber(Loader[str, PartnerDiscount | None]):
    """The discounts of a page's renewals in one query, however long the page."""

    async def batch_load(self, keys: list[str]) -> list[PartnerDiscount | None]:
        return await discounts_by_number(self.ctx.session, list(keys))


async def discount_of(ctx: Context, support_number: str) -> PartnerDiscount | None:
    """The partner discount on one renewal (reseller staff only), or None."""
    ctx.require(OBJECT, "view")
    return await DiscountsByNumber.of(ctx).load(support_number)


async def list_discounts(ctx: Context, first: int | None, after: str | None) -> Any:
    """A page of the tenant's partner discounts, by support number (keyset_page's tuple)."""
    ctx.require_tenant()
    ctx.require(OBJECT, "view")
    order = [(PartnerDiscount.support_number, False), (PartnerDiscount.id, False)]
    key_of = lambda r: (r.support_number, r.id)  # noqa: E731
    return await keyset_page(ctx.session, select(PartnerDiscount), order, first=first, after=after, key_of=key_of)


async def list_earnings(ctx: Context, first: int | None, after: str | None) -> Any:
    """A page of the tenant's margins earned, newest first (keyset_page's tuple)."""
    ctx.require_tenant()
    ctx.require(OBJECT, "view")
    key_of = lambda r: (r.id,)  # noqa: E731
    return await keyset_page(
        ctx.session, select(MarginEarning), [(MarginEarning.id, True)], first=first, after=after, key_of=key_of
    )


async def _require_visible_renewal(ctx: Context, number: str) -> None:
    """RM-1: ask the renewals plugin (through the cc_object_roles hook, never its models) whether the
    caller can see this renewal; it answers NOT_FOUND otherwise."""
    if "renewals" not in ctx.enabled_plugins:
        raise Conflict("Partner discounts need the renewals module, which is not enabled for this tenant")
    await object_roles(ctx, "renewal", number)


async def _earned(session: AsyncSession, number: str) -> bool:
    stmt = select(func.count()).select_from(MarginEarning).where(MarginEarning.support_number == number)
    return bool((await session.execute(stmt)).scalar_one())


async def set_discount(ctx: Context, support_number: str, percent: object) -> PartnerDiscount:
    ctx.require_tenant()
    ctx.require(OBJECT, "manage")
    number = support_number_of(support_number)
    value = parse_percent(percent)
    await _require_visible_renewal(ctx, number)
    if await _earned(ctx.session, number):
        raise Conflict(f"A margin was already earned on renewal {number}; its discount can no longer change")
    row = (await discounts_by_number(ctx.session, [number]))[0]
    if row is None:
        row = PartnerDiscount(support_number=number, percent=value, set_by=ctx.principal.email, updated_at=ctx.now())
        ctx.session.add(row)
    else:
        row.percent, row.set_by, row.updated_at = value, ctx.principal.email, ctx.now()
    await ctx.session.flush()
    return row


async def remove_discount(ctx: Context, support_number: str) -> bool:
    ctx.require_tenant()
    ctx.require(OBJECT, "manage")
    number = support_number_of(support_number)
    if await _earned(ctx.session, number):
        raise Conflict(f"A margin was already earned on renewal {number}; its discount can no longer change")
    result = await ctx.session.execute(delete(PartnerDiscount).where(PartnerDiscount.support_number == number))
    return bool(result.rowcount)


# -------------------------------------------------------------------------------------- earnings
async def record_earning(ctx: Context, payload: dict[str, Any]) -> MarginEarning | None:
    """RM-3: on ``renewal.accepted``, record the margin once per renewal when a discount exists."""
    number = str(payload["support_number"])
    discount = (await discounts_by_number(ctx.session, [number]))[0]
    if discount is None:
        return None
    renewal_id = int(payload["renewal_id"])
    existing = await ctx.session.execute(select(MarginEarning).where(MarginEarning.renewal_id == renewal_id))
    if (row := existing.scalar_one_or_none()) is not None:
        return row
    currency = str(payload["currency"])
    amount = Decimal(str(payload["amount"]))
    row = MarginEarning(
        renewal_id=renewal_id,
        support_number=number,
        order_number=str(payload.get("order_number", "")),
        currency=currency,
        renewal_amount=amount,
        percent=discount.percent,
        margin=margin_of(amount, discount.percent, currency),
        earned_at=ctx.now(),
    )
    ctx.session.add(row)
    await ctx.session.flush()
    return row


# ------------------------------------------------------------------------------------------ jobs
async def send_monthly_statements(job: JobContext) -> int:
    """RM-4: one statement email per customer tenant and month to the owning reseller's admins."""
    now = job.clock.now()
    start, end, label = previous_month(job.clock.today())
    sent = 0
    for tenant in await job.tenants_with(PLUGIN):
        if tenant.reseller_id is None:
            continue
        async with job.sessionmaker() as session, session.begin():
            # A job session is not bound to a tenant: every query names the tenant explicitly.
            if not await claim_once(session, STATEMENT_JOB, f"{tenant.id}:{label}", tenant.id, now):
                continue
            rows = await session.execute(
                select(MarginEarning.currency, func.sum(MarginEarning.margin), func.count())
                .where(MarginEarning.tenant_id == tenant.id)
                .where(MarginEarning.earned_at >= start, MarginEarning.earned_at < end)
                .group_by(MarginEarning.currency)
                .order_by(MarginEarning.currency)
            )
            totals = [(currency, quantize(Decimal(total), currency), count) for currency, total, count in rows]
            if not totals:
                continue
            admins = await people_with_role(session, tenant.reseller_id, STATEMENT_ROLE)
            lines = "\n".join(f"  {currency} {total} on {count} renewal(s)" for currency, total, count in totals)
            for email in admins:
                queue_email(
                    session,
                    now,
                    tenant.reseller_id,
                    email,
                    f"Reseller margin statement {label}: {tenant.name}",
                    f"Margin earned on renewals accepted by {tenant.name} in {label}:\n{lines}\n",
                    kind=STATEMENT_JOB,
                )
            sent += 1
    return sent
