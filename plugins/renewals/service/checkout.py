"""Placing orders: checkout, multi-year acceptance, AutoRenew activation (R-R4, R-R5, R-R6, R-R10, R-R12)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select

from core.calendar import add_years
from core.context import Context
from core.errors import BadUserInput, Conflict, NotFound
from core.exchange import rate_table
from core.i18n import LazyText, _
from core.models import Tenant
from core.money import Money, quantize
from plugins.renewals.api import RENEWAL_ACCEPTED, RENEWAL_AUTO_RENEWED, renewal_payload
from plugins.renewals.models import Renewal, RenewalCart, RenewalCartItem, RenewalOrder
from plugins.renewals.service.inputs import (
    BillingDetails,
    CheckoutRequest,
    check_billing,
    check_method_for_amount,
    check_payment_method,
    check_text,
)
from plugins.renewals.service.lists import lines_for, tenants_with_history
from plugins.renewals.service.requests import store_message
from plugins.renewals.service.rules import (
    ACCEPTED,
    AUTO_RENEW_DEFAULT_METHOD,
    AUTO_RENEWED,
    MAX_CART_ITEMS,
    MAX_PO_CHARS,
    MULTI_YEAR_QUOTED,
    MULTI_YEAR_YEARS,
    PENDING,
    SYSTEM_ACTOR,
    list_of,
    po_mismatches,
)
from plugins.renewals.service.visibility import authorize, visibility


# --------------------------------------------------------------------------------------------
# Placing orders (R-R4, R-R5, R-R6, R-R10, R-R12)
# --------------------------------------------------------------------------------------------
async def place_order(
    ctx: Context,
    renewals: Sequence[Renewal],
    *,
    kind: str,
    payment_method: str,
    billing: BillingDetails,
    po_number: str | None,
    amounts: dict[int, Decimal] | None = None,
    years: int = 1,
) -> list[RenewalOrder]:
    """Accept ``renewals``: one order (and one ``renewal.accepted`` event, which invoicing turns into
    one invoice) per renewal, history, message center and email — all in the caller's transaction,
    so a vetoing event handler rolls everything back."""
    if any(r.accepted_at is not None for r in renewals):
        done = next(r for r in renewals if r.accepted_at is not None)
        raise Conflict(
            _(
                "Renewal {support_number} was already accepted; no second order was placed",
                support_number=done.support_number,
            )
        )
    amounts = amounts or {r.id: r.amount for r in renewals}
    now = ctx.now()
    actor = ctx.principal.email
    tenant = ctx.tenant or await ctx.session.get(Tenant, renewals[0].tenant_id)
    all_lines = await lines_for(ctx, [r.id for r in renewals])
    orders: list[RenewalOrder] = []
    for renewal, lines in zip(renewals, all_lines, strict=True):
        amount = quantize(amounts[renewal.id], renewal.currency)
        order = RenewalOrder(
            tenant_id=renewal.tenant_id,
            order_number="pending",
            kind=kind,
            placed_by=actor,
            placed_at=now,
            payment_method=payment_method,
            po_number=po_number,
            billing_name=billing.name,
            billing_email=billing.email,
            billing_address=billing.address,
            currency=renewal.currency,
            total=amount,
        )
        ctx.session.add(order)
        await ctx.session.flush()
        order.order_number = f"RO-{order.id:07d}"
        orders.append(order)
        renewal.status = AUTO_RENEWED if kind == "AUTO_RENEW" else ACCEPTED
        renewal.accepted_at = now
        renewal.accepted_by = actor
        renewal.order_id = order.id
        renewal.payment_method = payment_method
        renewal.po_number = po_number
        renewal.billing_name, renewal.billing_email = billing.name, billing.email
        renewal.billing_address = billing.address
        if years > 1:
            renewal.end_date = add_years(renewal.start_date, years) - timedelta(days=1)
        renewal.last_updated_by = actor
        renewal.updated_at = now
        await ctx.session.flush()
        line_amounts = apportion(amount, [x.amount for x in lines], renewal.currency)
        await ctx.emit(
            RENEWAL_ACCEPTED,
            {
                "renewal_id": renewal.id,
                "support_number": renewal.support_number,
                "order_number": order.order_number,
                "currency": renewal.currency,
                "amount": str(amount),
                "payment_method": payment_method,
                "po_number": po_number,
                "billing_email": billing.email,
                "billing_name": billing.name,
                "billing_address": billing.address,
                "quote_to_email": renewal.quote_to_email,
                "accepted_by": actor,
                "accepted_at": now.isoformat(),
                "country": tenant.country,
                "lines": [
                    {"product": x.product, "product_family": x.product_family, "amount": str(a)}
                    for x, a in zip(lines, line_amounts, strict=True)
                ],
            },
        )
    # Accepted renewals leave every cart (R-R17).
    await ctx.session.execute(delete(RenewalCartItem).where(RenewalCartItem.renewal_id.in_([r.id for r in renewals])))
    numbers = ", ".join(o.order_number for o in orders)
    contracts = ", ".join(r.support_number for r in renewals)
    total = sum((o.total for o in orders), Decimal(0))
    subject = _("Renewal order {numbers} accepted", numbers=numbers)
    body = _(
        "Order {numbers} renews support contract(s) {contracts} for {total}, paid by {method}. Support fees are "
        "paid in full before the support period; the order cannot be cancelled and is not refundable.",
        numbers=numbers,
        contracts=contracts,
        total=Money(total, renewals[0].currency),
        method=payment_method_name(payment_method),
    )
    recipients = {r.quote_to_email for r in renewals}
    if actor != SYSTEM_ACTOR:
        recipients.add(actor)
    for email in sorted(recipients):
        store_message(ctx, tenant.id, email, subject, body, "renewal.accepted")  # R-R5 message center
        ctx.send_email(email, subject, body, kind="renewal.accepted", tenant_id=tenant.id)
    await ctx.session.flush()
    return orders


# A payment method as a reader reads it (the value itself, CARD/WIRE/PO, is a machine value).
PAYMENT_METHOD_NAMES = {"CARD": _("card"), "WIRE": _("wire transfer"), "PO": _("purchase order")}


def payment_method_name(method: str) -> LazyText | str:
    return PAYMENT_METHOD_NAMES.get(method, method)


def apportion(total: Decimal, parts: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split ``total`` over lines in proportion to their amounts, so line amounts always add up to the
    order amount (multi-year totals, or contracts whose lines do not add up); the last line takes the
    rounding difference."""
    if not parts:
        return []
    base = sum(parts, Decimal(0))
    if base == total:
        return list(parts)
    if base == 0:
        shares = [quantize(total / len(parts), currency) for _ in parts]
    else:
        shares = [quantize(total * p / base, currency) for p in parts]
    shares[-1] = total - sum(shares[:-1], Decimal(0))
    return shares


