"""``node(id:)`` for the renewals plugin's types (core/nodes.py): each loader asks the service, which
shows an object exactly as its typed field does."""

from __future__ import annotations

from collections.abc import Sequence

from core.context import Context
from plugins.renewals import service as svc
from plugins.renewals.graph.types import CartType, RenewalOrderType, RenewalRequestType, RenewalType


async def _renewals(ctx: Context, ids: Sequence[int]) -> dict[int, RenewalType]:
    today = ctx.today()
    return {r.id: RenewalType.of(r, today) for r in await svc.renewals_by_ids(ctx, ids)}


async def _requests(ctx: Context, ids: Sequence[int]) -> dict[int, RenewalRequestType]:
    return {r.id: RenewalRequestType.of(r) for r in await svc.requests_by_ids(ctx, ids)}


async def _orders(ctx: Context, ids: Sequence[int]) -> dict[int, RenewalOrderType]:
    return {o.id: RenewalOrderType.of(o) for o in await svc.orders_by_ids(ctx, ids)}


async def _carts(ctx: Context, ids: Sequence[int]) -> dict[int, CartType]:
    return {c.id: CartType.of(c) for c in await svc.carts_by_ids(ctx, ids)}


#: Global id type name -> loader (``GraphContribution.nodes``).
NODES = {"Renewal": _renewals, "RenewalRequest": _requests, "RenewalOrder": _orders, "Cart": _carts}
