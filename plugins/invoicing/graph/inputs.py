"""Invoicing GraphQL input types."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from core.secret import secret_field
from plugins.invoicing.graph.types import DisputeOutcome, InvoicePaymentMethod, ReceivedPaymentMethod


# ------------------------------------------------------------------------------------ inputs
@strawberry.input
class PayInvoiceItem:
    invoice_number: str
    amount: Decimal | None = strawberry.field(default=None, description="Default: everything still payable.")


@strawberry.input
class PayInvoicesInput:
    invoices: list[PayInvoiceItem]
    method: InvoicePaymentMethod
    card_token: str | None = secret_field(default=None)
    saved_card_id: strawberry.ID | None = None
    wire_amount: Decimal | None = strawberry.field(default=None, description="Wire only: the amount sent.")
    reference: str = ""
    idempotency_key: str | None = None


@strawberry.input
class RecordPaymentInput:
    invoices: list[PayInvoiceItem]
    method: ReceivedPaymentMethod
    reference: str
    amount: Decimal | None = strawberry.field(default=None, description="Total received; excess becomes credit.")
    idempotency_key: str | None = None


@strawberry.input(description="Money that arrived at the bank for an invoice (R-I17).")
class RecordWireReceiptInput:
    amount: Decimal
    currency: str
    received_on: date
    bank_reference: str = strawberry.field(description="The bank's reference: recording it again is a replay.")
    invoice_number: str | None = strawberry.field(default=None, description="The invoice it pays.")
    payer_reference: str = strawberry.field(
        default="", description="The payer's remittance text; without invoiceNumber it must cite the invoice number."
    )


@strawberry.input
class RebillLineInput:
    position: int
    pre_tax_amount: Decimal


@strawberry.input
class ResolveDisputeInput:
    dispute_number: str
    outcome: DisputeOutcome
    rebill_lines: list[RebillLineInput] = strawberry.field(default_factory=list)
    note: str = ""
    idempotency_key: str | None = None


@strawberry.input
class AddCardInput:
    token: str = secret_field()
    exp_month: int
    exp_year: int
    label: str = ""
    make_default: bool = False