def confirmation(orders: Sequence[RenewalOrder], renewals: Sequence[Renewal]) -> dict[str, Any]:
    """The JSON-able confirmation replayed for a repeated idempotency key."""
    return {
        "orderNumbers": [o.order_number for o in orders],
        "placedAt": orders[0].placed_at.isoformat(),
        "supportNumbers": [r.support_number for r in renewals],
        "total": str(sum((o.total for o in orders), Decimal(0))),
        "currency": orders[0].currency,
        "paymentMethod": orders[0].payment_method,
    }


async def tssa_required(ctx: Context, tenant_id: int) -> bool:
    """R-R4: the TSSA is accepted on the customer's first renewal only."""
    return (await tssa_required_for(ctx, [tenant_id]))[0]


async def tssa_required_for(ctx: Context, tenant_ids: Sequence[int]) -> list[bool]:
    """:func:`tssa_required` for several tenants in one statement (a rep's list spans tenants)."""
    return [not accepted_before for accepted_before in await tenants_with_history(ctx, tenant_ids)]


def _check_terms_and_billing(
    ctx: Context, req: CheckoutRequest, country: str, tssa_needed: bool, default_billing: BillingDetails
) -> tuple[str, BillingDetails, str | None]:
    if not req.accept_terms:
        raise BadUserInput(_("Accept the Terms and Conditions to place the order"), field="acceptTerms")
    if tssa_needed and not req.accept_tssa:
        raise BadUserInput(
            _("Accept the technical support service agreement (TSSA): it is required on your first renewal"),
            field="acceptTssa",
        )
    method = check_payment_method(req.payment_method, country)
    billing = check_billing(req.billing or default_billing)
    po_number = None
    if method == "PO":
        if req.purchase_order is None:
            raise BadUserInput(_("Paying with a PO needs the purchase order details"), field="purchaseOrder")
        po_number = check_text(req.purchase_order.number, "purchaseOrder.number", MAX_PO_CHARS, required=True)
        wrong = po_mismatches(billing, req.purchase_order)
        if wrong:
            raise BadUserInput(
                _(
                    "The billing details on the order must match those on the PO (different: {names})",
                    names=", ".join(wrong),
                ),
                field="purchaseOrder",
                mismatched=wrong,
            )
    elif req.purchase_order is not None:
        po_number = check_text(req.purchase_order.number, "purchaseOrder.number", MAX_PO_CHARS) or None
    return method, billing, po_number


