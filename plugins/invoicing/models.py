"""Invoicing tables (SPEC §3). Money is Numeric(18, 2) Decimal; the ledger rows are append-only.

Ledger shape (the money invariant of the issue): every settled payment is split into applications
to invoices and, for any excess, a credit; credits are drawn down by applications and refunds.
So  Σ payments = Σ net applications of payments + Σ open credit + Σ refunds  at all times.
Invoice amounts due are reduced by applications and by credit notes (disputes, R-I20).

Only money received enters the ledger (R-I17): a card charge the gateway confirmed, or a receipt
recorded by billing support or imported from the bank. A customer's wire notice is a Payment row in
status PENDING that never settles by itself; a card payment starts as a committed PaymentIntent.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantOwned, tenant_fk

ZERO = Decimal("0.00")


class InvoiceCounter(TenantOwned, Base):
    """Per-tenant sequence for generated invoice / payment / dispute / credit numbers."""

    __tablename__ = "invoicing_counters"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(16))
    value: Mapped[int] = mapped_column(default=0)


class Invoice(TenantOwned, Base):
    """An issued invoice (R-I1…R-I5). ``balance`` = total − credited − applied, kept by the service."""

    __tablename__ = "invoicing_invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "source_key"),
        Index("ix_invoicing_invoices_list", "tenant_id", "invoice_date", "id"),
        Index("ix_invoicing_invoices_due", "due_date", "id"),  # the overdue queue, across tenants
        # The unpaid ones in the lists' order (issue 21): the open and overdue lists, newest first,
        # walk the tenant's unpaid invoices only, and their counts are index-only scans of them —
        # never the paid history. ``due_date`` last: the status's condition is checked in the index.
        # One index for both: beside one on (tenant, due date) PostgreSQL, costing a large tenant as
        # the average one, sorted all of a tenant's open invoices for a page of them. Queries spell
        # the predicate with a literal 0 (reads.UNPAID) so the planner can prove it from a prepared
        # statement's text.
        Index(
            "ix_invoicing_invoices_unpaid_list",
            "tenant_id",
            "invoice_date",
            "id",
            "due_date",
            postgresql_where=text("balance > 0"),
            sqlite_where=text("balance > 0"),
        ),
        tenant_fk("subscription_id", "invoicing_subscriptions"),
        tenant_fk("rebill_of_id", "invoicing_invoices"),
    )

    number: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(16), default="MANUAL")  # RENEWAL | SCHEDULE | USAGE | REBILL | IMPORT
    source_key: Mapped[str | None] = mapped_column(String(200))
    order_number: Mapped[str | None] = mapped_column(String(64), index=True)
    po_number: Mapped[str | None] = mapped_column(String(64))
    order_payment_method: Mapped[str | None] = mapped_column(String(16))  # CARD | PO | INVOICE | POEF | WIRE
    currency: Mapped[str] = mapped_column(String(3))
    country: Mapped[str] = mapped_column(String(2), default="US")
    invoice_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    pre_tax_total: Mapped[Decimal] = mapped_column(default=ZERO)
    tax_total: Mapped[Decimal] = mapped_column(default=ZERO)
    total: Mapped[Decimal] = mapped_column(default=ZERO)
    credited_total: Mapped[Decimal] = mapped_column(default=ZERO)
    applied_total: Mapped[Decimal] = mapped_column(default=ZERO)
    balance: Mapped[Decimal] = mapped_column(default=ZERO)
    pending_total: Mapped[Decimal] = mapped_column(default=ZERO)  # wire transfers on their way (R-I17)
    # The card PaymentIntent holding the invoice while its charge is in flight: set and cleared by
    # conditional UPDATEs, so two workers cannot both charge for it (no FK: a hold, not a relation).
    intent_id: Mapped[int | None]
    billing_email: Mapped[str] = mapped_column(String(254))
    cc_emails: Mapped[str] = mapped_column(Text, default="")  # account / dunning contacts (R-I3)
    # The buyer as the invoice names them, fixed when it is issued (a later change of address does not
    # rewrite an issued invoice): legal name, postal address and tax id (VAT / NIP / CUI / TRN).
    buyer_name: Mapped[str] = mapped_column(String(200), default="")
    buyer_address: Mapped[str] = mapped_column(String(500), default="")
    buyer_tax_id: Mapped[str] = mapped_column(String(64), default="")
    subscription_id: Mapped[int | None] = mapped_column(index=True)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    rebill_of_id: Mapped[int | None]
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]

    lines: Mapped[list[InvoiceLine]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="InvoiceLine.position"
    )


class InvoiceLine(TenantOwned, Base):
    """One product on an invoice; tax separate from the pre-tax amount (R-I21)."""

    __tablename__ = "invoicing_invoice_lines"
    __table_args__ = (tenant_fk("invoice_id", "invoicing_invoices", ondelete="CASCADE"),)

    invoice_id: Mapped[int] = mapped_column(index=True)
    position: Mapped[int] = mapped_column(default=0)
    product: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500), default="")
    category: Mapped[str] = mapped_column(
        String(32)
    )  # SUPPORT_RENEWAL | SUBSCRIPTION | LICENSE | CLOUD_USAGE | SERVICES
    program: Mapped[str] = mapped_column(String(32), default="TECHNOLOGY")  # TECHNOLOGY | APPLICATIONS
    product_family: Mapped[str] = mapped_column(String(32), default="")
    bundles_license: Mapped[bool] = mapped_column(Boolean, default=False)
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 6), default=Decimal(1))
    pre_tax_amount: Mapped[Decimal]
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(18, 6), default=Decimal(0))
    tax_amount: Mapped[Decimal]
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)


class Payment(TenantOwned, Base):
    """Money received from the customer, or a customer's notice of a wire, citing invoice numbers (R-I17).

    status: SUCCEEDED (money received and applied), FAILED (declined card, R-I18), and for wire
    notices (no money): PENDING (announced), OVERDUE (not received by its expected closing day),
    MATCHED (a receipt for it was recorded; the receipt is its own SUCCEEDED row)."""

    __tablename__ = "invoicing_payments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        # One receipt per bank (or check) reference: recording or importing it again changes nothing.
        Index("uq_invoicing_payments_bank_reference", "tenant_id", "bank_reference", unique=True),
        # Work queues across tenants: wire notices by expected day, failed card payments by age.
        Index("ix_invoicing_payments_notices", "method", "status", "arrives_on", "id"),
        Index("ix_invoicing_payments_failed", "method", "status", "created_at", "id"),
    )

    number: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(16))  # CARD | WIRE | CHECK | REWARDS
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    # {"INV-1": "100.00", ...}: how the payer allocated it (applied when the money lands).
    allocation: Mapped[dict] = mapped_column(JSON, default=dict)
    reference: Mapped[str] = mapped_column(String(200), default="")
    card_token: Mapped[str | None] = mapped_column(String(100))  # never a card number
    card_last4: Mapped[str | None] = mapped_column(String(4))
    gateway_reference: Mapped[str | None] = mapped_column(String(100))
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    actor_email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime]
    arrives_on: Mapped[date | None] = mapped_column(Date)  # notice: expected; receipt: the day it arrived
    settles_on: Mapped[date | None] = mapped_column(Date)
    settled_at: Mapped[datetime | None]
    bank_reference: Mapped[str | None] = mapped_column(String(100))  # receipts recorded by staff or the bank
    notice_id: Mapped[int | None]  # the wire notice this receipt matched (a receipt row → its notice row)


class PaymentIntent(TenantOwned, Base):
    """A card payment before its charge: committed on its own before the gateway is called, with
    ``gateway_key`` as the gateway's idempotency key, then settled (SUCCEEDED / FAILED) in a second
    transaction. One left PENDING by a crash is settled by the reconcile job, which asks the gateway
    what happened to that key; CANCELLED means the gateway never saw it."""

    __tablename__ = "invoicing_payment_intents"
    __table_args__ = (
        # The key is "pi_" and a random UUID (service.intents): unique within the tenant, as the
        # distribution by tenant can enforce, is unique.
        UniqueConstraint("tenant_id", "gateway_key"),
        UniqueConstraint("tenant_id", "actor_email", "idempotency_key", name="uq_invoicing_intents_actor_key"),
        tenant_fk("payment_id", "invoicing_payments"),
    )

    gateway_key: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="PENDING")  # PENDING | SUCCEEDED | FAILED | CANCELLED
    # Someone (the request that made it, a retry, the job) is driving it; cleared when that one gives up.
    claimed: Mapped[bool] = mapped_column(Boolean, default=True)
    claimed_at: Mapped[datetime | None]
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    allocation: Mapped[dict] = mapped_column(JSON, default=dict)
    card_token: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str] = mapped_column(String(200), default="")
    actor_email: Mapped[str] = mapped_column(String(254))
    payment_id: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]


class Credit(TenantOwned, Base):
    """A customer credit (overpayment R-I19, or a paid amount freed by a dispute R-I20)."""

    __tablename__ = "invoicing_credits"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_invoicing_credits_queue", "created_at", "id"),  # unapplied receipts, oldest first
        tenant_fk("payment_id", "invoicing_payments"),
        tenant_fk("dispute_id", "invoicing_disputes"),
    )

    number: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(16))  # OVERPAYMENT | DISPUTE
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    remaining: Mapped[Decimal]
    method: Mapped[str] = mapped_column(String(16))  # how the money originally came in (CARD, WIRE, …)
    payment_id: Mapped[int | None]
    dispute_id: Mapped[int | None]
    created_at: Mapped[datetime]


class Application(TenantOwned, Base):
    """Ledger: ``amount`` (signed) of a payment or a credit applied to an invoice. Reversals are
    negative rows; rows are never updated."""

    __tablename__ = "invoicing_applications"
    __table_args__ = (
        tenant_fk("invoice_id", "invoicing_invoices"),
        tenant_fk("payment_id", "invoicing_payments"),
        tenant_fk("credit_id", "invoicing_credits"),
    )

    invoice_id: Mapped[int] = mapped_column(index=True)
    payment_id: Mapped[int | None] = mapped_column(index=True)
    credit_id: Mapped[int | None] = mapped_column(index=True)
    method: Mapped[str] = mapped_column(String(16))  # the paying method, for paid_by_method
    amount: Mapped[Decimal]
    kind: Mapped[str] = mapped_column(String(16))  # PAYMENT | CREDIT | REVERSAL | TRANSFER
    created_at: Mapped[datetime]


class CreditNote(TenantOwned, Base):
    """Reduces an invoice's amount due without money moving (dispute credit, R-I20)."""

    __tablename__ = "invoicing_credit_notes"
    __table_args__ = (tenant_fk("invoice_id", "invoicing_invoices"), tenant_fk("dispute_id", "invoicing_disputes"))

    invoice_id: Mapped[int] = mapped_column(index=True)
    dispute_id: Mapped[int | None]
    amount: Mapped[Decimal]
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]


