"""Carts of pending renewals (R-R17)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import delete, select

from core.context import Context
from core.errors import BadUserInput, Conflict, NotFound
from core.i18n import _
from core.money import quantize
from core.pagination import Page, keyset_page
from plugins.renewals.models import Renewal, RenewalCart, RenewalCartItem
from plugins.renewals.service.inputs import check_text
from plugins.renewals.service.rules import MAX_CART_ITEMS, MAX_CART_NAME, PENDING, list_of
from plugins.renewals.service.visibility import authorize, find_renewal, may_see


# --------------------------------------------------------------------------------------------
# Carts (R-R17)
# --------------------------------------------------------------------------------------------
async def active_cart(ctx: Context, *, create: bool = False) -> RenewalCart | None:
    cart = (
        await ctx.session.execute(
            select(RenewalCart)
            .where(RenewalCart.owner_email == ctx.principal.email, RenewalCart.status == "ACTIVE")
            .order_by(RenewalCart.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if cart is None and create:
        tenant = ctx.require_tenant()
        cart = RenewalCart(
            tenant_id=tenant.id,
            owner_email=ctx.principal.email,
            status="ACTIVE",
            created_at=ctx.now(),
            updated_at=ctx.now(),
        )
        ctx.session.add(cart)
        await ctx.session.flush()
    return cart


async def saved_carts(ctx: Context) -> list[RenewalCart]:
    return list(
        (
            await ctx.session.execute(
                select(RenewalCart)
                .where(RenewalCart.owner_email == ctx.principal.email, RenewalCart.status == "SAVED")
                .order_by(RenewalCart.updated_at.desc(), RenewalCart.id.desc())
            )
        ).scalars()
    )


async def saved_cart_page(ctx: Context, *, first: int | None, after: str | None) -> Page:
    """The caller's saved carts (R-R17), most recently changed first."""
    stmt = select(RenewalCart).where(RenewalCart.owner_email == ctx.principal.email, RenewalCart.status == "SAVED")
    return await keyset_page(
        ctx.session,
        stmt,
        [(RenewalCart.updated_at, True), (RenewalCart.id, True)],
        first=first,
        after=after,
    )


async def own_cart(ctx: Context, cart_id: int) -> RenewalCart:
    cart = await ctx.session.get(RenewalCart, cart_id)
    if cart is None or cart.owner_email != ctx.principal.email or cart.status == "CHECKED_OUT":
        raise NotFound(_("No such cart"))
    return cart


async def add_to_cart(ctx: Context, support_numbers: Sequence[str]) -> RenewalCart:
    numbers = sorted({(n or "").strip() for n in support_numbers})
    if not numbers or len(numbers) > MAX_CART_ITEMS:
        raise BadUserInput(
            _("Name 1 to {MAX_CART_ITEMS} renewals", MAX_CART_ITEMS=MAX_CART_ITEMS), field="supportNumbers"
        )
    renewals = []
    for sn in numbers:
        renewal = await authorize(ctx, sn, "checkout")
        if renewal.accepted_at is not None:
            raise Conflict(_("Renewal {sn} was already accepted", sn=sn), reason="ACCEPTED")
        if list_of(False, renewal.start_date, ctx.today()) != PENDING:
            raise BadUserInput(
                _("Only pending renewals can be added to a cart ({sn} is not pending)", sn=sn), field="supportNumbers"
            )
        renewals.append(renewal)
    cart = await active_cart(ctx, create=True)
    have = set(
        (
            await ctx.session.execute(select(RenewalCartItem.renewal_id).where(RenewalCartItem.cart_id == cart.id))
        ).scalars()
    )
    if len(have | {r.id for r in renewals}) > MAX_CART_ITEMS:
        raise BadUserInput(
            _("A cart holds at most {MAX_CART_ITEMS} renewals", MAX_CART_ITEMS=MAX_CART_ITEMS), field="supportNumbers"
        )
    for r in renewals:
        if r.id not in have:
            ctx.session.add(
                RenewalCartItem(tenant_id=cart.tenant_id, cart_id=cart.id, renewal_id=r.id, added_at=ctx.now())
            )
    cart.updated_at = ctx.now()
    await ctx.session.flush()
    return cart