def _default_billing(renewal: Renewal) -> BillingDetails:
    name = renewal.billing_name or f"{renewal.quote_to_first_name} {renewal.quote_to_last_name}".strip()
    return BillingDetails(
        name=name or renewal.quote_to_email,
        email=renewal.billing_email or renewal.quote_to_email,
        address=renewal.billing_address or renewal.quote_to_address,
    )


async def checkout(ctx: Context, req: CheckoutRequest) -> dict[str, Any]:
    """R-R4/R-R5/R-R17: place one order for a cart or for the renewals named. Every check runs before
    anything changes; an accepted renewal is never ordered twice (CONFLICT)."""
    cart = None
    if req.cart_id is not None:
        cart = await ctx.session.get(RenewalCart, req.cart_id)
        if cart is None or cart.owner_email != ctx.principal.email:
            raise NotFound(_("No such cart"))
        if cart.status == "CHECKED_OUT":
            raise Conflict(_("This cart was already checked out; no second order was placed"))
        numbers = [
            r.support_number
            for r in (
                await ctx.session.execute(
                    select(Renewal)
                    .join(RenewalCartItem, RenewalCartItem.renewal_id == Renewal.id)
                    .where(RenewalCartItem.cart_id == cart.id)
                    .order_by(Renewal.support_number)
                )
            ).scalars()
        ]
        if not numbers:
            raise BadUserInput(_("The cart is empty"), field="cartId")
    else:
        numbers = sorted({(n or "").strip() for n in req.support_numbers})
        if not numbers:
            raise BadUserInput(_("Name at least one renewal or a cart"), field="supportNumbers")
        if len(numbers) > MAX_CART_ITEMS:
            raise BadUserInput(
                _("At most {MAX_CART_ITEMS} renewals per order", MAX_CART_ITEMS=MAX_CART_ITEMS), field="supportNumbers"
            )
    renewals = []
    for sn in numbers:
        renewal = await authorize(ctx, sn, "accept", for_update=True)
        if cart is not None:
            await authorize(ctx, sn, "checkout")
        if renewal.accepted_at is not None:
            raise Conflict(_("Renewal {sn} was already accepted; no second order was placed", sn=sn))
        if list_of(False, renewal.start_date, ctx.today()) != PENDING:
            raise BadUserInput(_("Renewal {sn} is not open for ordering yet", sn=sn), field="supportNumbers")
        renewals.append(renewal)
    if len({r.currency for r in renewals}) > 1:
        raise BadUserInput(_("All renewals of one order must be in the same currency"), field="supportNumbers")
    tenant = ctx.require_tenant()
    method, billing, po_number = _check_terms_and_billing(
        ctx, req, tenant.country, await tssa_required(ctx, tenant.id), _default_billing(renewals[0])
    )
    # R-I16 on the whole order: several renewals in one order count together.
    net = sum((r.amount for r in renewals), Decimal(0))
    check_method_for_amount(
        method, tenant.country, net, renewals[0].currency, ctx.today(), rates=await rate_table(ctx.session)
    )
    order = await place_order(
        ctx, renewals, kind="CHECKOUT", payment_method=method, billing=billing, po_number=po_number
    )
    if cart is not None:
        cart.status = "CHECKED_OUT"
        cart.updated_at = ctx.now()
    return confirmation(order, renewals)