class Refund(TenantOwned, Base):
    """Open credit returned to the customer (R-I19, R-I20). The amount leaves the credit when the
    refund is requested, so it cannot also close an invoice or be requested twice; a REJECTED refund
    gives it back. status: APPROVED (paid out), PENDING_APPROVAL (above the approval limit, waiting
    for billing support), REJECTED."""

    __tablename__ = "invoicing_refunds"
    __table_args__ = (
        Index("uq_invoicing_refunds_number", "tenant_id", "number", unique=True),
        tenant_fk("credit_id", "invoicing_credits"),
    )

    number: Mapped[str] = mapped_column(String(40))
    credit_id: Mapped[int] = mapped_column(index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(24), default="APPROVED")
    actor_email: Mapped[str] = mapped_column(String(254))  # who asked for it
    created_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(String(500), default="")


class Dispute(TenantOwned, Base):
    """A customer's dispute of an invoice by number (R-I20)."""

    __tablename__ = "invoicing_disputes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_invoicing_disputes_queue", "status", "opened_at", "id"),  # open disputes, oldest first
        tenant_fk("invoice_id", "invoicing_invoices"),
        tenant_fk("rebill_invoice_id", "invoicing_invoices"),
    )

    number: Mapped[str] = mapped_column(String(40))
    invoice_id: Mapped[int] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="OPEN")  # OPEN | REBILLED | CANCELLED | REJECTED
    reason: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(254))
    opened_at: Mapped[datetime]
    resolved_by: Mapped[str | None] = mapped_column(String(254))
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    rebill_invoice_id: Mapped[int | None]


