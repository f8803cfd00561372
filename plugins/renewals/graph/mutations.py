"""Renewals root mutation fields: each translates its input into a service call."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from core.context import Context
from core.errors import BadUserInput
from core.i18n import _
from core.idempotency import idempotent
from core.ids import from_global_id
from core.money import MoneyInput
from plugins.renewals import service as svc
from plugins.renewals.graph.inputs import (
    AcceptMultiYearInput,
    CheckoutInput,
    QuoteToInput,
    UpdateRenewalInput,
    billing_details,
    purchase_order_details,
    request_json,
)
from plugins.renewals.graph.types import CartType, OrderConfirmation, PaymentMethod, RenewalRequestType, RenewalType


@strawberry.type
class Mutation:
    @strawberry.mutation(description="R-R4/R-R5: place the order for a cart or for the renewals named.")
    async def checkout(self, info: Info[Context, None], input: CheckoutInput) -> OrderConfirmation:
        ctx = info.context
        if (input.cart_id is None) == (not input.support_numbers):
            raise BadUserInput(_("Give either cartId or supportNumbers"), field="cartId")
        req = svc.CheckoutRequest(
            support_numbers=input.support_numbers or [],
            cart_id=from_global_id(input.cart_id, "Cart") if input.cart_id else None,
            payment_method=input.payment_method.value,
            billing=billing_details(input.billing),
            purchase_order=purchase_order_details(input.purchase_order),
            accept_terms=input.accept_terms,
            accept_tssa=input.accept_tssa,
        )

        async def run() -> dict[str, Any]:
            return await svc.checkout(ctx, req)

        data = await idempotent(ctx, "renewals.checkout", input.idempotency_key, request_json(input), run)
        return OrderConfirmation.of(data)

    @strawberry.mutation(description="R-R12: accept the multi-year quote prepared by the sales rep.")
    async def accept_multi_year_renewal(
        self, info: Info[Context, None], input: AcceptMultiYearInput
    ) -> OrderConfirmation:
        ctx = info.context
        req = svc.CheckoutRequest(
            payment_method=input.payment_method.value,
            billing=billing_details(input.billing),
            purchase_order=purchase_order_details(input.purchase_order),
            accept_terms=input.accept_terms,
            accept_tssa=input.accept_tssa,
        )

        async def run() -> dict[str, Any]:
            return await svc.accept_multi_year(ctx, input.support_number, req)

        data = await idempotent(ctx, "renewals.multi_year", input.idempotency_key, request_json(input), run)
        return OrderConfirmation.of(data)

    @strawberry.mutation(description="R-R6: always refused for a placed order (not cancellable, not refundable).")
    async def cancel_renewal_order(self, info: Info[Context, None], support_number: str) -> bool:
        await svc.cancel_order(info.context, support_number)
        return False

    @strawberry.mutation(description="R-R8/R-R9/R-R16: edit reference, billing, payment method, AutoRenew.")
    async def update_renewal(self, info: Info[Context, None], input: UpdateRenewalInput) -> RenewalType:
        ctx = info.context
        renewal = await svc.update_renewal(
            ctx,
            input.support_number,
            customer_reference=input.customer_reference,
            billing=billing_details(input.billing),
            payment_method=input.payment_method.value if input.payment_method else None,
            po_number=input.po_number,
            auto_renew=input.auto_renew,
        )
        return RenewalType.of(renewal, ctx.today())

    @strawberry.mutation(description="R-R7/R-R8: switch AutoRenew on or off.")
    async def set_auto_renew(
        self,
        info: Info[Context, None],
        support_number: str,
        enabled: bool,
        payment_method: PaymentMethod | None = None,
    ) -> RenewalType:
        ctx = info.context
        renewal = await svc.update_renewal(
            ctx,
            support_number,
            auto_renew=enabled,
            payment_method=payment_method.value if payment_method else None,
        )
        return RenewalType.of(renewal, ctx.today())

    @strawberry.mutation(description="R-R15: new quote-to contact (same domain); ownership moves to them.")
    async def update_quote_to(self, info: Info[Context, None], input: QuoteToInput) -> RenewalType:
        ctx = info.context
        renewal = await svc.update_quote_to(
            ctx,
            input.support_number,
            email=input.email,
            first_name=input.first_name,
            last_name=input.last_name,
            address=input.address,
            phone=input.phone,
        )
        return RenewalType.of(renewal, ctx.today())

    @strawberry.mutation(description="R-R13: ask the sales rep for help (at most 1,800 characters).")
    async def request_renewal_assistance(
        self, info: Info[Context, None], support_number: str, message: str
    ) -> RenewalRequestType:
        return RenewalRequestType.of(await svc.request_assistance(info.context, support_number, message))

    @strawberry.mutation(description="Sales rep: answer an assistance request.")
    async def answer_renewal_assistance(
        self, info: Info[Context, None], request_id: strawberry.ID, answer: str
    ) -> RenewalRequestType:
        req_id = from_global_id(request_id, "RenewalRequest")
        return RenewalRequestType.of(await svc.answer_request(info.context, req_id, answer))

    @strawberry.mutation(description="R-R12: request a multi-year quote (at most 1,800 characters).")
    async def request_multi_year_quote(
        self, info: Info[Context, None], support_number: str, message: str
    ) -> RenewalType:
        ctx = info.context
        return RenewalType.of(await svc.request_multi_year(ctx, support_number, message), ctx.today())

    @strawberry.mutation(description="R-R12 (sales rep): set the multi-year quote (total over the term).")
    async def update_multi_year_quote(
        self, info: Info[Context, None], support_number: str, amount: MoneyInput
    ) -> RenewalType:
        ctx = info.context
        money = amount.validated()
        renewal = await svc.update_multi_year_quote(ctx, support_number, money.amount, money.currency)
        return RenewalType.of(renewal, ctx.today())

    @strawberry.mutation(
        description="R-R12 (sales rep), from the multi-year queue: quote the request with this id in its own tenant "
        "(no X-Tenant needed), authorized there as updateMultiYearQuote (the renewal's assigned rep only)."
    )
    async def quote_queued_multi_year(
        self, info: Info[Context, None], request_id: strawberry.ID, amount: MoneyInput
    ) -> RenewalType:
        ctx = info.context
        money = amount.validated()
        renewal = await svc.quote_queued_multi_year(
            ctx, from_global_id(request_id, "RenewalRequest"), money.amount, money.currency
        )
        return RenewalType.of(renewal, ctx.today())

    @strawberry.mutation(description="R-R17: add pending renewals to the active cart.")
    async def add_to_cart(self, info: Info[Context, None], support_numbers: list[str]) -> CartType:
        return CartType.of(await svc.add_to_cart(info.context, support_numbers))

    @strawberry.mutation(description="R-R17: remove a renewal from the active cart (or the cart named).")
    async def remove_from_cart(
        self, info: Info[Context, None], support_number: str, cart_id: strawberry.ID | None = None
    ) -> CartType:
        cid = from_global_id(cart_id, "Cart") if cart_id else None
        return CartType.of(await svc.remove_from_cart(info.context, support_number, cid))

    @strawberry.mutation(description="R-R17: save the active cart under a name.")
    async def save_cart(self, info: Info[Context, None], name: str) -> CartType:
        return CartType.of(await svc.save_cart(info.context, name))

    @strawberry.mutation(description="R-R17: make a saved cart the active one.")
    async def open_saved_cart(self, info: Info[Context, None], id: strawberry.ID) -> CartType:
        return CartType.of(await svc.open_saved_cart(info.context, from_global_id(id, "Cart")))

    @strawberry.mutation(description="R-R17: delete a cart.")
    async def delete_cart(self, info: Info[Context, None], id: strawberry.ID) -> bool:
        await svc.delete_cart(info.context, from_global_id(id, "Cart"))
        return True
