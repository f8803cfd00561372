"""Support rewards rules (SPEC §4, R-W1…R-W11).

Pure functions (eligibility, accrual, expiry dates, earliest-expiry allocation, what an invoice lets
rewards pay) come first so they can be tested exhaustively; the async functions below apply them to
the database. Every balance change of a tenant first locks that tenant's ``rewards_accounts`` row
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers) and then the lots it touches, so
concurrent redemptions can never spend the same reward twice.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar import add_months
from core.context import Context
from core.errors import BadUserInput, Forbidden, NotFound
from core.hookspecs import EMAIL, TENANT_ID, RoleCheck
from core.idempotency import idempotent
from core.models import AuditEntry, Person
from core.money import ZERO, Money, parse_amount, quantize
from plugins.invoicing import api as invoicing
from plugins.rewards.models import (
    CloudUsage,
    RewardAccount,
    RewardActivity,
    RewardAllocation,
    RewardCodeFailure,
    RewardLot,
    RewardRedeemer,
    RewardRedemption,
)

# --------------------------------------------------------------------------------- rule constants
RATE_ULA = Decimal("0.33")  # R-W2: customers with an unlimited license agreement
RATE_STANDARD = Decimal("0.25")  # R-W2: everyone else
ELIGIBLE_CATEGORIES = frozenset({"IAAS", "PAAS"})  # R-W4: cloud infrastructure and platform services
USAGE_CATEGORIES = frozenset({"IAAS", "PAAS", "SAAS", "THIRD_PARTY"})  # R-W4: SAAS and THIRD_PARTY earn nothing
LOT_VALIDITY_MONTHS = 12  # R-W5: a lot is usable up to the day before the same date 12 months later
EXPIRING_SOON_DAYS = (30, 90)  # R-W11: "expiring in the next N days" balances (expires_on <= today + N)
ELIGIBLE_LINE_CATEGORY = "SUPPORT_RENEWAL"  # R-W7: support renewals …
ELIGIBLE_LINE_PROGRAM = "TECHNOLOGY"  # R-W7: … of technology programs (software update license & support)
EXCLUDED_PRODUCT_FAMILIES = frozenset({"LINUX"})  # R-W7: not Linux products
PAYMENT_METHOD = "REWARDS"  # R-W9: a redemption is a payment on the invoice, not a credit memo
REDEEMER_ROLE = "REWARDS_REDEEMER"  # R-W6: granted to the authorised invoice recipient
REDEEMER_CONTACT_KIND = "FINANCE"  # R-W6: only a finance contact can be the rewards invoice recipient
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed from an email
CODE_GROUPS, CODE_GROUP_LEN = 3, 4  # e.g. K7QP-3MZD-W9XA (60 bits)
# R-W6: a redemption code is a secret and is locked out like a login. Wrong codes count per person
# (since their latest authorisation) and per account over a sliding window; while either count is at
# its limit every code, the right one too, is refused, so guessing gains nothing.
CODE_FAILURE_WINDOW = timedelta(minutes=15)
MAX_CODE_FAILURES_PER_PERSON = 5
MAX_CODE_FAILURES_PER_ACCOUNT = 20
EXCLUSIONS_FILE = Path(__file__).resolve().parent / "exclusions.json"  # R-W1: regions/sectors, kept as data

ACCRUAL, REDEMPTION, EXPIRY = "ACCRUAL", "REDEMPTION", "EXPIRY"


# ---------------------------------------------------------------------------------- pure rules
@dataclass(frozen=True)
class Exclusions:
    regions: frozenset[str]
    sectors: frozenset[str]


def load_exclusions(path: Path = EXCLUSIONS_FILE) -> Exclusions:
    """R-W1: where rewards are not offered (China, US federal public sector) — editable data."""
    data = json.loads(path.read_text())
    return Exclusions(
        regions=frozenset(r.upper() for r in data.get("regions", [])),
        sectors=frozenset(s.upper() for s in data.get("sectors", [])),
    )


def ineligibility_reasons(account: Any, exclusions: Exclusions) -> list[str]:
    """R-W1: why the account earns no rewards (empty list = eligible)."""
    reasons: list[str] = []
    if account is None:
        return ["No rewards account: no universal-credits cloud order on file"]
    if not account.on_premises:
        reasons.append("Only customers running the software on premises earn support rewards")
    if not account.order_number or account.service_start is None:
        reasons.append("No new universal-credits cloud order")
    if account.pay_as_you_go:
        reasons.append("Pay-as-you-go customers are not eligible")
    if (account.region or "").upper() in exclusions.regions:
        reasons.append(f"Support rewards are not offered in region {account.region}")
    if (account.sector or "").upper() in exclusions.sectors:
        reasons.append(f"Support rewards are not offered to the {account.sector} sector")
    return reasons


def accrual_rate(ula: bool) -> Decimal:
    """R-W2."""
    return RATE_ULA if ula else RATE_STANDARD


def usage_counts(category: str, usage_date: date, service_start: date | None, service_end: date | None) -> bool:
    """R-W3/R-W4: eligible category, inside the new order's service period (both ends inclusive).
    Overage is usage like any other, so it is not a criterion."""
    if category not in ELIGIBLE_CATEGORIES or service_start is None:
        return False
    return service_start <= usage_date and (service_end is None or usage_date <= service_end)


def consumption_of(rows: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """R-W3: unit net price × actual usage, summed exactly, rounded once."""
    return quantize(sum((price * qty for price, qty in rows), Decimal(0)))


def reward_for(consumption: Decimal, ula: bool, currency: str = "USD") -> Decimal:
    """R-W2/R-W3: no cap."""
    return quantize(consumption * accrual_rate(ula), currency)


def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def previous_month(today: date) -> date:
    """First day of the last completed month (R-W3: computed at the end of each month)."""
    return month_start(month_start(today) - timedelta(days=1))


def expiry_date(deposited_on: date) -> date:
    """R-W5: the first day the lot is no longer usable. Deposited 2026-01-31 → usable through
    2027-01-30, expired on 2027-01-31 (end of month clamps: 2028-02-29 → 2029-02-28)."""
    return add_months(deposited_on, LOT_VALIDITY_MONTHS)


def is_usable(expires_on: date, today: date) -> bool:
    return today < expires_on


@dataclass
class LotState:
    id: int
    expires_on: date
    remaining: Decimal


class InsufficientRewards(BadUserInput):
    pass


def allocate(lots: Sequence[LotState], amount: Decimal, today: date) -> list[tuple[int, Decimal]]:
    """R-W8: take ``amount`` from usable lots, earliest expiry first (ties: oldest lot first).
    Mutates the lots' ``remaining``; raises when the usable balance is short (nothing taken)."""
    usable = sorted(
        (lot for lot in lots if is_usable(lot.expires_on, today) and lot.remaining > 0),
        key=lambda lot: (lot.expires_on, lot.id),
    )
    available = sum((lot.remaining for lot in usable), Decimal(0))
    if amount <= 0:
        raise BadUserInput("amount must be positive", field="amount")
    if amount > available:
        raise InsufficientRewards(
            f"Only {available} in rewards is available; cannot redeem {amount}",
            field="amount",
            available=str(available),
        )
    taken: list[tuple[int, Decimal]] = []
    left = amount
    for lot in usable:
        if left <= 0:
            break
        take = min(lot.remaining, left)
        lot.remaining -= take
        left -= take
        taken.append((lot.id, take))
    return taken


