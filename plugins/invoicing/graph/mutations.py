"""Invoicing mutations: each translates its input into a service call, which authorizes and applies
the rules, and the outcome into GraphQL types."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry.types import Info

from core.context import Context
from core.ids import from_global_id
from plugins.invoicing import service as svc
from plugins.invoicing.graph.inputs import (
    AddCardInput,
    PayInvoiceItem,
    PayInvoicesInput,
    RebillLineInput,
    RecordPaymentInput,
    RecordWireReceiptInput,
    ResolveDisputeInput,
)
from plugins.invoicing.graph.types import (
    BillingProfileType,
    DisputeOutcome,
    DisputeType,
    EmailedInvoiceList,
    InvoiceStatus,
    PaymentResult,
    PoChangeRequestType,
    RefundType,
)


def items_of(items: list[PayInvoiceItem]) -> list[svc.PayItem]:
    """The cited invoices of a payment input."""
    return [svc.PayItem(i.invoice_number, i.amount) for i in items]


# ------------------------------------------------------------------------------------ mutations
@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Pay one or several invoices by card or wire (R-I16…R-I19). A declined card returns a "
        "FAILED payment (retry with another card, or pay by wire). Replaying an idempotencyKey returns the "
        "first result."
    )
    async def pay_invoices(self, info: Info[Context, None], input: PayInvoicesInput) -> PaymentResult:
        ctx = info.context
        req = svc.PayRequest(
            items=items_of(input.invoices),
            method=input.method.value,
            card_token=input.card_token,
            payment_method_id=from_global_id(input.saved_card_id, "SavedCard") if input.saved_card_id else None,
            wire_amount=input.wire_amount,
            reference=input.reference,
        )
        return PaymentResult.of(await svc.pay(ctx, req, input.idempotency_key), ctx.today())

    @strawberry.mutation(description="Billing support: record money received for cited invoices (R-I17, R-I19).")
    async def record_invoice_payment(self, info: Info[Context, None], input: RecordPaymentInput) -> PaymentResult:
        ctx = info.context
        out = await svc.record_invoice_payment(
            ctx, items_of(input.invoices), input.method.value, input.amount, input.reference, input.idempotency_key
        )
        return PaymentResult.of(out, ctx.today())

    @strawberry.mutation(
        description="Billing support: record money that arrived at the bank for an invoice (R-I17). It matches "
        "the customer's wire notice, closes the invoice up to its balance and any excess becomes credit "
        "(R-I19). The receipt's currency must be the invoice's; its bankReference is recorded once."
    )
    async def record_wire_receipt(self, info: Info[Context, None], input: RecordWireReceiptInput) -> PaymentResult:
        ctx = info.context
        receipt = svc.Receipt(
            amount=input.amount,
            currency=input.currency,
            received_on=input.received_on,
            bank_reference=input.bank_reference,
            invoice_number=input.invoice_number,
            payer_reference=input.payer_reference,
        )
        return PaymentResult.of(await svc.record_wire_receipt(ctx, receipt), ctx.today())

    @strawberry.mutation(description="Dispute an invoice by number (R-I20).")
    async def open_invoice_dispute(self, info: Info[Context, None], invoice_number: str, reason: str) -> DisputeType:
        return DisputeType.of(await svc.open_invoice_dispute(info.context, invoice_number, reason))

    @strawberry.mutation(description="Billing support: resolve a dispute — rebill, cancel or reject (R-I20).")
    async def resolve_invoice_dispute(self, info: Info[Context, None], input: ResolveDisputeInput) -> DisputeType:
        view = await svc.resolve_invoice_dispute(
            info.context,
            input.dispute_number,
            input.outcome.value,
            rebill_lines=[svc.RebillLine(r.position, r.pre_tax_amount) for r in input.rebill_lines],
            note=input.note,
            idempotency_key=input.idempotency_key,
        )
        return DisputeType.of(view)

    @strawberry.mutation(
        description="Billing support, from the disputes queue: resolve the dispute with this id in its own tenant "
        "(no X-Tenant needed), authorized there as resolveInvoiceDispute (R-I20)."
    )
    async def resolve_queued_dispute(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        outcome: DisputeOutcome,
        rebill_lines: list[RebillLineInput] | None = None,
        note: str = "",
        idempotency_key: str | None = None,
    ) -> DisputeType:
        view = await svc.resolve_queued_dispute(
            info.context,
            from_global_id(id, "Dispute"),
            outcome.value,
            rebill_lines=[svc.RebillLine(r.position, r.pre_tax_amount) for r in rebill_lines or []],
            note=note,
            idempotency_key=idempotency_key,
        )
        return DisputeType.of(view)

    @strawberry.mutation(
        description="Billing support, from the wire-notices queue: record the money this notice announced, in its "
        "own tenant (no X-Tenant needed), as recordWireReceipt for the notice's invoice and currency (R-I17)."
    )
    async def record_queued_wire_receipt(
        self,
        info: Info[Context, None],
        notice_id: strawberry.ID,
        amount: Decimal,
        received_on: date,
        bank_reference: str,
    ) -> PaymentResult:
        ctx = info.context
        out = await svc.record_notice_receipt(
            ctx, from_global_id(notice_id, "Payment"), amount, received_on, bank_reference
        )
        return PaymentResult.of(out, ctx.today())

    @strawberry.mutation(
        description="Refund an open credit when no unpaid invoices are left for it (R-I19). Above the approval "
        "limit the refund is PENDING_APPROVAL until billing support approves it."
    )
    async def refund_invoice_credit(
        self, info: Info[Context, None], credit_number: str, idempotency_key: str | None = None
    ) -> RefundType:
        return RefundType.of(await svc.refund_invoice_credit(info.context, credit_number, idempotency_key))

    @strawberry.mutation(description="Billing support: approve a refund waiting for approval; it is paid out.")
    async def approve_invoice_refund(self, info: Info[Context, None], refund_number: str, note: str = "") -> RefundType:
        return RefundType.of(await svc.decide_invoice_refund(info.context, refund_number, True, note))

    @strawberry.mutation(
        description="Billing support: reject a refund waiting for approval; its amount goes back to the credit."
    )
    async def reject_invoice_refund(self, info: Info[Context, None], refund_number: str, note: str) -> RefundType:
        return RefundType.of(await svc.decide_invoice_refund(info.context, refund_number, False, note))

    @strawberry.mutation(description="Email the invoice list (optionally one status) to yourself (R-I2).")
    async def email_invoice_list(
        self, info: Info[Context, None], status: InvoiceStatus | None = None
    ) -> EmailedInvoiceList:
        to, count = await svc.email_invoice_list(info.context, status.value if status else None)
        return EmailedInvoiceList(to=to, invoices=count)

    @strawberry.mutation(description="Update the billing contact and account contacts (R-I14, R-I3).")
    async def update_billing_profile(
        self,
        info: Info[Context, None],
        billing_email: str | None = None,
        account_contacts: list[str] | None = None,
    ) -> BillingProfileType:
        return BillingProfileType.of(await svc.change_billing_profile(info.context, billing_email, account_contacts))

    @strawberry.mutation(description="Save a card (gateway token; last four digits kept) (R-I14).")
    async def add_billing_card(self, info: Info[Context, None], input: AddCardInput) -> BillingProfileType:
        profile = await svc.add_billing_card(
            info.context, input.token, input.exp_month, input.exp_year, input.label, input.make_default
        )
        return BillingProfileType.of(profile)

    @strawberry.mutation(description="Remove a saved card (R-I14).")
    async def remove_billing_card(self, info: Info[Context, None], id: strawberry.ID) -> BillingProfileType:
        return BillingProfileType.of(await svc.remove_billing_card(info.context, from_global_id(id, "SavedCard")))

    @strawberry.mutation(description="Ask to add or change the PO on future invoices (R-I15).")
    async def request_po_change(
        self, info: Info[Context, None], invoice_number: str, po_number: str, po_document_name: str
    ) -> PoChangeRequestType:
        view = await svc.request_invoice_po_change(info.context, invoice_number, po_number, po_document_name)
        return PoChangeRequestType.of(view)