class BillingProfile(TenantOwned, Base):
    """The tenant's billing contact and account contacts copied on invoices (R-I3, R-I14)."""

    __tablename__ = "invoicing_billing_profiles"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    billing_email: Mapped[str] = mapped_column(String(254), default="")
    account_contacts: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]


class PaymentMethod(TenantOwned, Base):
    """A saved payment method: a gateway token and last four digits only, never a card number."""

    __tablename__ = "invoicing_payment_methods"

    kind: Mapped[str] = mapped_column(String(16))  # CARD | WIRE
    label: Mapped[str] = mapped_column(String(100), default="")
    token: Mapped[str | None] = mapped_column(String(100))
    last4: Mapped[str | None] = mapped_column(String(4))
    exp_month: Mapped[int | None]
    exp_year: Mapped[int | None]
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class PoChangeRequest(TenantOwned, Base):
    """A request to add or change the PO on future invoices (R-I15)."""

    __tablename__ = "invoicing_po_requests"
    __table_args__ = (tenant_fk("invoice_id", "invoicing_invoices"),)

    invoice_id: Mapped[int] = mapped_column(index=True)
    po_number: Mapped[str] = mapped_column(String(64))
    document_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="REQUESTED")
    requested_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime]


class Subscription(TenantOwned, Base):
    """A subscription: all its products are billed together on one schedule (R-I7…R-I9)."""

    __tablename__ = "invoicing_subscriptions"
    __table_args__ = (UniqueConstraint("tenant_id", "number"),)

    number: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    currency: Mapped[str] = mapped_column(String(3))
    country: Mapped[str] = mapped_column(String(2), default="US")
    frequency: Mapped[str] = mapped_column(String(24))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)  # co-term end: every product ends here (R-I9)
    is_cloud: Mapped[bool] = mapped_column(Boolean, default=False)  # R-I12: does not expire
    billing_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime]

    products: Mapped[list[SubscriptionProduct]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="SubscriptionProduct.id"
    )


