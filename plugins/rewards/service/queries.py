"""Reads of the tenant's rewards account and lots (balances, R-W11), and the locked reads balance changes start with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.driver import TENANT, TODAY, Prepared
from core.money import quantize
from core.pagination import Page, keyset_page
from plugins.rewards.models import RewardAccount, RewardActivity, RewardLot
from plugins.rewards.service.constants import EXPIRING_SOON_DAYS, OBJECT, VIEW
from plugins.rewards.service.rules import accrual_rate, exclusions, ineligibility_reasons


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


def _balances_statement() -> Any:
    usable = (RewardLot.status == "ACTIVE") & (RewardLot.expires_on > TODAY)
    account_currency = select(RewardAccount.currency).where(RewardAccount.tenant_id == TENANT).scalar_subquery()
    cols = [account_currency, func.coalesce(func.sum(case((usable, RewardLot.remaining), else_=0)), 0)]
    for days in EXPIRING_SOON_DAYS:
        soon = usable & (RewardLot.expires_on <= bindparam(f"soon_{days}", type_=Date))
        cols.append(func.coalesce(func.sum(case((soon, RewardLot.remaining), else_=0)), 0))
    return select(*cols).where(RewardLot.tenant_id == TENANT)


_BALANCES = Prepared(_balances_statement)  # read on every dashboard: built and compiled once


async def balances(session: AsyncSession, today: date) -> Balances:
    """R-W11: usable balance and the part of it expiring within 30 / 90 days, with the account's
    currency, in one statement."""
    tenant_id = session.info.get("tenant_id")
    if tenant_id is None:
        raise RuntimeError("rewards queries need a tenant-bound session")
    values = {"cc_tenant": tenant_id, "cc_today": today}
    values |= {f"soon_{days}": today + timedelta(days=days) for days in EXPIRING_SOON_DAYS}
    row = (await _BALANCES.rows(session, values))[0]
    currency = row[0] or "USD"  # as currency_of: no account yet
    return Balances(
        currency=currency,
        available=quantize(Decimal(row[1]), currency),
        expiring={d: quantize(Decimal(v), currency) for d, v in zip(EXPIRING_SOON_DAYS, row[2:], strict=True)},
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


# What the rewards page reads: each function checks the caller may view rewards (R-W11, SPEC §6).
async def current_balances(ctx: Context) -> Balances:
    """The usable balance now and the parts of it expiring soon (R-W11)."""
    ctx.require_tenant()
    ctx.require(OBJECT, VIEW)
    return await balances(ctx.session, ctx.today())


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: list[str]
    rate: Decimal | None
    ula: bool
    service_start: date | None
    service_end: date | None


async def eligibility(ctx: Context) -> Eligibility:
    """Whether the organisation earns rewards, why not, and at what rate (R-W1, R-W2)."""
    ctx.require_tenant()
    ctx.require(OBJECT, VIEW)
    account = await get_account(ctx.session)
    reasons = ineligibility_reasons(account, exclusions())
    return Eligibility(
        eligible=not reasons,
        reasons=reasons,
        rate=accrual_rate(account.ula) if account and not reasons else None,
        ula=bool(account and account.ula),
        service_start=account.service_start if account else None,
        service_end=account.service_end if account else None,
    )


async def lots_page(ctx: Context, *, first: int | None, after: str | None, include_expired: bool) -> Page:
    """Reward lots, earliest expiry first: the order they are redeemed in (R-W8). Without
    ``include_expired`` only lots still usable today."""
    ctx.require_tenant()
    ctx.require(OBJECT, VIEW)
    stmt = select(RewardLot)
    if not include_expired:
        stmt = stmt.where(RewardLot.status == "ACTIVE", RewardLot.expires_on > ctx.today())
    return await keyset_page(
        ctx.session,
        stmt,
        [(RewardLot.expires_on, False), (RewardLot.id, False)],
        first=first,
        after=after,
    )


async def activity_page(ctx: Context, *, first: int | None, after: str | None) -> Page:
    """Accruals, redemptions and expiries, newest first, each with the balance after it (R-W11)."""
    ctx.require_tenant()
    ctx.require(OBJECT, VIEW)
    return await keyset_page(
        ctx.session,
        select(RewardActivity),
        [(RewardActivity.id, True)],
        first=first,
        after=after,
    )


async def lots_by_ids(ctx: Context, ids: Sequence[int]) -> list[RewardLot]:
    """``node(id:)``: lots by key, for those who may view rewards (as ``rewards.lots``)."""
    ctx.require_tenant()
    ctx.require(OBJECT, VIEW)
    return list((await ctx.session.execute(select(RewardLot).where(RewardLot.id.in_(list(ids))))).scalars())


async def activities_by_ids(ctx: Context, ids: Sequence[int]) -> list[RewardActivity]:
    """``node(id:)``: activity rows by key, for those who may view rewards (as ``rewards.activity``)."""
    ctx.require_tenant()
    ctx.require(OBJECT, VIEW)
    stmt = select(RewardActivity).where(RewardActivity.id.in_(list(ids)))
    return list((await ctx.session.execute(stmt)).scalars())
