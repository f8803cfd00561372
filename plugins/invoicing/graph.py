"""Invoicing GraphQL: types, queries and mutations. Resolvers authorize (Casbin, one decision per
request) and call service.py; per-invoice lists (lines, payments applied) batch through DataLoaders,
so a page of invoices costs the same number of SQL statements whatever its size."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.context import Context
from core.db import as_records, one_of, records, tenant_session
from core.errors import BadUserInput, NotFound
from core.fields import computed_attributes, prefetched_in
from core.idempotency import MAX_KEY, idempotent
from core.ids import from_global_id, to_global_id
from core.money import MoneyType, whole_units
from core.pagination import Connection, connection, keyset_page, selects_node_field
from core.secret import secret_field
from plugins.invoicing import service as svc
from plugins.invoicing.gateway import get_gateway
from plugins.invoicing.models import (
    Application,
    BillingProfile,
    Credit,
    Dispute,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentMethod,
    PoChangeRequest,
    Refund,
    Subscription,
)


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


@computed_attributes
@strawberry.type(name="InvoiceLine", description="A product on an invoice; tax separate from pre-tax (R-I21).")
class InvoiceLineType:
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


@strawberry.type(description="A ledger row: money of a payment or credit applied to (or taken off) an invoice.")
class AppliedPayment:
    payment_number: str | None
    credit_number: str | None
    method: str
    kind: str
    amount: MoneyType
    applied_at: datetime


@computed_attributes
@strawberry.type(name="Invoice")
class InvoiceType:
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
    source: str
    cancelled: bool
    period_start: date | None
    period_end: date | None
    document_url: str
    _id: strawberry.Private[int]
    row: strawberry.Private[Invoice]
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
            source=inv.source,
            cancelled=inv.cancelled,
            period_start=inv.period_start,
            period_end=inv.period_end,
            document_url=f"/invoicing/invoices/{inv.number}/document",
            _id=inv.id,
            row=inv,
        )

    @strawberry.field(
        description="Lines with pre-tax amount and tax separate (R-I21).", metadata=prefetched_in("page_lines")
    )
    def lines(self, info: Info[Context, None]) -> list[InvoiceLineType]:
        # Not ``async``: a page that loaded its lines answers synchronously; otherwise the
        # DataLoader's future, which graphql-core awaits like a coroutine.
        if self.page_lines is not None:
            return self.page_lines
        return _lines_loader(info.context).load((self._id, self.currency))  # type: ignore[return-value]

    @strawberry.field(description="Payments and credits applied to this invoice (payment history, R-I2).")
    async def payments(self, info: Info[Context, None]) -> list[AppliedPayment]:
        return await info.context.loader("invoicing.applied", _load_applied(info.context)).load(
            (self._id, self.currency)
        )


def _lines_loader(ctx: Context) -> DataLoader:
    return ctx.loader("invoicing.lines", _load_lines(ctx))


def _load_lines(ctx: Context) -> Any:
    async def load(keys: list[tuple[int, str]]) -> list[list[InvoiceLineType]]:
        ids = [k[0] for k in keys]
        rows = as_records(
            await ctx.session.execute(
                records(InvoiceLine)
                .where(one_of(ctx.session, InvoiceLine.invoice_id, ids))
                .order_by(InvoiceLine.position)
            )
        )
        by: dict[int, list[InvoiceLine]] = defaultdict(list)
        for ln in rows:
            by[ln.invoice_id].append(ln)
        return [[InvoiceLineType.of(ln, cur) for ln in by[i]] for i, cur in keys]

    return load


def _load_applied(ctx: Context) -> Any:
    async def load(keys: list[tuple[int, str]]) -> list[list[AppliedPayment]]:
        ids = [k[0] for k in keys]
        rows = (
            await ctx.session.execute(
                select(Application, Payment.number, Credit.number)
                .outerjoin(Payment, Payment.id == Application.payment_id)
                .outerjoin(Credit, Credit.id == Application.credit_id)
                .where(Application.invoice_id.in_(ids))
                .order_by(Application.id)
            )
        ).all()
        by: dict[int, list[tuple[Application, str | None, str | None]]] = defaultdict(list)
        for app, pnum, cnum in rows:
            by[app.invoice_id].append((app, pnum, cnum))
        return [
            [
                AppliedPayment(
                    payment_number=pnum,
                    credit_number=cnum,
                    method=a.method,
                    kind=a.kind,
                    amount=_money(a.amount, cur),
                    applied_at=a.created_at,
                )
                for a, pnum, cnum in by[i]
            ]
            for i, cur in keys
        ]

    return load


@strawberry.type
class PaymentAllocation:
    invoice_number: str
    amount: MoneyType


@strawberry.type(name="Payment")
class PaymentType:
    id: strawberry.ID
    number: str
    method: str
    status: str = strawberry.field(
        description="SUCCEEDED (money received and applied), FAILED (declined card, R-I18); a customer's wire "
        "notice, which is not money (R-I17): PENDING (announced), OVERDUE (no receipt by its expected day), "
        "MATCHED (the receipt arrived: it is its own SUCCEEDED payment)"
    )
    amount: MoneyType
    allocations: list[PaymentAllocation]
    card_last4: str | None
    reference: str
    failure_reason: str | None
    created_at: datetime
    arrives_on: date | None
    settles_on: date | None
    settled_at: datetime | None

    @classmethod
    def of(cls, p: Payment) -> PaymentType:
        return cls(
            id=strawberry.ID(to_global_id("Payment", p.id)),
            number=p.number,
            method=p.method,
            status=p.status,
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
        )


@strawberry.type(name="Credit", description="Overpayment or disputed payment held for the customer (R-I19, R-I20).")
class CreditType:
    id: strawberry.ID
    number: str
    source: str
    amount: MoneyType
    remaining: MoneyType
    created_at: datetime

    @classmethod
    def of(cls, c: Credit) -> CreditType:
        return cls(
            id=strawberry.ID(to_global_id("Credit", c.id)),
            number=c.number,
            source=c.source,
            amount=_money(c.amount, c.currency),
            remaining=_money(c.remaining, c.currency),
            created_at=c.created_at,
        )


@strawberry.type(name="Refund", description="Open credit returned to the customer (R-I19, R-I20).")
class RefundType:
    id: strawberry.ID
    number: str
    status: RefundStatus
    amount: MoneyType
    credit_number: str = strawberry.field(description="The credit the money came from.")
    credit_source: str = strawberry.field(description="OVERPAYMENT or DISPUTE.")
    payment_number: str | None = strawberry.field(description="The payment whose money the credit holds.")
    requested_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str


async def _refund_types(ctx: Context, refunds: list[Refund]) -> list[RefundType]:
    credits = {
        c.id: c
        for c in (
            await ctx.session.execute(select(Credit).where(Credit.id.in_({r.credit_id for r in refunds})))
        ).scalars()
    }
    payment_ids = {c.payment_id for c in credits.values() if c.payment_id}
    numbers = dict(
        (await ctx.session.execute(select(Payment.id, Payment.number).where(Payment.id.in_(payment_ids)))).all()
    )
    out = []
    for r in refunds:
        credit = credits[r.credit_id]
        out.append(
            RefundType(
                id=strawberry.ID(to_global_id("Refund", r.id)),
                number=r.number,
                status=RefundStatus(r.status),
                amount=_money(r.amount, r.currency),
                credit_number=credit.number,
                credit_source=credit.source,
                payment_number=numbers.get(credit.payment_id),
                requested_by=r.actor_email,
                created_at=r.created_at,
                decided_by=r.decided_by,
                decided_at=r.decided_at,
                decision_note=r.decision_note,
            )
        )
    return out


async def _refund_result(ctx: Context, number: str) -> RefundType:
    refund = (await ctx.session.execute(select(Refund).where(Refund.number == number))).scalar_one()
    return (await _refund_types(ctx, [refund]))[0]


@strawberry.type(name="Dispute")
class DisputeType:
    id: strawberry.ID
    number: str
    invoice_number: str
    status: str
    reason: str
    opened_by: str
    opened_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_note: str
    rebill_invoice_number: str | None


async def _dispute_types(ctx: Context, disputes: list[Dispute]) -> list[DisputeType]:
    ids = {d.invoice_id for d in disputes} | {d.rebill_invoice_id for d in disputes if d.rebill_invoice_id}
    numbers = dict((await ctx.session.execute(select(Invoice.id, Invoice.number).where(Invoice.id.in_(ids)))).all())
    return [
        DisputeType(
            id=strawberry.ID(to_global_id("Dispute", d.id)),
            number=d.number,
            invoice_number=numbers[d.invoice_id],
            status=d.status,
            reason=d.reason,
            opened_by=d.opened_by,
            opened_at=d.opened_at,
            resolved_by=d.resolved_by,
            resolved_at=d.resolved_at,
            resolution_note=d.resolution_note,
            rebill_invoice_number=numbers.get(d.rebill_invoice_id) if d.rebill_invoice_id else None,
        )
        for d in disputes
    ]


@strawberry.type(description="A saved card: token-backed, only the last four digits are kept.")
class SavedCard:
    id: strawberry.ID
    label: str
    last4: str | None
    exp_month: int | None
    exp_year: int | None
    expired: bool
    is_default: bool


@strawberry.type
class AmountDue:
    currency: str
    invoices: int
    amount: MoneyType
    overdue: MoneyType


@strawberry.type(name="BillingProfile", description="R-I14: payments due, contacts, payment methods, plans.")
class BillingProfileType:
    billing_email: str
    account_contacts: list[str]
    payments_due: list[AmountDue]
    cards: list[SavedCard]
    open_credits: list[CreditType]
    po_change_requests: list[PoChangeRequestType]


@strawberry.type(name="PoChangeRequest")
class PoChangeRequestType:
    id: strawberry.ID
    invoice_number: str
    po_number: str
    document_name: str
    status: str
    requested_by: str
    created_at: datetime


@strawberry.type
class InvoiceCounts:
    overdue: int
    open: int
    closed: int


@strawberry.type
class PaymentResult:
    payment: PaymentType
    invoices: list[InvoiceType]


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


@strawberry.type(name="Subscription")
class SubscriptionType:
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
    schedule_csv_url: str
    _id: strawberry.Private[int]
    _entries: strawberry.Private[list]

    @classmethod
    def of(cls, sub: Subscription) -> SubscriptionType:
        from plugins.invoicing.jobs import billables

        term = svc.months_between(sub.start_date, sub.end_date)
        c = sub.currency
        products = []
        for p in sub.products:
            months = svc.months_between(max(p.provisioned_on or sub.start_date, sub.start_date), sub.end_date)
            products.append(
                SubscriptionProductType(
                    key=p.line_key,
                    order_number=p.order_number,
                    product=p.product,
                    category=p.category,
                    program=p.program,
                    product_family=p.product_family,
                    amount=_money(p.amount, c),
                    charge=_money(svc.prorated_charge(p.amount, term, months, p.pooled, c), c),
                    term_months=months,
                    pooled=p.pooled,
                    payment_method=p.payment_method,
                    po_number=p.po_number,
                    provisioned_on=p.provisioned_on,
                    subscribed_quantity=p.subscribed_quantity,
                    burst_limit=p.subscribed_quantity * svc.BURST_MAX_FACTOR,
                    hourly_price=p.hourly_price,
                )
            )
        entries = svc.build_schedule(sub.start_date, sub.end_date, sub.frequency, billables(sub), c)
        return cls(
            id=strawberry.ID(to_global_id("Subscription", sub.id)),
            number=sub.number,
            name=sub.name,
            currency=c,
            country=sub.country,
            frequency=sub.frequency,
            start_date=sub.start_date,
            end_date=sub.end_date,
            term_months=term,
            is_cloud=sub.is_cloud,
            billing_email=sub.billing_email,
            products=products,
            schedule_csv_url=f"/invoicing/subscriptions/{sub.number}/schedule.csv",
            _id=sub.id,
            _entries=entries,
        )

    @strawberry.field(description="The subscription's billing schedule, one entry per invoice (R-I7…R-I13).")
    async def billing_schedule(self, info: Info[Context, None]) -> list[BillingScheduleEntryType]:
        issued = await info.context.loader("invoicing.sched_issued", _load_issued(info.context)).load(self._id)
        return schedule_entries(self.number, self.currency, self._entries, issued)


def schedule_entries(
    number: str, currency: str, entries: list, issued: dict[str, str]
) -> list[BillingScheduleEntryType]:
    out = []
    for (bill, method, po), items in sorted(svc.group_entries(entries).items()):
        total = sum((e.amount for e in items), Decimal(0))
        out.append(
            BillingScheduleEntryType(
                bill_date=bill,
                payment_method=method,
                po_number=po or None,
                amount=_money(total, currency),
                display_amount=whole_units(total),
                invoice_number=issued.get(f"schedule:{number}:{bill.isoformat()}:{method}:{po}"),
                lines=[
                    BillingScheduleLineType(
                        product_key=e.product.key,
                        product=e.product.product,
                        order_number=e.product.order_number,
                        period_start=e.period_start,
                        period_end=e.period_end,
                        amount=_money(e.amount, currency),
                    )
                    for e in items
                ],
            )
        )
    return out


def _load_issued(ctx: Context) -> Any:
    async def load(ids: list[int]) -> list[dict[str, str]]:
        rows = (
            await ctx.session.execute(
                select(Invoice.subscription_id, Invoice.source_key, Invoice.number).where(
                    Invoice.subscription_id.in_(ids), Invoice.source == "SCHEDULE"
                )
            )
        ).all()
        by: dict[int, dict[str, str]] = defaultdict(dict)
        for sid, key, num in rows:
            by[sid][key] = num
        return [by[i] for i in ids]

    return load


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


# ------------------------------------------------------------------------------------ helpers
async def invoices_by_numbers(ctx: Context, numbers: list[str]) -> list[InvoiceType]:
    rows = {
        i.number: i for i in (await ctx.session.execute(select(Invoice).where(Invoice.number.in_(numbers)))).scalars()
    }
    return [InvoiceType.of(rows[n], ctx.today()) for n in numbers if n in rows]


async def _payment_result(ctx: Context, out: dict[str, Any]) -> PaymentResult:
    payment = (await ctx.session.execute(select(Payment).where(Payment.number == out["payment"]))).scalar_one()
    return PaymentResult(payment=PaymentType.of(payment), invoices=await invoices_by_numbers(ctx, out["invoices"]))


def _items(items: list[PayInvoiceItem]) -> list[svc.PayItem]:
    return [svc.PayItem(i.invoice_number, i.amount) for i in items]


# ------------------------------------------------------------------------------------ queries
@strawberry.type
class InvoicingQuery:
    @strawberry.field(description="Invoices, newest first, optionally by status (R-I1).")
    async def invoices(
        self,
        info: Info[Context, None],
        status: InvoiceStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[InvoiceType]:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "view")
        today = ctx.today()
        stmt = svc.status_filter(records(Invoice), status.value if status else None, today)
        rows, page, total, cursors = await keyset_page(
            ctx.session,
            stmt,
            [(Invoice.invoice_date, True), (Invoice.id, True)],
            first=first,
            after=after,
            key_of=lambda i: (i.invoice_date, i.id),
        )
        nodes = [InvoiceType.of(i, today) for i in rows]
        if selects_node_field(info, "lines"):
            loaded = await _lines_loader(ctx).load_many([(n._id, n.currency) for n in nodes])
            for node, lines in zip(nodes, loaded, strict=True):
                node.page_lines = lines
        return connection(nodes, page, total, cursors)

    @strawberry.field(description="How many invoices are overdue, open and closed (R-I1).")
    async def invoice_counts(self, info: Info[Context, None]) -> InvoiceCounts:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "view")
        today = ctx.today()
        counts = {}
        for s in svc.STATUSES:
            stmt = svc.status_filter(select(func.count(Invoice.id)), s, today)
            counts[s] = (await ctx.session.execute(stmt)).scalar_one()
        return InvoiceCounts(overdue=counts["OVERDUE"], open=counts["OPEN"], closed=counts["CLOSED"])

    @strawberry.field(description="One invoice by its number (R-I2).")
    async def invoice(self, info: Info[Context, None], number: str) -> InvoiceType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "view")
        return InvoiceType.of(await svc.invoice_by_number(ctx.session, number), ctx.today())

    @strawberry.field(description="Payment history, newest first (R-I2).")
    async def invoice_payments(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[PaymentType]:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "view")
        rows, page, total, cursors = await keyset_page(
            ctx.session, select(Payment), [(Payment.id, True)], first=first, after=after, key_of=lambda p: (p.id,)
        )
        return connection([PaymentType.of(p) for p in rows], page, total, cursors)

    @strawberry.field(description="Refunds of credit, newest first, optionally by status (R-I19, R-I20).")
    async def invoice_refunds(
        self,
        info: Info[Context, None],
        status: RefundStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RefundType]:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "view")
        stmt = select(Refund)
        if status is not None:
            stmt = stmt.where(Refund.status == status.value)
        rows, page, total, cursors = await keyset_page(
            ctx.session, stmt, [(Refund.id, True)], first=first, after=after, key_of=lambda r: (r.id,)
        )
        return connection(await _refund_types(ctx, list(rows)), page, total, cursors)

    @strawberry.field(description="Credits (overpayments, disputed payments) and what is left of each (R-I19).")
    async def invoice_credits(self, info: Info[Context, None], open_only: bool = False) -> list[CreditType]:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "view")
        stmt = select(Credit).order_by(Credit.id.desc()).limit(200)
        if open_only:
            stmt = stmt.where(Credit.remaining > 0)
        return [CreditType.of(c) for c in (await ctx.session.execute(stmt)).scalars()]

    @strawberry.field(description="Disputes, newest first (R-I20).")
    async def invoice_disputes(self, info: Info[Context, None], status: str | None = None) -> list[DisputeType]:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "view")
        stmt = select(Dispute).order_by(Dispute.id.desc()).limit(200)
        if status:
            stmt = stmt.where(Dispute.status == status)
        return await _dispute_types(ctx, list((await ctx.session.execute(stmt)).scalars()))

    @strawberry.field(description="Subscriptions (plans on the account) with their billing schedules (R-I14).")
    async def subscriptions(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[SubscriptionType]:
        from sqlalchemy.orm import selectinload

        ctx = info.context
        ctx.require_tenant()
        ctx.require("billing_profile", "view")
        rows, page, total, cursors = await keyset_page(
            ctx.session,
            select(Subscription).options(selectinload(Subscription.products)),
            [(Subscription.id, False)],
            first=first,
            after=after,
            key_of=lambda s: (s.id,),
        )
        return connection([SubscriptionType.of(s) for s in rows], page, total, cursors)

    @strawberry.field(description="One subscription by number with its billing schedule.")
    async def subscription(self, info: Info[Context, None], number: str) -> SubscriptionType:
        from sqlalchemy.orm import selectinload

        ctx = info.context
        ctx.require_tenant()
        ctx.require("billing_profile", "view")
        sub = (
            await ctx.session.execute(
                select(Subscription).where(Subscription.number == number).options(selectinload(Subscription.products))
            )
        ).scalar_one_or_none()
        if sub is None:
            raise NotFound(f"No subscription {number!r}", field="number")
        return SubscriptionType.of(sub)

    @strawberry.field(description="The billing profile (R-I14).")
    async def billing_profile(self, info: Info[Context, None]) -> BillingProfileType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("billing_profile", "view")
        return await _profile(ctx)


async def _profile(ctx: Context) -> BillingProfileType:
    today = ctx.today()
    profile = (await ctx.session.execute(select(BillingProfile))).scalar_one_or_none()
    due_rows = (
        await ctx.session.execute(
            select(Invoice.currency, Invoice.due_date, func.count(Invoice.id), func.sum(Invoice.balance))
            .where(Invoice.balance > 0)
            .group_by(Invoice.currency, Invoice.due_date)
        )
    ).all()
    due: dict[str, list[Any]] = {}
    for currency, due_date, n, amount in due_rows:
        overdue = due_date < today
        entry = due.setdefault(currency, [0, Decimal(0), Decimal(0)])
        entry[0] += n
        entry[1] += Decimal(amount)
        if overdue:
            entry[2] += Decimal(amount)
    cards = (
        await ctx.session.execute(
            select(PaymentMethod).where(PaymentMethod.removed.is_(False)).order_by(PaymentMethod.id)
        )
    ).scalars()
    credits = (await ctx.session.execute(select(Credit).where(Credit.remaining > 0).order_by(Credit.id))).scalars()
    po_rows = (
        await ctx.session.execute(
            select(PoChangeRequest, Invoice.number)
            .join(Invoice, Invoice.id == PoChangeRequest.invoice_id)
            .order_by(PoChangeRequest.id.desc())
            .limit(50)
        )
    ).all()
    return BillingProfileType(
        billing_email=profile.billing_email if profile else "",
        account_contacts=[e for e in (profile.account_contacts if profile else "").split(",") if e],
        payments_due=[
            AmountDue(currency=c, invoices=n, amount=_money(a, c), overdue=_money(o, c))
            for c, (n, a, o) in sorted(due.items())
        ],
        cards=[
            SavedCard(
                id=strawberry.ID(to_global_id("SavedCard", pm.id)),
                label=pm.label,
                last4=pm.last4,
                exp_month=pm.exp_month,
                exp_year=pm.exp_year,
                expired=svc.card_expired(pm, today),
                is_default=pm.is_default,
            )
            for pm in cards
        ],
        open_credits=[CreditType.of(c) for c in credits],
        po_change_requests=[
            PoChangeRequestType(
                id=strawberry.ID(to_global_id("PoChangeRequest", r.id)),
                invoice_number=num,
                po_number=r.po_number,
                document_name=r.document_name,
                status=r.status,
                requested_by=r.requested_by,
                created_at=r.created_at,
            )
            for r, num in po_rows
        ],
    )


# ------------------------------------------------------------------------------------ mutations
@strawberry.type
class InvoicingMutation:
    @strawberry.mutation(
        description="Pay one or several invoices by card or wire (R-I16…R-I19). A declined card returns a "
        "FAILED payment (retry with another card, or pay by wire). Replaying an idempotencyKey returns the "
        "first result."
    )
    async def pay_invoices(self, info: Info[Context, None], input: PayInvoicesInput) -> PaymentResult:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "pay")
        saved = from_global_id(input.saved_card_id, "SavedCard") if input.saved_card_id else None
        req = svc.PayRequest(
            items=_items(input.invoices),
            method=input.method.value,
            card_token=input.card_token,
            payment_method_id=saved,
            wire_amount=input.wire_amount,
            reference=input.reference,
        )

        request = {
            "items": [(i.invoice_number, str(i.amount)) for i in req.items],
            "method": req.method,
            "token": req.card_token,
            "saved": saved,
            "wire": str(input.wire_amount),
        }
        cited = [i.invoice_number.strip() for i in req.items]
        if req.method == "CARD":
            # The card's intent carries the idempotency key (see service.pay_by_card): the charge must
            # happen between two transactions, so the request's single-transaction replay does not fit.
            key = input.idempotency_key
            if key is not None and (not key.strip() or len(key) > MAX_KEY):
                raise BadUserInput(f"idempotencyKey must be 1 to {MAX_KEY} characters", field="idempotencyKey")
            tenant_id = ctx.tenant_id

            def begin() -> AbstractAsyncContextManager[AsyncSession]:
                return tenant_session(ctx.state.sessionmaker, tenant_id)

            p = await svc.pay_invoices(
                ctx.session,
                req,
                ctx.principal.email,
                ctx.now(),
                get_gateway(ctx.state),
                begin=begin,
                idempotency_key=key,
                request_hash=hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest(),
            )
            return await _payment_result(ctx, {"payment": p.number, "invoices": cited})

        async def run() -> dict[str, Any]:
            p = await svc.pay_invoices(ctx.session, req, ctx.principal.email, ctx.now(), get_gateway(ctx.state))
            return {"payment": p.number, "invoices": cited}

        return await _payment_result(ctx, await idempotent(ctx, "invoicing.pay", input.idempotency_key, request, run))

    @strawberry.mutation(description="Billing support: record money received for cited invoices (R-I17, R-I19).")
    async def record_invoice_payment(self, info: Info[Context, None], input: RecordPaymentInput) -> PaymentResult:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("payment", "record")
        items = _items(input.invoices)

        async def run() -> dict[str, Any]:
            p = await svc.record_payment(
                ctx.session, items, input.method.value, input.amount, input.reference, ctx.principal.email, ctx.now()
            )
            return {"payment": p.number, "invoices": [i.invoice_number.strip() for i in items]}

        request = {
            "items": [(i.invoice_number, str(i.amount)) for i in items],
            "method": input.method.value,
            "amount": str(input.amount),
            "ref": input.reference,
        }
        return await _payment_result(
            ctx, await idempotent(ctx, "invoicing.record", input.idempotency_key, request, run)
        )

    @strawberry.mutation(
        description="Billing support: record money that arrived at the bank for an invoice (R-I17). It matches "
        "the customer's wire notice, closes the invoice up to its balance and any excess becomes credit "
        "(R-I19). The receipt's currency must be the invoice's; its bankReference is recorded once."
    )
    async def record_wire_receipt(self, info: Info[Context, None], input: RecordWireReceiptInput) -> PaymentResult:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("payment", "record")
        receipt = svc.Receipt(
            amount=input.amount,
            currency=input.currency,
            received_on=input.received_on,
            bank_reference=input.bank_reference,
            invoice_number=input.invoice_number,
            payer_reference=input.payer_reference,
        )
        p, _ = await svc.record_receipt(ctx.session, receipt, ctx.principal.email, ctx.now())
        return await _payment_result(ctx, {"payment": p.number, "invoices": sorted(p.allocation)})

    @strawberry.mutation(description="Dispute an invoice by number (R-I20).")
    async def open_invoice_dispute(self, info: Info[Context, None], invoice_number: str, reason: str) -> DisputeType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "dispute")
        d = await svc.open_dispute(ctx.session, invoice_number, reason, ctx.principal.email, ctx.now())
        return (await _dispute_types(ctx, [d]))[0]

    @strawberry.mutation(description="Billing support: resolve a dispute — rebill, cancel or reject (R-I20).")
    async def resolve_invoice_dispute(self, info: Info[Context, None], input: ResolveDisputeInput) -> DisputeType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("dispute", "resolve")

        async def run() -> dict[str, Any]:
            d = await svc.resolve_dispute(
                ctx.session,
                input.dispute_number,
                input.outcome.value,
                ctx.principal.email,
                ctx.now(),
                rebill_lines=[svc.RebillLine(r.position, r.pre_tax_amount) for r in input.rebill_lines],
                note=input.note,
            )
            return {"dispute": d.number}

        request = {
            "d": input.dispute_number,
            "o": input.outcome.value,
            "lines": [(r.position, str(r.pre_tax_amount)) for r in input.rebill_lines],
        }
        out = await idempotent(ctx, "invoicing.dispute", input.idempotency_key, request, run)
        d = (await ctx.session.execute(select(Dispute).where(Dispute.number == out["dispute"]))).scalar_one()
        return (await _dispute_types(ctx, [d]))[0]

    @strawberry.mutation(
        description="Refund an open credit when no unpaid invoices are left for it (R-I19). Above the approval "
        "limit the refund is PENDING_APPROVAL until billing support approves it."
    )
    async def refund_invoice_credit(
        self, info: Info[Context, None], credit_number: str, idempotency_key: str | None = None
    ) -> RefundType:
        ctx = info.context
        ctx.require_tenant()
        if not (ctx.allowed("invoice", "pay") or ctx.allowed("payment", "record")):
            ctx.require("invoice", "pay")

        async def run() -> dict[str, Any]:
            r = await svc.request_refund(
                ctx.session,
                credit_number,
                ctx.principal.email,
                ctx.now(),
                approval_above_usd=ctx.state.settings.invoicing_refund_approval_usd,
            )
            return {"refund": r.number}

        out = await idempotent(ctx, "invoicing.refund", idempotency_key, {"credit": credit_number}, run)
        return await _refund_result(ctx, out["refund"])

    @strawberry.mutation(description="Billing support: approve a refund waiting for approval; it is paid out.")
    async def approve_invoice_refund(self, info: Info[Context, None], refund_number: str, note: str = "") -> RefundType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("refund", "approve")
        r = await svc.decide_refund(ctx.session, refund_number, True, ctx.principal.email, ctx.now(), note)
        return await _refund_result(ctx, r.number)

    @strawberry.mutation(
        description="Billing support: reject a refund waiting for approval; its amount goes back to the credit."
    )
    async def reject_invoice_refund(self, info: Info[Context, None], refund_number: str, note: str) -> RefundType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("refund", "approve")
        r = await svc.decide_refund(ctx.session, refund_number, False, ctx.principal.email, ctx.now(), note)
        return await _refund_result(ctx, r.number)

    @strawberry.mutation(description="Email the invoice list (optionally one status) to yourself (R-I2).")
    async def email_invoice_list(
        self, info: Info[Context, None], status: InvoiceStatus | None = None
    ) -> EmailedInvoiceList:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "email_list")
        today = ctx.today()
        stmt = svc.status_filter(select(Invoice), status.value if status else None, today)
        rows = list(
            (await ctx.session.execute(stmt.order_by(Invoice.invoice_date.desc(), Invoice.id.desc()))).scalars()
        )
        body = "\n".join(
            f"{i.number}  {i.invoice_date.isoformat()}  due {i.due_date.isoformat()}  "
            f"{svc.status_of(i.balance, i.due_date, today):<8} {i.currency} {i.total}  balance {i.balance}"
            for i in rows
        )
        label = status.value.lower() if status else "all"
        ctx.send_email(
            ctx.principal.email,
            f"Your invoices ({label}): {len(rows)}",
            body or "No invoices.",
            kind="invoicing.invoice_list",
        )
        return EmailedInvoiceList(to=ctx.principal.email, invoices=len(rows))

    @strawberry.mutation(description="Update the billing contact and account contacts (R-I14, R-I3).")
    async def update_billing_profile(
        self,
        info: Info[Context, None],
        billing_email: str | None = None,
        account_contacts: list[str] | None = None,
    ) -> BillingProfileType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("billing_profile", "manage")
        await svc.update_billing_profile(ctx.session, billing_email, account_contacts, ctx.now())
        return await _profile(ctx)

    @strawberry.mutation(description="Save a card (gateway token; last four digits kept) (R-I14).")
    async def add_billing_card(self, info: Info[Context, None], input: AddCardInput) -> BillingProfileType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("billing_profile", "manage")
        await svc.add_card(
            ctx.session, input.token, input.exp_month, input.exp_year, input.label, input.make_default, ctx.now()
        )
        return await _profile(ctx)

    @strawberry.mutation(description="Remove a saved card (R-I14).")
    async def remove_billing_card(self, info: Info[Context, None], id: strawberry.ID) -> BillingProfileType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("billing_profile", "manage")
        pm = await ctx.session.get(PaymentMethod, from_global_id(id, "SavedCard"))
        if pm is None or pm.tenant_id != ctx.tenant_id or pm.removed:
            raise NotFound("No such saved card", field="id")
        pm.removed, pm.is_default, pm.token = True, False, None
        await ctx.session.flush()
        return await _profile(ctx)

    @strawberry.mutation(description="Ask to add or change the PO on future invoices (R-I15).")
    async def request_po_change(
        self, info: Info[Context, None], invoice_number: str, po_number: str, po_document_name: str
    ) -> PoChangeRequestType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("billing_profile", "manage")
        if len(po_document_name) > 200:
            raise BadUserInput("poDocumentName is too long", field="poDocumentName")
        r = await svc.request_po_change(
            ctx.session, invoice_number, po_number, po_document_name, ctx.principal.email, ctx.now()
        )
        return PoChangeRequestType(
            id=strawberry.ID(to_global_id("PoChangeRequest", r.id)),
            invoice_number=invoice_number.strip(),
            po_number=r.po_number,
            document_name=r.document_name,
            status=r.status,
            requested_by=r.requested_by,
            created_at=r.created_at,
        )
