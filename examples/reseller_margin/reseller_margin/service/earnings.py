"""RM-3: the margin earned when a discounted renewal is accepted, recorded once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.sdk import Context
from sqlalchemy import select

from reseller_margin.models import MarginEarning
from reseller_margin.service.discounts import discounts_by_number
from reseller_margin.service.rules import margin_of


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
