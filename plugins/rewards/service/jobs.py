"""Month-end accrual (R-W3) and expiry (R-W5), applied to the database."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import context_of
from core.money import ZERO
from plugins.rewards.api import REWARDS_DEPOSIT_CREATED, REWARDS_DEPOSIT_EXPIRED, deposit_payload
from plugins.rewards.models import CloudUsage, RewardActivity, RewardLot
from plugins.rewards.service.constants import ACCRUAL, EXPIRY
from plugins.rewards.service.queries import _ledger_balance, _locked_lots, get_account, mine
from plugins.rewards.service.rules import (
    accrual_rate,
    consumption_of,
    exclusions,
    expiry_date,
    ineligibility_reasons,
    month_end,
    month_start,
    reward_for,
    usage_counts,
)


async def accrue_month(session: AsyncSession, tenant_id: int, period: date, now: datetime) -> int:
    """R-W1…R-W4: deposit one lot per subscription for the month starting ``period``.
    Idempotent: a (subscription, month) that already has a lot is skipped. Returns lots deposited."""
    account = await get_account(session, lock=True)
    if account is None or ineligibility_reasons(account, exclusions()):
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
        await (await context_of(session, tenant_id)).emit(REWARDS_DEPOSIT_CREATED, deposit_payload(lot))
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
        payload = {**deposit_payload(lot), "expired_amount": str(lost)}
        await (await context_of(session, tenant_id)).emit(REWARDS_DEPOSIT_EXPIRED, payload)
    await session.flush()
    return len(lots)
