"""Issuing invoices (R-I3, R-I5, R-I21), and emailing the invoice list (R-I2)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context, queue_email
from core.errors import BadUserInput
from core.i18n import LazyText, _, join
from core.models import Tenant
from core.money import CURRENCIES, Money, quantize
from plugins.invoicing.models import BillingProfile, Invoice, InvoiceLine
from plugins.invoicing.service.ledger import apply_open_credits
from plugins.invoicing.service.published import invoice_written
from plugins.invoicing.service.reads import status_filter
from plugins.invoicing.service.rules import (
    ZERO,
    _tenant_id,
    due_date_for,
    next_number,
    status_of,
    tax_for,
    tax_rate_for,
)


# ---- invoices ----------------------------------------------------------------------------------
@dataclass
class LineSpec:
    product: str
    pre_tax_amount: Decimal
    category: str = "SUBSCRIPTION"
    program: str = "TECHNOLOGY"
    product_family: str = ""
    bundles_license: bool = False
    description: str = ""
    quantity: Decimal = Decimal(1)
    tax_amount: Decimal | None = None  # None: the country's rate (core's country table)
    tax_rate: Decimal | None = None
    period_start: date | None = None
    period_end: date | None = None


@dataclass
class InvoiceSpec:
    currency: str
    country: str
    invoice_date: date
    billing_email: str
    lines: list[LineSpec]
    cc_emails: Sequence[str] = ()
    order_number: str | None = None
    po_number: str | None = None
    order_payment_method: str | None = None
    source: str = "MANUAL"
    source_key: str | None = None
    number: str | None = None
    subscription_id: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    rebill_of_id: int | None = None
    notify: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    buyer_name: str = ""  # default: the tenant's name
    buyer_address: str = ""
    buyer_tax_id: str = ""


async def _tenant_name(session: AsyncSession, tenant_id: int | None) -> str:
    if tenant_id is None:
        return ""
    return (await session.execute(select(Tenant.name).where(Tenant.id == tenant_id))).scalar_one_or_none() or ""


async def account_contacts(session: AsyncSession) -> tuple[str, list[str]]:
    """The billing profile's billing email and account contacts (R-I3)."""
    profile = (await session.execute(select(BillingProfile))).scalar_one_or_none()
    if profile is None:
        return "", []
    return profile.billing_email, [e for e in profile.account_contacts.split(",") if e]


async def create_invoice(
    session: AsyncSession,
    spec: InvoiceSpec,
    now: datetime,
    tenant_id: int | None = None,
    *,
    apply_credits: bool = True,
) -> Invoice:
    """Issue an invoice (R-I5: only for provisioned services — callers pass billable lines only).
    Taxes are computed per line, separate from the pre-tax amount (R-I21). Open credits of the same
    currency are applied at once (R-I19) unless ``apply_credits`` is False (a rebill: its own money
    comes first, R-I20). Idempotent per ``source_key``: the existing one is returned."""
    tid = _tenant_id(session, tenant_id)
    if spec.currency not in CURRENCIES:
        raise BadUserInput(_("Unknown currency '{currency}'", currency=spec.currency), field="currency")
    if not spec.lines:
        raise BadUserInput(_("An invoice needs at least one line"), field="lines")
    if spec.source_key:
        found = (
            await session.execute(
                select(Invoice).where(Invoice.tenant_id == tid, Invoice.source_key == spec.source_key)
            )
        ).scalar_one_or_none()
        if found is not None:
            return found
    number = spec.number or await next_number(session, "INV", tid)
    inv = Invoice(
        tenant_id=tid,
        number=number,
        source=spec.source,
        source_key=spec.source_key,
        order_number=spec.order_number,
        po_number=spec.po_number or None,
        order_payment_method=spec.order_payment_method,
        currency=spec.currency,
        country=(spec.country or "US").upper(),
        invoice_date=spec.invoice_date,
        due_date=due_date_for(spec.invoice_date),
        billing_email=spec.billing_email,
        cc_emails=",".join(sorted({e for e in spec.cc_emails if e and e != spec.billing_email})),
        buyer_name=(spec.buyer_name or await _tenant_name(session, tid))[:200],
        buyer_address=spec.buyer_address[:500],
        buyer_tax_id=spec.buyer_tax_id[:64],
        subscription_id=spec.subscription_id,
        period_start=spec.period_start,
        period_end=spec.period_end,
        rebill_of_id=spec.rebill_of_id,
        created_at=now,
        lines=[],
    )
    pre_tax = tax = ZERO
    default_rate = tax_rate_for(inv.country)
    for i, ls in enumerate(spec.lines):
        amount = quantize(Decimal(ls.pre_tax_amount), spec.currency)
        if amount < 0:
            raise BadUserInput(_("lines[{i}].preTaxAmount must not be negative", i=i), field="lines")
        if ls.tax_amount is not None:  # given (import): keep it, and the effective rate for rebills
            line_tax = quantize(Decimal(ls.tax_amount), spec.currency)
            rate = ls.tax_rate if ls.tax_rate is not None else _effective_rate(line_tax, amount)
        else:
            rate = default_rate if ls.tax_rate is None else ls.tax_rate
            line_tax = tax_for(amount, rate, spec.currency)
        inv.lines.append(
            InvoiceLine(
                tenant_id=tid,
                position=i,
                product=ls.product,
                description=ls.description,
                category=ls.category,
                program=ls.program,
                product_family=ls.product_family,
                bundles_license=ls.bundles_license,
                quantity=ls.quantity,
                pre_tax_amount=amount,
                tax_rate=rate,
                tax_amount=line_tax,
                period_start=ls.period_start,
                period_end=ls.period_end,
            )
        )
        pre_tax += amount
        tax += line_tax
    inv.pre_tax_total, inv.tax_total, inv.total = pre_tax, tax, pre_tax + tax
    inv.balance = inv.total
    session.add(inv)
    await session.flush()
    if spec.notify and inv.billing_email:
        # R-I3: to the billing email of the order; account contacts copied.
        queue_email(
            session,
            now,
            tid,
            inv.billing_email,
            _(
                "Invoice {number}: {total} due {due}",
                number=inv.number,
                total=Money(inv.total, inv.currency),
                due=inv.due_date,
            ),
            invoice_issued_body(inv),
            kind="invoice.issued",
            cc=[e for e in inv.cc_emails.split(",") if e],
        )
    if apply_credits:
        await apply_open_credits(session, inv.currency, now)
    if spec.source != "IMPORT":  # the import publishes invoice.imported once the item is written
        await invoice_written(session, inv)
    return inv