class SubscriptionProduct(TenantOwned, Base):
    """A product ordered into a subscription. ``amount`` is its contract value for the whole
    subscription term; a product provisioned later is prorated to the co-term end unless pooled."""

    __tablename__ = "invoicing_subscription_products"
    __table_args__ = (
        UniqueConstraint("tenant_id", "subscription_id", "line_key"),
        tenant_fk("subscription_id", "invoicing_subscriptions", ondelete="CASCADE"),
    )

    subscription_id: Mapped[int] = mapped_column(index=True)
    line_key: Mapped[str] = mapped_column(String(64))
    order_number: Mapped[str] = mapped_column(String(64))
    product: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32), default="SUBSCRIPTION")
    program: Mapped[str] = mapped_column(String(32), default="TECHNOLOGY")
    product_family: Mapped[str] = mapped_column(String(32), default="")
    bundles_license: Mapped[bool] = mapped_column(Boolean, default=False)
    amount: Mapped[Decimal]
    pooled: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_method: Mapped[str] = mapped_column(String(16), default="INVOICE")
    po_number: Mapped[str | None] = mapped_column(String(64))
    provisioned_on: Mapped[date | None] = mapped_column(Date)
    subscribed_quantity: Mapped[Decimal] = mapped_column(Numeric(18, 6), default=Decimal(0))
    hourly_price: Mapped[Decimal] = mapped_column(Numeric(18, 6), default=Decimal(0))


class UsageRecord(TenantOwned, Base):
    """Hourly metered capacity in use for a product (R-I11 bursting/overage, R-I12 pay-as-you-go)."""

    __tablename__ = "invoicing_usage"
    __table_args__ = (
        UniqueConstraint("tenant_id", "product_id", "hour"),
        tenant_fk("product_id", "invoicing_subscription_products", ondelete="CASCADE"),
    )

    product_id: Mapped[int] = mapped_column(index=True)
    hour: Mapped[datetime]
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 6))
