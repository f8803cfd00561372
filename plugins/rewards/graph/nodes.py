"""``node(id:)`` for the rewards plugin's types (core/nodes.py): the service authorizes as
``rewards.lots`` and ``rewards.activity`` do (``rewards:view``)."""

from __future__ import annotations

from collections.abc import Sequence

from core.context import Context
from plugins.rewards import service
from plugins.rewards.graph.types import RewardActivityType, RewardLotType


async def _lots(ctx: Context, ids: Sequence[int]) -> dict[int, RewardLotType]:
    today = ctx.today()
    return {lot.id: RewardLotType.of(lot, today) for lot in await service.lots_by_ids(ctx, ids)}


async def _activity(ctx: Context, ids: Sequence[int]) -> dict[int, RewardActivityType]:
    return {a.id: RewardActivityType.of(a) for a in await service.activities_by_ids(ctx, ids)}


#: Global id type name -> loader (``GraphContribution.nodes``). A redemption (``RewardsRedemption``) is
#: the receipt of a mutation with no read path, so it is not a node.
NODES = {"RewardLot": _lots, "RewardActivity": _activity}