def expire(lots: Sequence[LotState], today: date) -> list[tuple[int, Decimal]]:
    """R-W5: lots whose expiry date has come lose what is left (returned as (lot id, amount))."""
    out: list[tuple[int, Decimal]] = []
    for lot in lots:
        if not is_usable(lot.expires_on, today) and lot.remaining > 0:
            out.append((lot.id, lot.remaining))
            lot.remaining = Decimal(0)
    return out


def line_is_eligible(line: Any) -> bool:
    """R-W7: technology-program support renewals, not license+support bundles, not Linux."""
    return (
        line.category == ELIGIBLE_LINE_CATEGORY
        and line.program == ELIGIBLE_LINE_PROGRAM
        and not line.bundles_license
        and (line.product_family or "").upper() not in EXCLUDED_PRODUCT_FAMILIES
    )


def invoice_cap(invoice: Any) -> Decimal:
    """R-W7: the most rewards may still pay on this invoice — the eligible lines' pre-tax amount,
    less what rewards already paid, and never more than the balance due. Tax is never payable."""
    if invoice.status == "CLOSED":
        return ZERO
    eligible = sum((line.pre_tax_amount for line in invoice.lines if line_is_eligible(line)), Decimal(0))
    already = Decimal(invoice.paid_by_method.get(PAYMENT_METHOD, ZERO))
    return max(ZERO, min(eligible - already, Decimal(invoice.balance)))


