"""Sharing's objects by primary key for ``node(id:)`` (core/nodes.py), each visible as its typed field
shows it: a renewal share to whoever may share that renewal (``renewalShares``, per renewal: NOT_FOUND
when the renewal is hidden from the caller), a billing-dashboard share to whoever may share the
dashboard (``billingDashboardShares``), a share list to its owner only (``shareLists``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from core.context import Context
from core.errors import AppError
from core.models import ObjectGrant
from plugins.sharing.models import ShareList
from plugins.sharing.service.common import BILLING_DASHBOARD_OBJECT, RENEWAL_OBJECT, SHARE_ACTION, SHARE_LIST_OBJECT
from plugins.sharing.service.renewals import authorize_renewal_share


async def _grants(ctx: Context, object_type: str, ids: Sequence[int]) -> list[ObjectGrant]:
    stmt = select(ObjectGrant).where(
        ObjectGrant.id.in_(list(ids)), ObjectGrant.tenant_id == ctx.tenant_id, ObjectGrant.object_type == object_type
    )
    return list((await ctx.session.execute(stmt)).scalars())


async def renewal_shares_by_ids(ctx: Context, ids: Sequence[int]) -> dict[int, ObjectGrant | AppError]:
    """Each share, or the error ``renewalShares`` answers for its renewal (one check per renewal)."""
    ctx.require_tenant()
    grants = await _grants(ctx, RENEWAL_OBJECT, ids)
    decided: dict[str, AppError | None] = {}
    out: dict[int, ObjectGrant | AppError] = {}
    for grant in grants:
        if grant.object_id not in decided:
            try:
                await authorize_renewal_share(ctx, grant.object_id)
                decided[grant.object_id] = None
            except AppError as exc:
                decided[grant.object_id] = exc
        out[grant.id] = decided[grant.object_id] or grant
    return out


async def billing_dashboard_shares_by_ids(ctx: Context, ids: Sequence[int]) -> list[ObjectGrant]:
    ctx.require_tenant()
    ctx.require(BILLING_DASHBOARD_OBJECT, SHARE_ACTION)
    return await _grants(ctx, BILLING_DASHBOARD_OBJECT, ids)


async def share_lists_by_ids(ctx: Context, ids: Sequence[int]) -> list[ShareList]:
    ctx.require_tenant()
    ctx.require(SHARE_LIST_OBJECT, "manage")
    stmt = select(ShareList).where(ShareList.id.in_(list(ids)), ShareList.owner_email == ctx.principal.email)
    return list((await ctx.session.execute(stmt)).scalars())
