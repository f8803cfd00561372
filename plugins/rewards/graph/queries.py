"""Root query fields of support rewards (SPEC §4)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.context import Context
from plugins.rewards import service
from plugins.rewards.graph.compiled import balances
from plugins.rewards.graph.types import RedeemerType, RewardsType


@strawberry.type
class Query:
    @strawberry.field(description="Support rewards: balances, lots and activity (SPEC §4).")
    async def rewards(self, info: Info[Context, None]) -> RewardsType:
        return RewardsType(**await balances(info.context))

    @strawberry.field(description="Finance contacts authorised to redeem rewards (tenant admin, R-W6).")
    async def rewards_redeemers(self, info: Info[Context, None]) -> list[RedeemerType]:
        return [RedeemerType.of(r) for r in await service.list_redeemers(info.context)]
