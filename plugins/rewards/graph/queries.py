"""Root query fields of support rewards (SPEC §4)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.context import Context
from core.money import MoneyType
from plugins.rewards import service
from plugins.rewards.graph.types import RedeemerType, RewardsType


@strawberry.type
class Query:
    @strawberry.field(description="Support rewards: balances, lots and activity (SPEC §4).")
    async def rewards(self, info: Info[Context, None]) -> RewardsType:
        b = await service.current_balances(info.context)
        return RewardsType(
            balance=MoneyType.of(b.available, b.currency),
            expiring_in_30_days=MoneyType.of(b.expiring[30], b.currency),
            expiring_in_90_days=MoneyType.of(b.expiring[90], b.currency),
        )

    @strawberry.field(description="Finance contacts authorised to redeem rewards (tenant admin, R-W6).")
    async def rewards_redeemers(self, info: Info[Context, None]) -> list[RedeemerType]:
        return [RedeemerType.of(r) for r in await service.list_redeemers(info.context)]