async def remove_from_cart(ctx: Context, support_number: str, cart_id: int | None = None) -> RenewalCart:
    cart = await own_cart(ctx, cart_id) if cart_id is not None else await active_cart(ctx)
    if cart is None:
        raise NotFound(_("You have no active cart"))
    renewal = await find_renewal(ctx, support_number)
    result = await ctx.session.execute(
        delete(RenewalCartItem).where(RenewalCartItem.cart_id == cart.id, RenewalCartItem.renewal_id == renewal.id)
    )
    if not result.rowcount:
        raise NotFound(_("Renewal {support_number} is not in the cart", support_number=renewal.support_number))
    cart.updated_at = ctx.now()
    await ctx.session.flush()
    return cart


async def save_cart(ctx: Context, name: str) -> RenewalCart:
    cart = await active_cart(ctx)
    name = check_text(name, "name", MAX_CART_NAME, required=True)
    if (
        cart is None
        or not (
            await ctx.session.execute(select(RenewalCartItem.id).where(RenewalCartItem.cart_id == cart.id).limit(1))
        ).first()
    ):
        raise BadUserInput(_("The active cart is empty; add renewals before saving it"), field="name")
    cart.status, cart.name, cart.updated_at = "SAVED", name, ctx.now()
    await ctx.session.flush()
    return cart


async def open_saved_cart(ctx: Context, cart_id: int) -> RenewalCart:
    """Make a saved cart the active one; the current active cart is saved (or dropped when empty)."""
    cart = await own_cart(ctx, cart_id)
    if cart.status != "SAVED":
        raise BadUserInput(_("That cart is not a saved cart"), field="id")
    current = await active_cart(ctx)
    if current is not None:
        has_items = (
            await ctx.session.execute(select(RenewalCartItem.id).where(RenewalCartItem.cart_id == current.id).limit(1))
        ).first()
        if has_items:
            current.status, current.name = "SAVED", current.name or f"Cart of {ctx.now():%Y-%m-%d %H:%M}"
            current.updated_at = ctx.now()
        else:
            await ctx.session.delete(current)
        await ctx.session.flush()
    cart.status, cart.updated_at = "ACTIVE", ctx.now()
    await ctx.session.flush()
    return cart


async def delete_cart(ctx: Context, cart_id: int) -> None:
    cart = await own_cart(ctx, cart_id)
    await ctx.session.delete(cart)
    await ctx.session.flush()


async def cart_items(ctx: Context, cart_ids: Sequence[int]) -> list[list[Renewal]]:
    """Renewals in each cart that the caller can still see (batched)."""
    rows = (
        await ctx.session.execute(
            select(RenewalCartItem.cart_id, Renewal)
            .join(Renewal, Renewal.id == RenewalCartItem.renewal_id)
            .where(RenewalCartItem.cart_id.in_(list(cart_ids)), may_see(ctx))
            .order_by(Renewal.start_date, Renewal.support_number)
        )
    ).all()
    by: dict[int, list[Renewal]] = {i: [] for i in cart_ids}
    for cart_id, renewal in rows:
        by[cart_id].append(renewal)
    return [by[i] for i in cart_ids]


def totals_by_currency(renewals: Sequence[Renewal]) -> list[tuple[str, Decimal]]:
    """A cart's totals: (currency, amount) per currency, in currency order (R-R17)."""
    sums: dict[str, Decimal] = {}
    for r in renewals:
        sums[r.currency] = sums.get(r.currency, Decimal(0)) + r.amount
    return [(currency, quantize(amount, currency)) for currency, amount in sorted(sums.items())]