def new_code() -> str:
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LEN)) for _ in range(CODE_GROUPS))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(tenant_id: int, email: str, code: str) -> str:
    """Only this hash is stored (R-W6); salted with tenant and email so equal codes differ."""
    return hashlib.sha256(f"{tenant_id}|{email.lower()}|{normalise_code(code)}".encode()).hexdigest()


# ------------------------------------------------------------------------------------- queries
def mine(session: AsyncSession, model: Any) -> Any:
    """Explicit tenant clause for aggregate-only selects: the central tenant filter (core/db.py)
    only sees entity selects, so ``select(func.sum(Lot.remaining))`` would span tenants (R-T1)."""
    tenant_id = session.info.get("tenant_id")
    if tenant_id is None:
        raise RuntimeError("rewards queries need a tenant-bound session")
    return model.tenant_id == tenant_id


async def get_account(session: AsyncSession, *, lock: bool = False) -> RewardAccount | None:
    stmt = select(RewardAccount)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def currency_of(session: AsyncSession) -> str:
    account = await get_account(session)
    return account.currency if account else "USD"


@dataclass
class Balances:
    currency: str
    available: Decimal
    expiring: dict[int, Decimal]


async def balances(session: AsyncSession, today: date) -> Balances:
    """R-W11: usable balance and the part of it expiring within 30 / 90 days, in one query."""
    usable = (RewardLot.status == "ACTIVE") & (RewardLot.expires_on > today)
    cols = [func.coalesce(func.sum(case((usable, RewardLot.remaining), else_=0)), 0)]
    for days in EXPIRING_SOON_DAYS:
        soon = usable & (RewardLot.expires_on <= today + timedelta(days=days))
        cols.append(func.coalesce(func.sum(case((soon, RewardLot.remaining), else_=0)), 0))
    row = (await session.execute(select(*cols).where(mine(session, RewardLot)))).one()
    currency = await currency_of(session)
    return Balances(
        currency=currency,
        available=quantize(Decimal(row[0]), currency),
        expiring={d: quantize(Decimal(v), currency) for d, v in zip(EXPIRING_SOON_DAYS, row[1:], strict=True)},
    )


async def _ledger_balance(session: AsyncSession) -> Decimal:
    """Deposited − redeemed − expired so far: what the activity page's running balance shows."""
    stmt = select(func.coalesce(func.sum(RewardLot.remaining), 0)).where(
        mine(session, RewardLot), RewardLot.status == "ACTIVE"
    )
    total = (await session.execute(stmt)).scalar_one()
    return Decimal(total)


