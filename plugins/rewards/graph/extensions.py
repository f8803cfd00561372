"""Fields rewards adds to other modules' types (``TYPE_EXTENSIONS``), present only in the schema of
tenants that enable both modules and answering only for tenants that do (issue 22)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from core.context import Context
from core.ids import from_global_id
from core.money import MoneyType
from plugins.rewards import service
from plugins.rewards.graph.loaders import InvoiceRewards


@strawberry.type(name="RewardRedemption", description="Rewards that paid (part of) an invoice (R-W9).")
class RewardRedemptionType:
    amount: MoneyType
    redeemed_by: str
    redeemed_at: datetime


@strawberry.type(
    name="InvoiceRewards",
    description="Support rewards and one invoice: what they may still pay (R-W7) and what they paid.",
)
class InvoiceRewardsType:
    eligible_amount: MoneyType = strawberry.field(
        description="Pre-tax amount of the lines rewards may pay (technology-program support renewals, R-W7)."
    )
    payable_amount: MoneyType = strawberry.field(
        description="What rewards may still pay: eligible less what they paid, never more than the balance."
    )
    applied_amount: MoneyType = strawberry.field(description="What rewards paid on this invoice so far (R-W9).")
    redemptions: list[RewardRedemptionType]

    @classmethod
    def of(cls, v: service.InvoiceRewardsView) -> InvoiceRewardsType:
        return cls(
            eligible_amount=MoneyType.of(v.eligible_amount, v.currency),
            payable_amount=MoneyType.of(v.payable_amount, v.currency),
            applied_amount=MoneyType.of(v.applied_amount, v.currency),
            redemptions=[
                RewardRedemptionType(
                    amount=MoneyType.of(r.amount, v.currency), redeemed_by=r.redeemed_by, redeemed_at=r.redeemed_at
                )
                for r in v.redemptions
            ],
        )


@strawberry.type
class InvoiceRewardsField:
    """Grafted onto the invoicing plugin's ``Invoice`` (``self`` is that object: its public ``id``)."""

    @strawberry.field(description="Support rewards on this invoice (R-W7, R-W9). Needs rewards:view.")
    async def rewards(self, info: Info[Context, None]) -> InvoiceRewardsType | None:
        view = await InvoiceRewards.of(info.context).load(from_global_id(self.id, "Invoice"))
        return InvoiceRewardsType.of(view) if view else None