def _effective_rate(tax: Decimal, pre_tax: Decimal) -> Decimal:
    return (tax / pre_tax).quantize(Decimal("0.000001")) if pre_tax else Decimal(0)


def invoice_issued_body(inv: Invoice) -> LazyText:
    """R-I3's email: the invoice's total, tax and due date (and PO, R-I15), in the reader's language."""
    return join(
        [
            _(
                "Invoice {number} for {total} (tax {tax}) is due on {due}.",
                number=inv.number,
                total=Money(inv.total, inv.currency),
                tax=Money(inv.tax_total, inv.currency),
                due=inv.due_date,
            ),
            *([_("PO {po_number}.", po_number=inv.po_number)] if inv.po_number else []),
            _("Pay it in the customer center."),
        ],
        sep=" ",
    )


# A status as a reader reads it (the value itself is a machine value of the graph and CSV).
STATUS_NAMES = {"OPEN": _("open"), "OVERDUE": _("overdue"), "CLOSED": _("closed")}


# ---- the invoice list by email (R-I2) --------------------------------------------------------------
def invoice_list_text(invoices: Iterable[Invoice], today: date) -> LazyText:
    """The emailed invoice list: one line per invoice with its dates, status, total and balance."""
    return join(
        _(
            "{number}  {date}  due {due}  {status}  {total}  balance {balance}",
            number=i.number,
            date=i.invoice_date,
            due=i.due_date,
            status=STATUS_NAMES.get(status_of(i.balance, i.due_date, today), status_of(i.balance, i.due_date, today)),
            total=Money(i.total, i.currency),
            balance=Money(i.balance, i.currency),
        )
        for i in invoices
    )


async def email_invoice_list(ctx: Context, status: str | None = None) -> tuple[str, int]:
    """Email the caller (``invoice:email_list``) their invoice list, newest first, optionally of one
    status. Returns the address and how many invoices the list holds."""
    ctx.require_tenant()
    ctx.require("invoice", "email_list")
    today = ctx.today()
    stmt = status_filter(select(Invoice), status, today)
    rows = list((await ctx.session.execute(stmt.order_by(Invoice.invoice_date.desc(), Invoice.id.desc()))).scalars())
    body = invoice_list_text(rows, today)
    label = STATUS_NAMES.get(status, status) if status else _("all")
    ctx.send_email(
        ctx.principal.email,
        _("Your invoices ({label}): {count}", label=label, count=len(rows)),
        body if rows else _("No invoices."),
        kind="invoicing.invoice_list",
    )
    return ctx.principal.email, len(rows)
