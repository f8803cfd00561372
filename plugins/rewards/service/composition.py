"""Rewards composed with invoicing (issue 22): what rewards may still pay on an invoice and what they
paid already, for the ``rewards`` field this plugin grafts onto the invoicing plugin's ``Invoice`` type.
Reads the invoice through ``invoicing.api`` only; answers for tenants that enable rewards (R-T3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select, tuple_

from core.queues import tenants_enabling
from plugins.invoicing import api as invoicing
from plugins.rewards.models import RewardRedemption
from plugins.rewards.service.constants import OBJECT, PAYMENT_METHOD, VIEW
from plugins.rewards.service.rules import invoice_cap, line_is_eligible

if TYPE_CHECKING:
    from core.context import Context

PLUGIN = "rewards"


@dataclass(frozen=True)
class RedemptionView:
    amount: Decimal
    redeemed_by: str
    redeemed_at: datetime


@dataclass(frozen=True)
class InvoiceRewardsView:
    currency: str
    eligible_amount: Decimal  # R-W7: the pre-tax amount of the eligible lines
    payable_amount: Decimal  # what rewards may still pay (eligible − already paid, at most the balance)
    applied_amount: Decimal  # R-W9: what rewards paid on it so far
    redemptions: tuple[RedemptionView, ...]


async def invoice_rewards(ctx: Context, invoice_ids: Sequence[int]) -> list[InvoiceRewardsView | None]:
    """Each invoice's rewards view (None for an invoice of a tenant without rewards): four statements
    for a page of invoices (the invoices with lines and payments, then the redemptions)."""
    ctx.require(OBJECT, VIEW)
    views = await invoicing.invoices_by_id(ctx.session, invoice_ids, today=ctx.today())
    enabled = await tenants_enabling(ctx, [v.tenant_id for v in views if v], PLUGIN)
    keys = list(dict.fromkeys((v.tenant_id, v.number) for v in views if v and v.tenant_id in enabled))
    redeemed: dict[tuple[int, str], list[RedemptionView]] = {k: [] for k in keys}
    if keys:
        rows = await ctx.session.execute(
            select(RewardRedemption)
            .where(tuple_(RewardRedemption.tenant_id, RewardRedemption.invoice_number).in_(keys))
            .order_by(RewardRedemption.created_at, RewardRedemption.id)
        )
        for r in rows.scalars():
            redeemed[(r.tenant_id, r.invoice_number)].append(RedemptionView(r.amount, r.redeemed_by, r.created_at))
    out: list[InvoiceRewardsView | None] = []
    for v in views:
        if v is None or v.tenant_id not in enabled:
            out.append(None)
            continue
        eligible = sum((ln.pre_tax_amount for ln in v.lines if line_is_eligible(ln)), Decimal(0))
        out.append(
            InvoiceRewardsView(
                currency=v.currency,
                eligible_amount=eligible,
                payable_amount=invoice_cap(v),
                applied_amount=Decimal(v.paid_by_method.get(PAYMENT_METHOD, 0)),
                redemptions=tuple(redeemed[(v.tenant_id, v.number)]),
            )
        )
    return out