async def _locked_lots(session: AsyncSession, *conditions: Any) -> list[RewardLot]:
    """Lots locked in a fixed order (earliest expiry, then id) so that lockers never deadlock."""
    stmt = (
        select(RewardLot)
        .where(RewardLot.status == "ACTIVE", *conditions)
        .order_by(RewardLot.expires_on, RewardLot.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


# --------------------------------------------------------------------------------------- jobs
async def accrue_month(session: AsyncSession, tenant_id: int, period: date, now: datetime) -> int:
    """R-W1…R-W4: deposit one lot per subscription for the month starting ``period``.
    Idempotent: a (subscription, month) that already has a lot is skipped. Returns lots deposited."""
    account = await get_account(session, lock=True)
    if account is None or ineligibility_reasons(account, load_exclusions()):
        return 0
    first, last = month_start(period), month_end(period)
    rows = (
        await session.execute(
            select(
                CloudUsage.subscription,
                CloudUsage.usage_date,
                CloudUsage.category,
                CloudUsage.unit_net_price,
                CloudUsage.quantity,
            )
            .where(mine(session, CloudUsage), CloudUsage.usage_date >= first, CloudUsage.usage_date <= last)
            .order_by(CloudUsage.subscription)
        )
    ).all()
    per_sub: dict[str, list[tuple[Decimal, Decimal]]] = {}
    for sub, day, category, price, qty in rows:
        if usage_counts(category, day, account.service_start, account.service_end):
            per_sub.setdefault(sub, []).append((Decimal(price), Decimal(qty)))
    label = first.strftime("%Y-%m")
    existing = set(
        (
            await session.execute(
                select(RewardLot.subscription).where(mine(session, RewardLot), RewardLot.period == label)
            )
        ).scalars()
    )
    balance = await _ledger_balance(session)
    deposited = 0
    for sub in sorted(per_sub):
        if sub in existing:
            continue
        consumption = consumption_of(per_sub[sub])
        amount = reward_for(consumption, account.ula, account.currency)
        if amount <= 0:
            continue
        lot = RewardLot(
            tenant_id=tenant_id,
            subscription=sub,
            period=label,
            consumption=consumption,
            rate=accrual_rate(account.ula),
            currency=account.currency,
            deposited_on=last,
            expires_on=expiry_date(last),
            amount=amount,
            remaining=amount,
            expired_amount=ZERO,
            status="ACTIVE",
            created_at=now,
        )
        session.add(lot)
        await session.flush()
        balance += amount
        session.add(
            RewardActivity(
                tenant_id=tenant_id,
                kind=ACCRUAL,
                occurred_on=last,
                amount=amount,
                balance_after=balance,
                currency=account.currency,
                subscription=sub,
                period=label,
                lot_id=lot.id,
                created_at=now,
            )
        )
        deposited += 1
    await session.flush()
    return deposited


async def expire_lots(session: AsyncSession, tenant_id: int, today: date, now: datetime) -> int:
    """R-W5: lots reaching their expiry date lose what is left; no extension, no reactivation
    (an EXPIRED lot is never selected again). Returns the number of lots expired."""
    if await get_account(session, lock=True) is None:
        return 0
    lots = await _locked_lots(session, RewardLot.expires_on <= today)
    if not lots:
        return 0
    balance = await _ledger_balance(session)
    for lot in lots:
        lost = lot.remaining
        lot.expired_amount = lost
        lot.remaining = ZERO
        lot.status = "EXPIRED"
        if lost > 0:
            balance -= lost
            session.add(
                RewardActivity(
                    tenant_id=tenant_id,
                    kind=EXPIRY,
                    occurred_on=lot.expires_on,
                    amount=lost,
                    balance_after=balance,
                    currency=lot.currency,
                    subscription=lot.subscription,
                    period=lot.period,
                    lot_id=lot.id,
                    created_at=now,
                )
            )
    await session.flush()
    return len(lots)


# ------------------------------------------------------------------------------ authorisation
async def authorize_redeemer(ctx: Context, email: str) -> tuple[RewardRedeemer, str]:
    """R-W6: the cloud administrator (tenant ADMIN) names a finance contact as the rewards invoice
    recipient; a fresh redemption code is emailed to them (a new authorisation replaces the old code)."""
    tenant = ctx.require_tenant()
    email = (email or "").strip().lower()
    person = (
        await ctx.session.execute(select(Person).where(Person.email == email, Person.status != "REMOVED"))
    ).scalar_one_or_none()
    if person is None:
        raise NotFound("No such person in your organisation", field="email")
    if REDEEMER_CONTACT_KIND not in person.role_names:
        raise BadUserInput(
            f"{email} is not a finance contact; only the invoice recipient (finance contact) can redeem rewards",
            field="email",
        )
    code = new_code()
    row = (await ctx.session.execute(select(RewardRedeemer).where(RewardRedeemer.email == email))).scalar_one_or_none()
    if row is None:
        row = RewardRedeemer(tenant_id=tenant.id, email=email)
        ctx.session.add(row)
    row.code_hash = hash_code(tenant.id, email, code)
    row.authorized_by = ctx.principal.email
    row.authorized_at = ctx.now()
    row.revoked_at = None
    ctx.send_email(
        email,
        "Your support rewards redemption code",
        f"{ctx.principal.email} authorised you to redeem {tenant.name}'s support rewards against invoices.\n\n"
        f"Your redemption code: {code}\n\nKeep it private: you will be asked for it each time you redeem. "
        "A new authorisation replaces this code.",
        kind="rewards.redeemer_authorized",
    )
    await ctx.session.flush()
    return row, code


async def revoke_redeemer(ctx: Context, email: str) -> RewardRedeemer:
    email = (email or "").strip().lower()
    row = (
        await ctx.session.execute(
            select(RewardRedeemer).where(RewardRedeemer.email == email, RewardRedeemer.revoked_at.is_(None))
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("That person is not an authorised rewards redeemer", field="email")
    row.revoked_at = ctx.now()
    await ctx.session.flush()
    return row


async def list_redeemers(session: AsyncSession) -> list[RewardRedeemer]:
    stmt = select(RewardRedeemer).where(RewardRedeemer.revoked_at.is_(None)).order_by(RewardRedeemer.email)
    return list((await session.execute(stmt)).scalars())


# cc_principal_roles: REWARDS_REDEEMER for an authorised, unrevoked recipient. The check runs
# outside the tenant filter, so the tenant is filtered explicitly.
AUTHORISED_REDEEMER = RoleCheck(
    REDEEMER_ROLE,
    select(RewardRedeemer.id).where(
        RewardRedeemer.tenant_id == TENANT_ID,
        RewardRedeemer.email == EMAIL,
        RewardRedeemer.revoked_at.is_(None),
    ),
)


async def check_code(ctx: Context, code: str | None) -> None:
    """R-W6: the redeemer must give the code they were emailed. A wrong code is FORBIDDEN and counted
    even though the request rolls back; at the limits (per person, per account) the redeemer is
    locked out for :data:`CODE_FAILURE_WINDOW` with ``codeDetail`` REDEMPTION_LOCKED and an audit record."""
    if not code or not normalise_code(code) or len(code) > 64:
        raise BadUserInput("redemptionCode is required", field="redemptionCode")
    tenant = ctx.require_tenant()
    if REDEEMER_CONTACT_KIND not in ctx.principal.roles:
        raise Forbidden("Only the authorised finance contact can redeem rewards")
    tenant_id, email, now = tenant.id, ctx.principal.email, ctx.now()
    row = (
        await ctx.session.execute(
            select(RewardRedeemer).where(RewardRedeemer.email == email, RewardRedeemer.revoked_at.is_(None))
        )
    ).scalar_one_or_none()
    since = now - CODE_FAILURE_WINDOW
    person_since = max(since, row.authorized_at) if row is not None else since
    person_failures, account_failures = await _code_failures(ctx.session, tenant_id, email, person_since, since)
    if person_failures >= MAX_CODE_FAILURES_PER_PERSON or account_failures >= MAX_CODE_FAILURES_PER_ACCOUNT:
        raise Forbidden(
            "Too many wrong redemption codes; redeeming is locked for "
            f"{int(CODE_FAILURE_WINDOW.total_seconds() // 60)} minutes",
            code_detail="REDEMPTION_LOCKED",
            retry_after_seconds=int(CODE_FAILURE_WINDOW.total_seconds()),
        )
    if row is None or not hmac.compare_digest(row.code_hash, hash_code(tenant_id, email, code)):
        person_after, account_after = person_failures + 1, account_failures + 1
        locked_scope = (
            "account"
            if account_after == MAX_CODE_FAILURES_PER_ACCOUNT
            else "person"
            if person_after == MAX_CODE_FAILURES_PER_PERSON
            else None
        )

        async def count_failure(session: AsyncSession) -> None:
            session.add(RewardCodeFailure(tenant_id=tenant_id, email=email, failed_at=now))
            if locked_scope:
                failures = account_after if locked_scope == "account" else person_after
                session.add(
                    AuditEntry(
                        tenant_id=tenant_id,
                        actor=email,
                        action="rewards.redemption_locked",
                        outcome="LOCKED",
                        detail=json.dumps({"scope": locked_scope, "failures": failures}),
                        created_at=now,
                    )
                )

        ctx.record_despite_rollback(count_failure)
        raise Forbidden(
            "Wrong redemption code",
            code_detail="WRONG_REDEMPTION_CODE",
            attempts_left=max(0, MAX_CODE_FAILURES_PER_PERSON - person_after),
        )


async def _code_failures(
    session: AsyncSession, tenant_id: int, email: str, person_since: datetime, since: datetime
) -> tuple[int, int]:
    """Wrong codes of this person since ``person_since`` and of the whole account since ``since``."""
    failures = select(func.count()).where(RewardCodeFailure.tenant_id == tenant_id)
    person = failures.where(RewardCodeFailure.email == email, RewardCodeFailure.failed_at >= person_since)
    account = failures.where(RewardCodeFailure.failed_at >= since)
    found = (await session.execute(select(person.scalar_subquery(), account.scalar_subquery()))).one()
    return int(found[0]), int(found[1])


# --------------------------------------------------------------------------------- redemption
async def _invoice(session: AsyncSession, number: str, today: date) -> Any:
    number = (number or "").strip()
    if not number or len(number) > 64:
        raise BadUserInput("invoiceNumber is required", field="invoiceNumber")
    invoice = await invoicing.get_invoice(session, number, today=today)
    if invoice is None:
        raise NotFound(f"No invoice {number}", field="invoiceNumber")
    return invoice


async def redeemable(ctx: Context, invoice_number: str) -> Money:
    """The most the tenant may redeem on that invoice now: min(invoice cap, usable balance)."""
    invoice = await _invoice(ctx.session, invoice_number, ctx.today())
    bal = await balances(ctx.session, ctx.today())
    if invoice.currency != bal.currency:
        return Money(ZERO, bal.currency)
    return Money(min(invoice_cap(invoice), bal.available), bal.currency)


async def redeem(
    ctx: Context, invoice_number: str, amount: Money | None, code: str, idempotency_key: str
) -> dict[str, Any]:
    """R-W6…R-W10: pay the pre-tax eligible part of an invoice with rewards, earliest-expiry first.
    Replaying the idempotency key returns the first answer and spends nothing more."""
    await check_code(ctx, code)
    if not idempotency_key or not idempotency_key.strip():
        raise BadUserInput("idempotencyKey is required", field="idempotencyKey")
    request = {
        "invoice": invoice_number,
        "amount": str(amount.amount) if amount else None,
        "currency": amount.currency if amount else None,
    }

    async def run() -> dict[str, Any]:
        return await _redeem(ctx, invoice_number, amount)

    return await idempotent(ctx, "rewards.redeem", idempotency_key, request, run)


async def _redeem(ctx: Context, invoice_number: str, amount: Money | None) -> dict[str, Any]:
    session, today, now = ctx.session, ctx.today(), ctx.now()
    account = await get_account(session, lock=True)  # serialises the tenant's balance changes
    if account is None:
        raise BadUserInput("This organisation has no support rewards", field="invoiceNumber")
    currency = account.currency
    if amount is not None:
        if amount.currency != currency:  # R-W10: rewards are never exchanged into another currency
            raise BadUserInput(f"Rewards can only be redeemed in {currency}", field="amount.currency")
        parse_amount(amount.amount, currency, field="amount")
    invoice = await _invoice(session, invoice_number, today)
    if invoice.currency != currency:
        raise BadUserInput(
            f"Invoice {invoice.number} is in {invoice.currency}; rewards are in {currency} and cannot be converted",
            field="invoiceNumber",
        )
    cap = invoice_cap(invoice)
    if cap <= 0:
        raise BadUserInput(
            f"Nothing on invoice {invoice.number} can be paid with rewards (only the pre-tax amount of "
            "technology-program support renewals)",
            field="invoiceNumber",
        )
    lots = await _locked_lots(session, RewardLot.expires_on > today, RewardLot.remaining > 0)
    available = sum((lot.remaining for lot in lots), Decimal(0))
    if amount is None:
        wanted = min(cap, available)
        if wanted <= 0:
            raise InsufficientRewards("No rewards are available to redeem", field="amount", available="0.00")
    else:
        wanted = amount.amount
        if wanted > cap:
            raise BadUserInput(
                f"At most {cap} {currency} of invoice {invoice.number} can be paid with rewards "
                "(the pre-tax amount of eligible lines, less rewards already applied)",
                field="amount",
                max_amount=str(cap),
            )
    states = [LotState(lot.id, lot.expires_on, lot.remaining) for lot in lots]
    taken = dict(allocate(states, wanted, today))
    redemption = RewardRedemption(
        tenant_id=account.tenant_id,
        invoice_number=invoice.number,
        amount=wanted,
        currency=currency,
        redeemed_by=ctx.principal.email,
        created_at=now,
    )
    session.add(redemption)
    await session.flush()
    allocations = []
    for lot in lots:
        take = taken.get(lot.id)
        if not take:
            continue
        lot.remaining -= take
        session.add(
            RewardAllocation(tenant_id=account.tenant_id, redemption_id=redemption.id, lot_id=lot.id, amount=take)
        )
        allocations.append(
            {
                "lot_id": lot.id,
                "subscription": lot.subscription,
                "expires_on": lot.expires_on.isoformat(),
                "amount": str(take),
            }
        )
    await session.flush()
    balance_after = await _ledger_balance(session)
    session.add(
        RewardActivity(
            tenant_id=account.tenant_id,
            kind=REDEMPTION,
            occurred_on=today,
            amount=wanted,
            balance_after=balance_after,
            currency=currency,
            invoice_number=invoice.number,
            redemption_id=redemption.id,
            created_at=now,
        )
    )
    after = await invoicing.apply_payment(
        session,
        invoice.number,
        wanted,
        currency,
        method=PAYMENT_METHOD,
        reference=f"rewards-redemption-{redemption.id}",
        actor_email=ctx.principal.email,
        now=now,
    )
    invoice_to_date = Decimal(after.paid_by_method.get(PAYMENT_METHOD, wanted))
    total_to_date = Decimal(
        (
            await session.execute(
                select(func.coalesce(func.sum(RewardRedemption.amount), 0)).where(mine(session, RewardRedemption))
            )
        ).scalar_one()
    )
    usable_after = available - wanted
    ctx.send_email(
        ctx.principal.email,
        f"Support rewards applied to invoice {invoice.number}",
        f"{wanted} {currency} of support rewards was applied as a payment to invoice {invoice.number}.\n\n"
        f"Rewards redeemed on this invoice to date: {quantize(invoice_to_date)} {currency}\n"
        f"Balance still due on the invoice: {quantize(Decimal(after.balance))} {after.currency}\n"
        f"Rewards redeemed by your organisation to date: {quantize(total_to_date)} {currency}\n"
        f"Rewards balance remaining: {quantize(usable_after)} {currency}\n\n"
        "This is a payment on the invoice: no new invoice or credit memo is issued. "
        "Rewards cannot be exchanged for cash.",
        kind="rewards.redeemed",
    )
    return {
        "id": redemption.id,
        "invoice_number": invoice.number,
        "amount": str(wanted),
        "currency": currency,
        "redeemed_at": now.isoformat(),
        "allocations": allocations,
        "invoice_redeemed_to_date": str(invoice_to_date),
        "invoice_balance_due": str(after.balance),
        "invoice_currency": after.currency,
        "rewards_redeemed_to_date": str(total_to_date),
        "rewards_balance": str(usable_after),
    }