async def accept_multi_year(ctx: Context, support_number: str, req: CheckoutRequest) -> dict[str, Any]:
    """R-R12: the customer accepts the multi-year quote the sales rep prepared."""
    renewal = await authorize(ctx, support_number, "accept", for_update=True)
    if renewal.accepted_at is not None:
        raise Conflict(
            _(
                "Renewal {support_number} was already accepted; no second order was placed",
                support_number=renewal.support_number,
            )
        )
    if renewal.status != MULTI_YEAR_QUOTED or renewal.multi_year_amount is None:
        raise Conflict(_("There is no multi-year quote to accept yet"), reason="NOT_QUOTED")
    tenant = ctx.require_tenant()
    method, billing, po_number = _check_terms_and_billing(
        ctx, req, tenant.country, await tssa_required(ctx, tenant.id), _default_billing(renewal)
    )
    orders = await place_order(
        ctx,
        [renewal],
        kind="MULTI_YEAR",
        payment_method=method,
        billing=billing,
        po_number=po_number,
        amounts={renewal.id: renewal.multi_year_amount},
        years=renewal.multi_year_years or MULTI_YEAR_YEARS,
    )
    return confirmation(orders, [renewal])


async def activate_auto_renewal(ctx: Context, renewal: Renewal) -> list[RenewalOrder]:
    """R-R10: accept an AutoRenew renewal with its payment method (pay by invoice by default, R-R8)."""
    orders = await place_order(
        ctx,
        [renewal],
        kind="AUTO_RENEW",
        payment_method=renewal.payment_method or AUTO_RENEW_DEFAULT_METHOD,
        billing=_default_billing(renewal),
        po_number=renewal.po_number,
    )
    await ctx.emit(RENEWAL_AUTO_RENEWED, {**renewal_payload(renewal), "order_number": orders[0].order_number})
    return orders


async def cancel_order(ctx: Context, support_number: str) -> None:
    """R-R6: a placed (paid in advance) renewal order cannot be cancelled nor refunded."""
    renewal = await authorize(ctx, support_number, "accept")
    if renewal.accepted_at is not None:
        raise Conflict(
            _(
                "Support fees are paid in full before the support period; this renewal order cannot be cancelled and "
                "is not refundable"
            ),
            reason="NOT_CANCELLABLE",
        )
    raise BadUserInput(_("No order was placed for this renewal; there is nothing to cancel"), field="supportNumber")


async def order_by_number(ctx: Context, order_number: str) -> RenewalOrder:
    """R-R5: the order of renewals the caller may view; NOT_FOUND for any other number."""
    order = (
        await ctx.session.execute(
            select(RenewalOrder).where(
                RenewalOrder.order_number == order_number.strip(),
                RenewalOrder.id.in_(select(Renewal.order_id).where(visibility(ctx))),
            )
        )
    ).scalar_one_or_none()
    if order is None:
        raise NotFound(_("No such order"))
    return order
