"""``node(id:)`` for the sharing plugin's types (core/nodes.py): the service shows each as its typed
field does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.context import Context
from core.errors import AppError
from plugins.sharing import service
from plugins.sharing.graph.types import BillingDashboardShareType, RenewalShareType, ShareListType


async def _renewal_shares(ctx: Context, ids: Sequence[int]) -> dict[int, Any]:
    found = await service.renewal_shares_by_ids(ctx, ids)
    return {k: v if isinstance(v, AppError) else RenewalShareType.of(v) for k, v in found.items()}


async def _dashboard_shares(ctx: Context, ids: Sequence[int]) -> dict[int, BillingDashboardShareType]:
    return {g.id: BillingDashboardShareType.of(g) for g in await service.billing_dashboard_shares_by_ids(ctx, ids)}


async def _share_lists(ctx: Context, ids: Sequence[int]) -> dict[int, ShareListType]:
    return {s.id: ShareListType.of(s) for s in await service.share_lists_by_ids(ctx, ids)}


#: Global id type name -> loader (``GraphContribution.nodes``).
NODES = {"RenewalShare": _renewal_shares, "BillingDashboardShare": _dashboard_shares, "ShareList": _share_lists}
