"""Root mutations of support rewards: redeemer authorisation (R-W6) and redemption (R-W6…R-W10)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.context import Context
from core.money import Money
from plugins.rewards import service
from plugins.rewards.graph.types import RedeemerType, RedeemRewardsInput, RedemptionType


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Tenant admin (cloud administrator): authorise a finance contact as the rewards invoice "
        "recipient; a redemption code is emailed to them (R-W6)."
    )
    async def authorize_rewards_redeemer(self, info: Info[Context, None], email: str) -> RedeemerType:
        row, _code = await service.authorize_redeemer(info.context, email)
        return RedeemerType.of(row)

    @strawberry.mutation(description="Tenant admin: withdraw a redeemer's authorisation (their code stops working).")
    async def revoke_rewards_redeemer(self, info: Info[Context, None], email: str) -> RedeemerType:
        return RedeemerType.of(await service.revoke_redeemer(info.context, email))

    @strawberry.mutation(
        description="Pay the pre-tax eligible part of an invoice with rewards, earliest-expiry first (R-W6…R-W10)."
    )
    async def redeem_rewards(self, info: Info[Context, None], input: RedeemRewardsInput) -> RedemptionType:
        amount = Money(input.amount.amount, input.amount.currency) if input.amount is not None else None
        result = await service.redeem(
            info.context, input.invoice_number, amount, input.redemption_code, input.idempotency_key
        )
        return RedemptionType.of(result)
