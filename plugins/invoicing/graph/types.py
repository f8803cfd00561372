"""Invoicing GraphQL types. Per-invoice lists (lines, payments applied) batch through DataLoaders, so a
page of invoices costs the same number of SQL statements whatever its size."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from core.context import Context
from core.documents import document_path
from core.fields import computed_attributes, prefetched_in
from core.graph import TenantType
from core.graph_queues import item_tenant, tenant_field
from core.ids import to_global_id
from core.links import LINK_NOTE, SignedLink, link_field, segment
from core.money import MoneyType, whole_units
from core.nodes import Node
from plugins.invoicing import service as svc
from plugins.invoicing.graph.loaders import InvoiceApplications, InvoiceLines, InvoicesById, IssuedScheduleInvoices
from plugins.invoicing.models import Credit, Invoice, InvoiceLine, Payment, Subscription


# ------------------------------------------------------------------------------------ enums
@strawberry.enum(description="R-I1: derived from the due date (invoice date + 30 days), today and the balance.")
class InvoiceStatus(Enum):
    OVERDUE = "OVERDUE"
    OPEN = "OPEN"
    CLOSED = "CLOSED"


@strawberry.enum(description="How a customer pays invoices in the portal (R-I16, R-I17).")
class InvoicePaymentMethod(Enum):
    CARD = "CARD"
    WIRE = "WIRE"


@strawberry.enum(description="What billing support records as received (R-I17).")
class ReceivedPaymentMethod(Enum):
    WIRE = "WIRE"
    CHECK = "CHECK"
    CARD = "CARD"


@strawberry.enum(
    description="A refund of credit (R-I19): APPROVED is paid out; above the approval limit it waits in "
    "PENDING_APPROVAL for billing support; REJECTED gives the amount back to the credit."
)
class RefundStatus(Enum):
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@strawberry.enum(description="Where a payment is in its life (R-I17, R-I18).")
class PaymentStatus(Enum):
    SUCCEEDED = strawberry.enum_value("SUCCEEDED", description="Money received and applied to the invoices.")
    FAILED = strawberry.enum_value("FAILED", description="The card was declined; nothing was applied (R-I18).")
    PROCESSING = strawberry.enum_value("PROCESSING", description="A card charge under way at the gateway.")
    RECEIVED = strawberry.enum_value("RECEIVED", description="Money recorded and being applied.")
    PENDING = strawberry.enum_value(
        "PENDING", description="A customer's notice of a wire: announced, not money yet (R-I17)."
    )
    OVERDUE = strawberry.enum_value("OVERDUE", description="A wire notice whose money did not arrive by its day.")
    MATCHED = strawberry.enum_value(
        "MATCHED", description="A wire notice whose money arrived: the receipt is its own SUCCEEDED payment."
    )


@strawberry.enum(description="How money came in or went out of the ledger.")
class PaidWith(Enum):
    CARD = strawberry.enum_value("CARD", description="A card charge.")
    WIRE = strawberry.enum_value("WIRE", description="A bank transfer.")
    CHECK = strawberry.enum_value("CHECK", description="A paper check.")
    REWARDS = strawberry.enum_value("REWARDS", description="Support rewards redeemed on the invoice (R-W9).")
    OTHER = strawberry.enum_value("OTHER", description="Another means a module recorded.")

    @classmethod
    def of(cls, raw: str) -> PaidWith:
        # Modules record payments through plugins.invoicing.api with their own method names.
        return cls.__members__.get(raw, cls.OTHER)


@strawberry.enum(description="What issued an invoice.")
class InvoiceSource(Enum):
    RENEWAL = strawberry.enum_value("RENEWAL", description="A renewal's order: checkout or auto-renewal (R-R4, R-R10).")
    SCHEDULE = strawberry.enum_value("SCHEDULE", description="A subscription's billing schedule (R-I6…R-I13).")
    USAGE = strawberry.enum_value("USAGE", description="Usage and overage billed monthly in arrears (R-I7, R-I11).")
    REBILL = strawberry.enum_value("REBILL", description="The corrected invoice of a dispute (R-I20).")
    IMPORT = strawberry.enum_value("IMPORT", description="Imported from the vendor's billing system.")
    MANUAL = strawberry.enum_value("MANUAL", description="Issued by hand.")


@strawberry.enum(description="What a ledger row did to the invoice's balance.")
class LedgerKind(Enum):
    PAYMENT = strawberry.enum_value("PAYMENT", description="A payment applied to the invoice.")
    CREDIT = strawberry.enum_value("CREDIT", description="Open credit applied to the invoice (R-I19).")
    REVERSAL = strawberry.enum_value("REVERSAL", description="Money taken off the invoice by a dispute (R-I20).")
    TRANSFER = strawberry.enum_value("TRANSFER", description="Credit moved to the invoice that rebilled a dispute.")


@strawberry.enum(description="Where a credit came from (R-I19, R-I20).")
class CreditSource(Enum):
    OVERPAYMENT = strawberry.enum_value("OVERPAYMENT", description="Money paid beyond the invoices' balance.")
    DISPUTE = strawberry.enum_value("DISPUTE", description="A disputed invoice's payments, given back as credit.")


@strawberry.enum(description="Where a dispute is (R-I20).")
class DisputeStatus(Enum):
    OPEN = strawberry.enum_value("OPEN", description="Waiting for billing support.")
    REBILLED = strawberry.enum_value("REBILLED", description="Resolved by a corrected invoice.")
    CANCELLED = strawberry.enum_value("CANCELLED", description="Resolved by cancelling the invoice.")
    REJECTED = strawberry.enum_value("REJECTED", description="Resolved without a change to the invoice.")


@strawberry.enum(description="Where a PO change request is (R-I15).")
class PoChangeStatus(Enum):
    REQUESTED = strawberry.enum_value("REQUESTED", description="Sent to billing support; applies to future invoices.")


@strawberry.enum(description="How billing support resolves a dispute (R-I20).")
class DisputeOutcome(Enum):
    REBILL = "REBILL"
    CANCEL = "CANCEL"
    REJECT = "REJECT"


# ------------------------------------------------------------------------------------ types
def _money(amount: Decimal, currency: str) -> MoneyType:
    return MoneyType.of(amount, currency)


def _computed_money(column: str, description: str | None = None) -> Any:
    """A computed field (core.fields): the row's ``column`` as Money in the object's currency, built
    only when a query selects it (a page of invoices would otherwise build 800 Money, 400 unused)."""

    def money(self: Any) -> MoneyType:
        return _money(getattr(self.row, column), self.currency)

    return strawberry.field(resolver=money, description=description)


def _line_total(self: Any) -> MoneyType:
    return _money(self.row.pre_tax_amount + self.row.tax_amount, self.currency)


def _display_total(self: Any) -> Decimal:
    return whole_units(self.row.total)


@strawberry.type(
    name="InvoiceBuyer", description="The buyer an invoice names, as issued (its document shows the same)."
)
class InvoiceBuyer:
    name: str
    address: str
    tax_id: str = strawberry.field(description="VAT / NIP / CUI / TRN; empty when none was given.")


def _buyer(self: Any) -> InvoiceBuyer:
    row = self.row
    return InvoiceBuyer(name=row.buyer_name, address=row.buyer_address, tax_id=row.buyer_tax_id)


@computed_attributes
@strawberry.type(name="InvoiceLine", description="A product on an invoice; tax separate from pre-tax (R-I21).")
class InvoiceLineType(Node):
    id: strawberry.ID
    position: int
    product: str
    description: str
    category: str
    program: str
    product_family: str
    bundles_license: bool
    quantity: Decimal
    pre_tax_amount: MoneyType = _computed_money("pre_tax_amount")
    tax_rate: Decimal
    tax_amount: MoneyType = _computed_money("tax_amount")
    total: MoneyType = strawberry.field(resolver=_line_total)
    period_start: date | None
    period_end: date | None
    row: strawberry.Private[InvoiceLine]
    currency: strawberry.Private[str]

    @classmethod
    def of(cls, ln: InvoiceLine, currency: str) -> InvoiceLineType:
        return cls(
            id=strawberry.ID(to_global_id("InvoiceLine", ln.id)),
            position=ln.position,
            product=ln.product,
            description=ln.description,
            category=ln.category,
            program=ln.program,
            product_family=ln.product_family,
            bundles_license=ln.bundles_license,
            quantity=ln.quantity,
            tax_rate=ln.tax_rate,
            period_start=ln.period_start,
            period_end=ln.period_end,
            row=ln,
            currency=currency,
        )

    @classmethod
    def list_of(cls, lines: Sequence[Any], currency: str) -> list[InvoiceLineType]:
        return [cls.of(ln, currency) for ln in lines]


@strawberry.type(description="A ledger row: money of a payment or credit applied to (or taken off) an invoice.")
class AppliedPayment:
    payment_number: str | None
    credit_number: str | None
    method: PaidWith
    kind: LedgerKind
    amount: MoneyType
    applied_at: datetime

    @classmethod
    def of(cls, a: svc.AppliedRow, currency: str) -> AppliedPayment:
        app = a.application
        return cls(
            payment_number=a.payment_number,
            credit_number=a.credit_number,
            method=PaidWith.of(app.method),
            kind=LedgerKind(app.kind),
            amount=_money(app.amount, currency),
            applied_at=app.created_at,
        )


@computed_attributes
@strawberry.type(name="Invoice")
class InvoiceType(Node):
    id: strawberry.ID
    number: str
    status: InvoiceStatus
    invoice_date: date
    due_date: date
    order_number: str | None
    po_number: str | None
    order_payment_method: str | None
    currency: str
    country: str
    pre_tax_total: MoneyType = _computed_money("pre_tax_total")
    tax_total: MoneyType = _computed_money("tax_total")
    total: MoneyType = _computed_money("total")
    amount_paid: MoneyType = _computed_money("applied_total")
    credited_amount: MoneyType = _computed_money("credited_total")
    balance: MoneyType = _computed_money("balance")
    pending_amount: MoneyType = _computed_money(
        "pending_total", "Wires the customer announced and that are not received yet; not money (R-I17)."
    )
    display_total: Decimal = strawberry.field(
        resolver=_display_total, description="Total rounded to whole currency units (R-I10 display)."
    )
    billing_email: str
    cc_emails: list[str]
    buyer: InvoiceBuyer = strawberry.field(resolver=_buyer, description="Who is billed: name, address, tax id.")
    source: InvoiceSource
    cancelled: bool
    period_start: date | None
    period_end: date | None
    _id: strawberry.Private[int]
    row: strawberry.Private[Invoice]

    @strawberry.field(
        description="The invoice document (R-I2) as HTML, in the reader's language or the one `lang` names."
        + LINK_NOTE,
        extensions=[SignedLink()],
    )
    def document_url(self, lang: str | None = None) -> str:
        return document_path(f"/invoicing/invoices/{segment(self.number)}/document", lang)

    @strawberry.field(
        description="The invoice document as PDF, in the reader's language or the one `lang` names." + LINK_NOTE,
        extensions=[SignedLink()],
    )
    def document_pdf_url(self, lang: str | None = None) -> str:
        return document_path(f"/invoicing/invoices/{segment(self.number)}/document.pdf", lang)

    # Loaded with the page that holds this invoice when the page asks for lines (see ``invoices``).
    page_lines: strawberry.Private[list[InvoiceLineType] | None] = None

    @classmethod
    def of(cls, inv: Invoice, today: date) -> InvoiceType:
        return cls(
            id=strawberry.ID(to_global_id("Invoice", inv.id)),
            number=inv.number,
            status=InvoiceStatus(svc.status_of(inv.balance, inv.due_date, today)),
            invoice_date=inv.invoice_date,
            due_date=inv.due_date,
            order_number=inv.order_number,
            po_number=inv.po_number,
            order_payment_method=inv.order_payment_method,
            currency=inv.currency,
            country=inv.country,
            billing_email=inv.billing_email,
            cc_emails=[e for e in inv.cc_emails.split(",") if e],
            source=InvoiceSource(inv.source),
            cancelled=inv.cancelled,
            period_start=inv.period_start,
            period_end=inv.period_end,
            _id=inv.id,
            row=inv,
        )

    @strawberry.field(
        description="Lines with pre-tax amount and tax separate (R-I21).", metadata=prefetched_in("page_lines")
    )
    def lines(self, info: Info[Context, None]) -> list[InvoiceLineType]:
        # Not ``async``: a page that loaded its lines answers synchronously; otherwise a coroutine,
        # which graphql-core awaits.
        if self.page_lines is not None:
            return self.page_lines
        return self._load_lines(info.context)  # type: ignore[return-value]

    async def _load_lines(self, ctx: Context) -> list[InvoiceLineType]:
        return InvoiceLineType.list_of(await InvoiceLines.of(ctx).load(self._id), self.currency)

    @strawberry.field(description="Payments and credits applied to this invoice (payment history, R-I2).")
    async def payments(self, info: Info[Context, None]) -> list[AppliedPayment]:
        applied = await InvoiceApplications.of(info.context).load(self._id)
        return [AppliedPayment.of(a, self.currency) for a in applied]

    @strawberry.field(description="The tenant billed (a work queue spans tenants).")
    async def tenant(self, info: Info[Context, None]) -> TenantType | None:
        return await item_tenant(info, self.row.tenant_id)


@strawberry.type
class PaymentAllocation:
    invoice_number: str
    amount: MoneyType


@strawberry.type(name="Payment")
class PaymentType(Node):
    id: strawberry.ID
    number: str
    method: PaidWith
    status: PaymentStatus
    amount: MoneyType
    allocations: list[PaymentAllocation]
    card_last4: str | None
    reference: str
    failure_reason: str | None
    created_at: datetime
    arrives_on: date | None
    settles_on: date | None
    settled_at: datetime | None
    tenant_id: strawberry.Private[int]

    tenant: TenantType | None = tenant_field("The tenant that paid (a work queue spans tenants).")

    @classmethod
    def of(cls, p: Payment) -> PaymentType:
        return cls(
            id=strawberry.ID(to_global_id("Payment", p.id)),
            number=p.number,
            method=PaidWith.of(p.method),
            status=PaymentStatus(p.status),
            amount=_money(p.amount, p.currency),
            allocations=[
                PaymentAllocation(invoice_number=k, amount=_money(Decimal(v), p.currency))
                for k, v in sorted(p.allocation.items())
            ],
            card_last4=p.card_last4,
            reference=p.reference,
            failure_reason=p.failure_reason,
            created_at=p.created_at,
            arrives_on=p.arrives_on,
            settles_on=p.settles_on,
            settled_at=p.settled_at,
            tenant_id=p.tenant_id,
        )


@strawberry.type(name="Credit", description="Overpayment or disputed payment held for the customer (R-I19, R-I20).")
class CreditType(Node):
    id: strawberry.ID
    number: str
    source: CreditSource
    amount: MoneyType
    remaining: MoneyType
    method: str = strawberry.field(description="How the money came in (WIRE, CHECK, CARD, …).")
    created_at: datetime
    tenant_id: strawberry.Private[int]

    tenant: TenantType | None = tenant_field("The tenant whose money it is (a work queue spans tenants).")

    @classmethod
    def of(cls, c: Credit) -> CreditType:
        return cls(
            id=strawberry.ID(to_global_id("Credit", c.id)),
            number=c.number,
            source=CreditSource(c.source),
            amount=_money(c.amount, c.currency),
            remaining=_money(c.remaining, c.currency),
            method=c.method,
            created_at=c.created_at,
            tenant_id=c.tenant_id,
        )


@strawberry.type(name="Refund", description="Open credit returned to the customer (R-I19, R-I20).")
class RefundType(Node):
    id: strawberry.ID
    number: str
    status: RefundStatus
    amount: MoneyType
    credit_number: str = strawberry.field(description="The credit the money came from.")
    credit_source: CreditSource
    payment_number: str | None = strawberry.field(description="The payment whose money the credit holds.")
    requested_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str

    @classmethod
    def of(cls, v: svc.RefundView) -> RefundType:
        r = v.refund
        return cls(
            id=strawberry.ID(to_global_id("Refund", r.id)),
            number=r.number,
            status=RefundStatus(r.status),
            amount=_money(r.amount, r.currency),
            credit_number=v.credit_number,
            credit_source=CreditSource(v.credit_source),
            payment_number=v.payment_number,
            requested_by=r.actor_email,
            created_at=r.created_at,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            decision_note=r.decision_note,
        )


@strawberry.type(name="Dispute")
class DisputeType(Node):
    id: strawberry.ID
    number: str
    invoice_number: str
    status: DisputeStatus
    reason: str
    opened_by: str
    opened_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_note: str
    rebill_invoice_number: str | None
    tenant_id: strawberry.Private[int]
    invoice_id: strawberry.Private[int]

    tenant: TenantType | None = tenant_field("The tenant that disputes (a work queue spans tenants).")

    @strawberry.field(description="The disputed invoice.")
    async def invoice(self, info: Info[Context, None]) -> InvoiceType | None:
        ctx = info.context
        row = await InvoicesById.of(ctx).load(self.invoice_id)
        return InvoiceType.of(row, ctx.today()) if row else None

    @classmethod
    def of(cls, v: svc.DisputeView) -> DisputeType:
        d = v.dispute
        return cls(
            id=strawberry.ID(to_global_id("Dispute", d.id)),
            number=d.number,
            invoice_number=v.invoice_number,
            status=DisputeStatus(d.status),
            reason=d.reason,
            opened_by=d.opened_by,
            opened_at=d.opened_at,
            resolved_by=d.resolved_by,
            resolved_at=d.resolved_at,
            resolution_note=d.resolution_note,
            rebill_invoice_number=v.rebill_invoice_number,
            tenant_id=d.tenant_id,
            invoice_id=d.invoice_id,
        )


@strawberry.type(description="A saved card: token-backed, only the last four digits are kept.")
class SavedCard(Node):
    id: strawberry.ID
    label: str
    last4: str | None
    exp_month: int | None
    exp_year: int | None
    expired: bool
    is_default: bool

    @classmethod
    def of(cls, v: svc.SavedCardView) -> SavedCard:
        pm = v.card
        return cls(
            id=strawberry.ID(to_global_id("SavedCard", pm.id)),
            label=pm.label,
            last4=pm.last4,
            exp_month=pm.exp_month,
            exp_year=pm.exp_year,
            expired=v.expired,
            is_default=pm.is_default,
        )


@strawberry.type
class AmountDue:
    currency: str
    invoices: int
    amount: MoneyType
    overdue: MoneyType

    @classmethod
    def of(cls, d: svc.AmountDue) -> AmountDue:
        return cls(
            currency=d.currency,
            invoices=d.invoices,
            amount=_money(d.amount, d.currency),
            overdue=_money(d.overdue, d.currency),
        )


@strawberry.type(name="BillingProfile", description="R-I14: payments due, contacts, payment methods, plans.")
class BillingProfileType:
    billing_email: str
    account_contacts: list[str]
    payments_due: list[AmountDue]
    cards: list[SavedCard]
    open_credits: list[CreditType]
    po_change_requests: list[PoChangeRequestType]

    @classmethod
    def of(cls, v: svc.ProfileView) -> BillingProfileType:
        return cls(
            billing_email=v.billing_email,
            account_contacts=v.account_contacts,
            payments_due=[AmountDue.of(d) for d in v.payments_due],
            cards=[SavedCard.of(c) for c in v.cards],
            open_credits=[CreditType.of(c) for c in v.open_credits],
            po_change_requests=[PoChangeRequestType.of(r) for r in v.po_change_requests],
        )


@strawberry.type(name="PoChangeRequest")
class PoChangeRequestType(Node):
    id: strawberry.ID
    invoice_number: str
    po_number: str
    document_name: str
    status: PoChangeStatus
    requested_by: str
    created_at: datetime

    @classmethod
    def of(cls, v: svc.PoChangeView) -> PoChangeRequestType:
        r = v.request
        return cls(
            id=strawberry.ID(to_global_id("PoChangeRequest", r.id)),
            invoice_number=v.invoice_number,
            po_number=r.po_number,
            document_name=r.document_name,
            status=PoChangeStatus(r.status),
            requested_by=r.requested_by,
            created_at=r.created_at,
        )


@strawberry.type(description="Downloads of the invoice list and the payment history (R-I2).")
class InvoicingDownloads:
    invoices_csv_url: str = link_field("The invoices as CSV, of the status asked for or all (R-I2).")
    payments_csv_url: str = link_field("The payment history as CSV (R-I2).")


@strawberry.type
class InvoiceCounts:
    overdue: int
    open: int
    closed: int


@strawberry.type
class PaymentResult:
    payment: PaymentType
    invoices: list[InvoiceType]

    @classmethod
    def of(cls, out: svc.PaymentOutcome, today: date) -> PaymentResult:
        return cls(payment=PaymentType.of(out.payment), invoices=[InvoiceType.of(i, today) for i in out.invoices])


@strawberry.type
class EmailedInvoiceList:
    to: str
    invoices: int


@strawberry.type(name="SubscriptionProduct")
class SubscriptionProductType:
    key: str
    order_number: str
    product: str
    category: str
    program: str
    product_family: str
    amount: MoneyType = strawberry.field(description="Contract value for the whole subscription term.")
    charge: MoneyType = strawberry.field(description="Co-termed (prorated) charge; pooled capacity is not prorated.")
    term_months: int
    pooled: bool
    payment_method: str
    po_number: str | None
    provisioned_on: date | None
    subscribed_quantity: Decimal
    burst_limit: Decimal = strawberry.field(description="R-I11: at most 2× the subscribed quantity.")
    hourly_price: Decimal


@strawberry.type(name="BillingScheduleLine")
class BillingScheduleLineType:
    product_key: str
    product: str
    order_number: str
    period_start: date
    period_end: date
    amount: MoneyType


@strawberry.type(name="BillingScheduleEntry", description="One invoice of the schedule (R-I6…R-I13).")
class BillingScheduleEntryType:
    bill_date: date
    payment_method: str
    po_number: str | None
    amount: MoneyType
    display_amount: Decimal = strawberry.field(description="Rounded to whole currency units (R-I10).")
    invoice_number: str | None = strawberry.field(description="Set once the job has issued it.")
    lines: list[BillingScheduleLineType]

    @classmethod
    def of(cls, s: svc.ScheduledInvoice, currency: str, issued: dict[str, str]) -> BillingScheduleEntryType:
        return cls(
            bill_date=s.bill_date,
            payment_method=s.payment_method,
            po_number=s.po_number,
            amount=_money(s.amount, currency),
            display_amount=whole_units(s.amount),
            invoice_number=issued.get(s.source_key),
            lines=[
                BillingScheduleLineType(
                    product_key=e.product.key,
                    product=e.product.product,
                    order_number=e.product.order_number,
                    period_start=e.period_start,
                    period_end=e.period_end,
                    amount=_money(e.amount, currency),
                )
                for e in s.entries
            ],
        )


@strawberry.type(name="Subscription")
class SubscriptionType(Node):
    id: strawberry.ID
    number: str
    name: str
    currency: str
    country: str
    frequency: str
    start_date: date
    end_date: date
    term_months: int
    is_cloud: bool = strawberry.field(description="R-I12: cloud subscriptions continue pay-as-you-go after the term.")
    billing_email: str
    products: list[SubscriptionProductType]
    schedule_csv_url: str = link_field("The billing schedule as CSV (R-I14).")
    _id: strawberry.Private[int]
    _entries: strawberry.Private[list]
    row: strawberry.Private[Subscription]

    @classmethod
    def of(cls, sub: Subscription) -> SubscriptionType:
        terms = svc.subscription_terms(sub)
        c = sub.currency
        products = [
            SubscriptionProductType(
                key=pt.product.line_key,
                order_number=pt.product.order_number,
                product=pt.product.product,
                category=pt.product.category,
                program=pt.product.program,
                product_family=pt.product.product_family,
                amount=_money(pt.product.amount, c),
                charge=_money(pt.charge, c),
                term_months=pt.term_months,
                pooled=pt.product.pooled,
                payment_method=pt.product.payment_method,
                po_number=pt.product.po_number,
                provisioned_on=pt.product.provisioned_on,
                subscribed_quantity=pt.product.subscribed_quantity,
                burst_limit=pt.burst_limit,
                hourly_price=pt.product.hourly_price,
            )
            for pt in terms.products
        ]
        return cls(
            id=strawberry.ID(to_global_id("Subscription", sub.id)),
            number=sub.number,
            name=sub.name,
            currency=c,
            country=sub.country,
            frequency=sub.frequency,
            start_date=sub.start_date,
            end_date=sub.end_date,
            term_months=terms.term_months,
            is_cloud=sub.is_cloud,
            billing_email=sub.billing_email,
            products=products,
            schedule_csv_url=f"/invoicing/subscriptions/{segment(sub.number)}/schedule.csv",
            _id=sub.id,
            _entries=terms.entries,
            row=sub,
        )

    @strawberry.field(description="The subscription's billing schedule, one entry per invoice (R-I7…R-I13).")
    async def billing_schedule(self, info: Info[Context, None]) -> list[BillingScheduleEntryType]:
        issued = await IssuedScheduleInvoices.of(info.context).load(self._id)
        return [
            BillingScheduleEntryType.of(s, self.currency, issued)
            for s in svc.scheduled_invoices(self.row, self._entries)
        ]
