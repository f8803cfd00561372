"""Renewals' objects by primary key for ``node(id:)`` (core/nodes.py), each visible exactly as its
typed field shows it: a renewal (and its requests) through a relation (R-S2) — any other is
NOT_FOUND, as ``renewal(supportNumber:)`` answers; an order as ``renewalOrder``; a cart to its
owner only (R-R17)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from core.context import Context
from core.errors import Forbidden
from plugins.renewals.models import Renewal, RenewalCart, RenewalOrder, RenewalRequest
from plugins.renewals.service.visibility import visibility


async def renewals_by_ids(ctx: Context, ids: Sequence[int]) -> list[Renewal]:
    try:
        visible = visibility(ctx)
    except Forbidden:  # ``renewal(supportNumber:)`` answers NOT_FOUND to one who may view none
        return []
    return list((await ctx.session.execute(select(Renewal).where(Renewal.id.in_(list(ids)), visible))).scalars())


async def requests_by_ids(ctx: Context, ids: Sequence[int]) -> list[RenewalRequest]:
    """Requests of renewals the caller may view (``Renewal.requests``)."""
    try:
        visible = select(Renewal.id).where(visibility(ctx))
    except Forbidden:
        return []
    stmt = select(RenewalRequest).where(RenewalRequest.id.in_(list(ids)), RenewalRequest.renewal_id.in_(visible))
    return list((await ctx.session.execute(stmt)).scalars())


async def orders_by_ids(ctx: Context, ids: Sequence[int]) -> list[RenewalOrder]:
    """Orders of renewals the caller may view (``renewalOrder``: FORBIDDEN to one who may view none)."""
    visible = select(Renewal.order_id).where(visibility(ctx))
    stmt = select(RenewalOrder).where(RenewalOrder.id.in_(list(ids)), RenewalOrder.id.in_(visible))
    return list((await ctx.session.execute(stmt)).scalars())


async def carts_by_ids(ctx: Context, ids: Sequence[int]) -> list[RenewalCart]:
    """The caller's own active and saved carts (``activeCart``, ``savedCarts``)."""
    stmt = select(RenewalCart).where(
        RenewalCart.id.in_(list(ids)),
        RenewalCart.owner_email == ctx.principal.email,
        RenewalCart.status.in_(("ACTIVE", "SAVED")),
    )
    return list((await ctx.session.execute(stmt)).scalars())
