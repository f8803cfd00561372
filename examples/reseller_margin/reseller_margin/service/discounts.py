"""RM-1, RM-3: partner discounts, set only on a renewal the caller can see; reads batched per page."""

from __future__ import annotations

from typing import Any

from core.sdk import Conflict, Context, Loader, by_key, keyset_page, object_roles
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reseller_margin.models import MarginEarning, PartnerDiscount
from reseller_margin.service.rules import OBJECT, parse_percent, support_number_of


async def discounts_by_number(session: AsyncSession, numbers: list[str]) -> list[PartnerDiscount | None]:
    rows = (await session.execute(select(PartnerDiscount).where(PartnerDiscount.support_number.in_(numbers)))).scalars()
    return by_key(list(rows), numbers, lambda r: r.support_number)


class DiscountsByNumber(Loader[str, PartnerDiscount | None]):
    """The discounts of a page's renewals in one query, however long the page."""

    async def batch_load(self, keys: list[str]) -> list[PartnerDiscount | None]:
        return await discounts_by_number(self.ctx.session, list(keys))


async def discount_of(ctx: Context, support_number: str) -> PartnerDiscount | None:
    """The partner discount on one renewal (reseller staff only), or None."""
    ctx.require(OBJECT, "view")
    return await DiscountsByNumber.of(ctx).load(support_number)


async def list_discounts(ctx: Context, first: int | None, after: str | None) -> Any:
    """A page of the tenant's partner discounts, by support number (keyset_page's tuple)."""
    ctx.require_tenant()
    ctx.require(OBJECT, "view")
    order = [(PartnerDiscount.support_number, False), (PartnerDiscount.id, False)]
    key_of = lambda r: (r.support_number, r.id)  # noqa: E731
    return await keyset_page(ctx.session, select(PartnerDiscount), order, first=first, after=after, key_of=key_of)


async def list_earnings(ctx: Context, first: int | None, after: str | None) -> Any:
    """A page of the tenant's margins earned, newest first (keyset_page's tuple)."""
    ctx.require_tenant()
    ctx.require(OBJECT, "view")
    key_of = lambda r: (r.id,)  # noqa: E731
    return await keyset_page(
        ctx.session, select(MarginEarning), [(MarginEarning.id, True)], first=first, after=after, key_of=key_of
    )


async def _require_visible_renewal(ctx: Context, number: str) -> None:
    """RM-1: ask the renewals plugin (through the cc_object_roles hook, never its models) whether the
    caller can see this renewal; it answers NOT_FOUND otherwise."""
    if "renewals" not in ctx.enabled_plugins:
        raise Conflict("Partner discounts need the renewals module, which is not enabled for this tenant")
    await object_roles(ctx, "renewal", number)


async def _earned(session: AsyncSession, number: str) -> bool:
    stmt = select(func.count()).select_from(MarginEarning).where(MarginEarning.support_number == number)
    return bool((await session.execute(stmt)).scalar_one())


async def set_discount(ctx: Context, support_number: str, percent: object) -> PartnerDiscount:
    ctx.require_tenant()
    ctx.require(OBJECT, "manage")
    number = support_number_of(support_number)
    value = parse_percent(percent)
    await _require_visible_renewal(ctx, number)
    if await _earned(ctx.session, number):
        raise Conflict(f"A margin was already earned on renewal {number}; its discount can no longer change")
    row = (await discounts_by_number(ctx.session, [number]))[0]
    if row is None:
        row = PartnerDiscount(support_number=number, percent=value, set_by=ctx.principal.email, updated_at=ctx.now())
        ctx.session.add(row)
    else:
        row.percent, row.set_by, row.updated_at = value, ctx.principal.email, ctx.now()
    await ctx.session.flush()
    return row


async def remove_discount(ctx: Context, support_number: str) -> bool:
    ctx.require_tenant()
    ctx.require(OBJECT, "manage")
    number = support_number_of(support_number)
    if await _earned(ctx.session, number):
        raise Conflict(f"A margin was already earned on renewal {number}; its discount can no longer change")
    result = await ctx.session.execute(delete(PartnerDiscount).where(PartnerDiscount.support_number == number))
    return bool(result.rowcount)
