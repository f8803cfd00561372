"""Invoicing GraphQL types. Per-invoice lists (lines, payments applied) batch through DataLoaders, so a
page of invoices costs the same number of SQL statements whatever its size."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.context import Context
from core.db import as_records, one_of, records
from core.fields import computed_attributes, prefetched_in
from core.ids import to_global_id
from core.money import MoneyType, whole_units
from plugins.invoicing import service as svc
from plugins.invoicing.models import Application, Credit, Dispute, Invoice, InvoiceLine, Payment, Refund, Subscription


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
