"""Invoicing rules (SPEC §3, R-I1…R-I21): invoices, the payment/credit ledger, card rules, wires,
disputes, billing schedules. Plain async functions over a tenant-bound session; resolvers only
authorize and call these.

Ledger invariant (checked by a property test): Σ settled payments = Σ net applications to invoices
+ Σ open credit + Σ refunds, exactly, in Decimal. Every function that moves money keeps it.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core import countries, exchange
from core.calendar import add_months
from core.context import queue_email
from core.db import is_postgres
from core.emails import normalise_email
from core.errors import AppError, BadUserInput, Conflict, Forbidden, NotFound, ServiceUnavailable
from core.money import CURRENCIES, parse_amount, quantize
from plugins.invoicing.gateway import GatewayError
from plugins.invoicing.models import (
    Application,
    BillingProfile,
    Credit,
    CreditNote,
    Dispute,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Payment,
    PaymentIntent,
    PaymentMethod,
    PoChangeRequest,
    Refund,
)

ZERO = Decimal("0.00")

# ---- rule constants ------------------------------------------------------------------------------
PAYMENT_TERMS_DAYS = 30  # R-I4: due = invoice date + 30 days; overdue from day 31
# R-I16's thresholds, the card countries and the exchange rates are core's (one table for checkout
# and invoice payment): core/countries.py, core/exchange.py.
CARD_MAX_TOTAL_USD = countries.CARD_MAX_TOTAL_USD
CARD_ONLY_BELOW_USD = countries.CARD_ONLY_BELOW_USD
WIRE_ARRIVAL_BUSINESS_DAYS = 2  # R-I17: a wire takes about two business days to arrive…
WIRE_CLOSE_BUSINESS_DAYS = 1  # …and one more to close the invoice
WEEKEND = frozenset({5, 6})  # Saturday, Sunday are not business days
PAY_METHODS = ("CARD", "WIRE")  # what a customer can pay with in the portal
RECORD_METHODS = ("WIRE", "CHECK", "CARD")  # what billing support records as received
ORDER_PAYMENT_METHODS = frozenset({"CARD", "PO", "INVOICE", "POEF", "WIRE"})
CATEGORIES = frozenset({"SUPPORT_RENEWAL", "SUBSCRIPTION", "LICENSE", "CLOUD_USAGE", "SERVICES"})
PROGRAMS = frozenset({"TECHNOLOGY", "APPLICATIONS"})
MAX_INVOICES_PER_PAYMENT = 50  # input lists are capped
MAX_REASON_CHARS = 2000
STATUSES = ("OVERDUE", "OPEN", "CLOSED")  # R-I1 (list order: needs attention first)


# ---- helpers -----------------------------------------------------------------------------------
def due_date_for(invoice_date: date) -> date:
    """R-I4: net 30 days from the invoice date."""
    return invoice_date + timedelta(days=PAYMENT_TERMS_DAYS)


def status_of(balance: Decimal, due: date, today: date) -> str:
    """R-I1: CLOSED when paid in full; OVERDUE from the day after the due date (day 31); else OPEN."""
    if balance <= 0:
        return "CLOSED"
    return "OVERDUE" if today > due else "OPEN"


def tax_rate_for(country: str) -> Decimal:
    """R-I21: the rate of the order's country, from core's country table."""
    return countries.tax_rate(country)


def tax_for(pre_tax: Decimal, rate: Decimal, currency: str) -> Decimal:
    return quantize(pre_tax * rate, currency)


def to_usd(amount: Decimal, currency: str, on: date) -> Decimal:
    """``amount`` in USD at core's rate of ``on`` (a typed error when there is none, never a guess)."""
    return exchange.to_usd(amount, currency, on)


def add_business_days(start: date, days: int) -> date:
    d = start
    while days > 0:
        d += timedelta(days=1)
        if d.weekday() not in WEEKEND:
            days -= 1
    return d


def _tenant_id(session: AsyncSession, tenant_id: int | None = None) -> int:
    tid = tenant_id if tenant_id is not None else session.info.get("tenant_id")
    if tid is None:
        raise BadUserInput("Choose a tenant first (X-Tenant header) for this operation")
    return tid


async def next_number(session: AsyncSession, prefix: str, tenant_id: int | None = None) -> str:
    """The tenant's next number for ``prefix`` (INV, PAY, CR, DSP); the counter row is locked."""
    tid = _tenant_id(session, tenant_id)
    stmt = select(InvoiceCounter).where(InvoiceCounter.tenant_id == tid, InvoiceCounter.name == prefix)
    if is_postgres(session):
        stmt = stmt.with_for_update()
    counter = (await session.execute(stmt)).scalar_one_or_none()
    if counter is None:
        counter = InvoiceCounter(tenant_id=tid, name=prefix, value=0)
        session.add(counter)
    counter.value += 1
    return f"{prefix}-{counter.value:06d}"


def _lock(session: AsyncSession, stmt: Any) -> Any:
    return stmt.with_for_update() if is_postgres(session) else stmt


async def invoice_by_number(session: AsyncSession, number: str, *, lock: bool = False) -> Invoice:
    stmt = select(Invoice).where(Invoice.number == (number or "").strip())
    if lock:
        stmt = _lock(session, stmt)
    inv = (await session.execute(stmt)).scalar_one_or_none()
    if inv is None:
        raise NotFound(f"No invoice {number!r}", field="invoiceNumber")
    return inv


def _recompute(inv: Invoice) -> None:
    inv.balance = inv.total - inv.credited_total - inv.applied_total
    if inv.balance < 0 or inv.applied_total < 0 or inv.credited_total < 0:  # a bug, never user input
        raise AssertionError(f"invoice {inv.number} ledger out of range: balance {inv.balance}")


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
        raise BadUserInput(f"Unknown currency {spec.currency!r}", field="currency")
    if not spec.lines:
        raise BadUserInput("An invoice needs at least one line", field="lines")
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
            raise BadUserInput(f"lines[{i}].preTaxAmount must not be negative", field="lines")
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
            f"Invoice {inv.number}: {inv.currency} {inv.total} due {inv.due_date.isoformat()}",
            f"Invoice {inv.number} for {inv.currency} {inv.total} (tax {inv.tax_total}) is due on "
            f"{inv.due_date.isoformat()}."
            + (f" PO {inv.po_number}." if inv.po_number else "")
            + " Pay it in the customer center.",
            kind="invoice.issued",
            cc=[e for e in inv.cc_emails.split(",") if e],
        )
    if apply_credits:
        await apply_open_credits(session, inv.currency, now)
    return inv


def _effective_rate(tax: Decimal, pre_tax: Decimal) -> Decimal:
    return (tax / pre_tax).quantize(Decimal("0.000001")) if pre_tax else Decimal(0)


# ---- the ledger --------------------------------------------------------------------------------
def _apply(
    session: AsyncSession,
    inv: Invoice,
    amount: Decimal,
    *,
    method: str,
    kind: str,
    now: datetime,
    payment: Payment | None = None,
    credit: Credit | None = None,
) -> None:
    """One signed ledger row moving ``amount`` of a payment or credit onto (or off) an invoice."""
    if amount == 0:
        return
    session.add(
        Application(
            tenant_id=inv.tenant_id,
            invoice_id=inv.id,
            payment_id=payment.id if payment else None,
            credit_id=credit.id if credit else None,
            method=method,
            amount=amount,
            kind=kind,
            created_at=now,
        )
    )
    inv.applied_total += amount
    if credit is not None:
        credit.remaining -= amount
        if credit.remaining < 0 or credit.remaining > credit.amount:
            raise AssertionError(f"credit {credit.number} out of range")
    _recompute(inv)


async def _new_credit(
    session: AsyncSession,
    *,
    tenant_id: int,
    currency: str,
    amount: Decimal,
    source: str,
    method: str,
    now: datetime,
    payment: Payment | None = None,
    dispute: Dispute | None = None,
) -> Credit:
    credit = Credit(
        tenant_id=tenant_id,
        number=await next_number(session, "CR", tenant_id),
        source=source,
        currency=currency,
        amount=amount,
        remaining=amount,
        method=method,
        payment_id=payment.id if payment else None,
        dispute_id=dispute.id if dispute else None,
        created_at=now,
    )
    session.add(credit)
    await session.flush()
    return credit


def payable(inv: Invoice) -> Decimal:
    """What a customer may still pay: the balance less wires they announced that are not overdue yet."""
    return max(inv.balance - inv.pending_total, ZERO)


async def apply_open_credits(
    session: AsyncSession, currency: str, now: datetime, *, credits: Sequence[Credit] | None = None
) -> Decimal:
    """R-I19: open credits close (fully or partly) unpaid invoices, earliest due first. Returns the
    amount applied."""
    if credits is None:
        credits = list(
            (
                await session.execute(
                    _lock(
                        session,
                        select(Credit)
                        .where(Credit.currency == currency, Credit.remaining > 0)
                        .order_by(Credit.created_at, Credit.id),
                    )
                )
            ).scalars()
        )
    credits = [c for c in credits if c.remaining > 0]
    if not credits:
        return ZERO
    invoices = list(
        (
            await session.execute(
                _lock(
                    session,
                    select(Invoice)
                    .where(Invoice.currency == currency, Invoice.balance > 0, Invoice.cancelled.is_(False))
                    .order_by(Invoice.due_date, Invoice.id),
                )
            )
        ).scalars()
    )
    applied = ZERO
    for inv in invoices:
        for credit in credits:
            room = payable(inv)
            if room <= 0:
                break
            take = min(room, credit.remaining)
            if take > 0:
                _apply(session, inv, take, method=credit.method, kind="CREDIT", now=now, credit=credit)
                applied += take
    await session.flush()
    return applied


# ---- refunds (R-I19, R-I20) ---------------------------------------------------------------------
REFUND_STATUSES = ("PENDING_APPROVAL", "APPROVED", "REJECTED")
# Money that came in as support rewards is never paid out in cash (R-W10): a credit holding it can
# still close invoices, but is not refunded.
NON_REFUNDABLE_METHODS = frozenset({"REWARDS"})


async def _new_refund(
    session: AsyncSession,
    credit: Credit,
    actor: str,
    now: datetime,
    *,
    status: str,
    decided_by: str | None = None,
) -> Refund:
    """Take the credit's open remainder off it into a refund. The money leaves the credit at once,
    approved or not, so a pending refund cannot also close an invoice nor be requested twice."""
    refund = Refund(
        tenant_id=credit.tenant_id,
        number=await next_number(session, "RF", credit.tenant_id),
        credit_id=credit.id,
        currency=credit.currency,
        amount=credit.remaining,
        status=status,
        actor_email=actor,
        created_at=now,
        decided_by=decided_by,
        decided_at=now if decided_by else None,
    )
    credit.remaining = ZERO
    session.add(refund)
    await session.flush()
    return refund


async def refund_credit(session: AsyncSession, credit: Credit, actor: str, now: datetime) -> Refund | None:
    """R-I20: billing support cancelling a paid invoice returns what is left of the freed payment; the
    resolution is their decision, so the refund is approved by it. Rewards are not refunded (R-W10)."""
    if credit.remaining <= 0 or credit.method in NON_REFUNDABLE_METHODS:
        return None
    return await _new_refund(session, credit, actor, now, status="APPROVED", decided_by=actor)


def refund_needs_approval(amount: Decimal, currency: str, approval_above_usd: Decimal, on: date) -> bool:
    return to_usd(amount, currency, on) > approval_above_usd


async def request_refund(
    session: AsyncSession, credit_number: str, actor: str, now: datetime, *, approval_above_usd: Decimal
) -> Refund:
    """R-I19: a credit is refunded only when no unpaid invoices are left for it to close, and never more
    than it holds — and a credit holds only money received. Above ``approval_above_usd`` (the setting
    ``invoicing_refund_approval_usd``) the refund waits in PENDING_APPROVAL for billing support."""
    credit = (
        await session.execute(_lock(session, select(Credit).where(Credit.number == (credit_number or "").strip())))
    ).scalar_one_or_none()
    if credit is None:
        raise NotFound(f"No credit {credit_number!r}", field="creditNumber")
    if credit.method in NON_REFUNDABLE_METHODS:
        raise Conflict(
            f"Credit {credit.number} holds support rewards, which are never paid out in cash (R-W10)",
            field="creditNumber",
        )
    if credit.remaining <= 0:
        raise Conflict(f"Credit {credit.number} has nothing left to refund")
    await apply_open_credits(session, credit.currency, now, credits=[credit])
    if credit.remaining <= 0:
        raise Conflict(f"Credit {credit.number} was used to close unpaid invoices; nothing left to refund")
    if refund_needs_approval(credit.remaining, credit.currency, approval_above_usd, now.date()):
        return await _new_refund(session, credit, actor, now, status="PENDING_APPROVAL")
    return await _new_refund(session, credit, actor, now, status="APPROVED", decided_by="auto")


async def decide_refund(
    session: AsyncSession, refund_number: str, approve: bool, actor: str, now: datetime, note: str = ""
) -> Refund:
    """Billing support approves (pays out) or rejects a refund waiting for approval. A rejected
    refund's amount goes back to its credit, which then closes unpaid invoices first (R-I19)."""
    note = (note or "").strip()
    if len(note) > 500:
        raise BadUserInput("note must be at most 500 characters", field="note")
    if not approve and not note:
        raise BadUserInput("Say why the refund is rejected (note)", field="note")
    refund = (
        await session.execute(_lock(session, select(Refund).where(Refund.number == (refund_number or "").strip())))
    ).scalar_one_or_none()
    if refund is None:
        raise NotFound(f"No refund {refund_number!r}", field="refundNumber")
    if refund.status != "PENDING_APPROVAL":
        raise Conflict(f"Refund {refund.number} is already {refund.status}")
    if refund.actor_email == actor:
        raise Forbidden("A refund is approved or rejected by someone other than the person who asked for it")
    refund.status = "APPROVED" if approve else "REJECTED"
    refund.decided_by, refund.decided_at, refund.decision_note = actor, now, note
    if not approve:
        credit = (
            await session.execute(_lock(session, select(Credit).where(Credit.id == refund.credit_id)))
        ).scalar_one()
        credit.remaining += refund.amount
        if credit.remaining > credit.amount:
            raise AssertionError(f"credit {credit.number} out of range")
        await apply_open_credits(session, credit.currency, now, credits=[credit])
    await session.flush()
    return refund


async def settle_payment(session: AsyncSession, payment: Payment, now: datetime) -> None:
    """Money has been received: apply it to the cited invoices (up to each balance); any excess becomes
    a credit (R-I19) that closes other unpaid invoices. Callers pass only money received — a confirmed
    card charge, a recorded or imported receipt, a redemption — never a wire notice."""
    excess = payment.amount
    for number, amount_s in sorted(payment.allocation.items()):
        amount = Decimal(amount_s)
        inv = await invoice_by_number(session, number, lock=True)
        take = min(amount, inv.balance) if not inv.cancelled else ZERO
        _apply(session, inv, take, method=payment.method, kind="PAYMENT", now=now, payment=payment)
        excess -= take
    payment.status = "SUCCEEDED"
    payment.settled_at = now
    await session.flush()
    if excess > 0:
        credit = await _new_credit(
            session,
            tenant_id=payment.tenant_id,
            currency=payment.currency,
            amount=excess,
            source="OVERPAYMENT",
            method=payment.method,
            now=now,
            payment=payment,
        )
        await apply_open_credits(session, payment.currency, now, credits=[credit])


# ---- payments ----------------------------------------------------------------------------------
@dataclass
class PayItem:
    invoice_number: str
    amount: Decimal | None = None  # None: the whole amount still payable


def cards_accepted(country: str) -> bool:
    return countries.cards_accepted(country)


def check_method_rules(invoices: Sequence[Invoice], method: str, charge: Decimal, currency: str, on: date) -> None:
    """R-I16 for one payment over ``invoices``, by core's rule (the one renewal checkout applies too).

    Card: each invoice's total (net + tax) and the charge are transactions of their own for the card
    limit, in the invoice's country. Other methods: the card-only threshold applies per order, so
    combining several orders in one payment never lifts them over it."""
    if method == "CARD":
        for inv in invoices:
            what = f"Invoice {inv.number}"
            countries.check_payment_method("CARD", inv.country, inv.total, inv.currency, on, field="method", what=what)
        what = "This card payment"
        countries.check_payment_method("CARD", invoices[0].country, charge, currency, on, field="method", what=what)
        return
    per_order: dict[str, Decimal] = defaultdict(lambda: ZERO)
    country_of: dict[str, str] = {}
    for inv in invoices:
        key = inv.order_number or f"invoice:{inv.number}"
        per_order[key] += inv.total
        country_of[key] = inv.country
    for key, total in per_order.items():
        what = f"Invoice {key.removeprefix('invoice:')}" if key.startswith("invoice:") else f"Order {key}"
        countries.check_payment_method(method, country_of[key], total, currency, on, field="method", what=what)


async def _load_for_payment(
    session: AsyncSession, items: Sequence[PayItem], *, received: bool = False
) -> tuple[list[Invoice], dict[str, Decimal]]:
    """The cited invoices (locked) and how much goes to each. A customer's payment may cover what is
    still payable — the balance less wires announced; money already ``received`` may cover the balance
    (the announced wire may be this very money)."""
    if not items:
        raise BadUserInput("Cite at least one invoice number (R-I17)", field="invoices")
    if len(items) > MAX_INVOICES_PER_PAYMENT:
        raise BadUserInput(f"At most {MAX_INVOICES_PER_PAYMENT} invoices per payment", field="invoices")
    numbers = [i.invoice_number.strip() for i in items]
    if len(set(numbers)) != len(numbers):
        raise BadUserInput("An invoice is cited twice", field="invoices")
    found = {
        inv.number: inv
        for inv in (
            await session.execute(
                _lock(
                    session, select(Invoice).where(Invoice.number.in_(numbers)).order_by(Invoice.id)
                ).execution_options(populate_existing=True)
            )
        ).scalars()
    }
    missing = [n for n in numbers if n not in found]
    if missing:
        raise NotFound(f"No invoice {missing[0]!r}", field="invoices")
    invoices = [found[n] for n in numbers]
    currencies = {inv.currency for inv in invoices}
    if len(currencies) > 1:
        raise BadUserInput("Invoices in different currencies cannot be paid together", field="invoices")
    currency = currencies.pop()
    allocation: dict[str, Decimal] = {}
    for item, inv in zip(items, invoices, strict=True):
        room = max(inv.balance, ZERO) if received else payable(inv)
        if inv.cancelled or room <= 0:
            raise BadUserInput(f"Invoice {inv.number} has nothing left to pay", field="invoices")
        if item.amount is None:
            amount = room
        else:
            amount = parse_amount(item.amount, currency)
            if amount > room:
                raise BadUserInput(
                    f"{currency} {amount} exceeds the {currency} {room} still due on {inv.number}", field="amount"
                )
        allocation[inv.number] = amount
    return invoices, allocation


@dataclass
class PayRequest:
    items: list[PayItem]
    method: str
    card_token: str | None = None
    payment_method_id: int | None = None
    wire_amount: Decimal | None = None  # a wire notice may announce more than is due
    reference: str = ""


# A separate transaction, bound to the caller's tenant, committed when the block ends.
Begin = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def pay_invoices(
    session: AsyncSession,
    req: PayRequest,
    actor: str,
    now: datetime,
    gateway: Any,
    *,
    begin: Begin | None = None,
    idempotency_key: str | None = None,
    request_hash: str = "",
) -> Payment:
    """Pay one or several invoices (R-I16…R-I19): by card (``pay_by_card``), or announce a wire
    (``notify_wire``). A declined card is recorded as a FAILED payment (not an error) so the customer
    can retry or switch to a wire (R-I18)."""
    if req.method not in PAY_METHODS:
        raise BadUserInput(f"method must be one of {', '.join(PAY_METHODS)}", field="method")
    if req.method == "CARD":
        return await pay_by_card(
            session, req, actor, now, gateway, begin=begin, idempotency_key=idempotency_key, request_hash=request_hash
        )
    return await notify_wire(session, req, actor, now)


async def notify_wire(session: AsyncSession, req: PayRequest, actor: str, now: datetime) -> Payment:
    """R-I17: the customer says a wire was sent — a remittance notice, not money. It changes no
    balance and creates no credit, whatever amount it announces: an invoice closes, and a credit
    exists, only once billing support records the receipt or the bank file is imported
    (``record_receipt``), which then matches this notice. Until then it shows as pending on the
    invoices (so the same amount is not paid twice), for about two business days to arrive and one
    more to close; the wire-notices job marks it OVERDUE after that and the invoices are payable again."""
    invoices, allocation = await _load_for_payment(session, req.items)
    currency = invoices[0].currency
    charge = sum(allocation.values(), ZERO)
    check_method_rules(invoices, "WIRE", charge, currency, now.date())
    announced = charge
    if req.wire_amount is not None:
        announced = parse_amount(req.wire_amount, currency, field="wireAmount")
        if announced < charge:
            raise BadUserInput(f"wireAmount must be at least the {currency} {charge} allocated", field="wireAmount")
    tid = invoices[0].tenant_id
    arrives = add_business_days(now.date(), WIRE_ARRIVAL_BUSINESS_DAYS)
    payment = Payment(
        tenant_id=tid,
        number=await next_number(session, "PAY", tid),
        method="WIRE",
        currency=currency,
        amount=announced,
        allocation={k: str(v) for k, v in allocation.items()},
        reference=req.reference[:200],
        actor_email=actor,
        created_at=now,
        status="PENDING",
        arrives_on=arrives,
        settles_on=add_business_days(arrives, WIRE_CLOSE_BUSINESS_DAYS),
    )
    for inv in invoices:
        inv.pending_total += allocation[inv.number]
    session.add(payment)
    await session.flush()
    return payment


# ---- card payments: intent → charge → settle ------------------------------------------------------
INTENT_WAIT_SECONDS = 15.0  # how long a repeat of an in-flight idempotency key waits for its outcome
INTENT_STALE_AFTER = timedelta(minutes=10)  # a claim this old is a crashed driver's: the job takes over


@dataclass(frozen=True)
class IntentView:
    """What a caller needs of an intent, read in one transaction and used in others."""

    id: int
    gateway_key: str
    token: str
    amount: Decimal
    currency: str
    description: str
    status: str
    claimed: bool
    payment_id: int | None
    mine: bool  # this caller must drive it: charge, then settle


def _view(intent: PaymentIntent, *, mine: bool) -> IntentView:
    return IntentView(
        id=intent.id,
        gateway_key=intent.gateway_key,
        token=intent.card_token,
        amount=intent.amount,
        currency=intent.currency,
        description=", ".join(sorted(intent.allocation)),
        status=intent.status,
        claimed=intent.claimed,
        payment_id=intent.payment_id,
        mine=mine,
    )


def _within(session: AsyncSession) -> Begin:
    """``session`` itself as the intent's transaction (the demo, the property test: no concurrency)."""

    @asynccontextmanager
    async def same() -> AsyncIterator[AsyncSession]:
        yield session

    return same


async def pay_by_card(
    session: AsyncSession,
    req: PayRequest,
    actor: str,
    now: datetime,
    gateway: Any,
    *,
    begin: Begin | None = None,
    idempotency_key: str | None = None,
    request_hash: str = "",
) -> Payment:
    """A card payment in three steps, so that a card is charged at most once whatever fails or runs
    at the same time (in other workers too):

    1. a PaymentIntent is committed in its own transaction (``begin``), holding the cited invoices:
       while it is open any other card payment of them is refused with CONFLICT;
    2. the gateway is charged outside any transaction, with the intent's ``gateway_key`` as its
       idempotency key — a repeat of the same intent never charges twice;
    3. the intent is settled in ``session`` (the request's transaction): the payment is recorded and
       applied (R-I17: card payments land at once), or recorded FAILED (R-I18); the hold is released.

    The intent cannot be written in the request's transaction: that one commits only after the
    charge, and a failure between the two would erase the only trace of a real charge. A crash after
    step 1 leaves a PENDING intent, finished by a retry with the same idempotency key or by the
    ``invoicing.reconcile_card_payments`` job, which asks the gateway what became of its key.
    A repeat of an idempotency key joins the first request's intent (waiting for its outcome on
    PostgreSQL, where requests run in parallel) and answers its payment."""
    opener = begin or _within(session)
    intent = await _open_intent(opener, req, actor, now, idempotency_key, request_hash)
    if not intent.mine:
        wait = INTENT_WAIT_SECONDS if begin is not None and is_postgres(session) else 0.0
        intent = await _await_intent(opener, intent, now, wait)
        if not intent.mine:
            return await _intent_payment(session, intent)
    try:
        result = await gateway.charge(
            intent.token, intent.amount, intent.currency, intent.description, idempotency_key=intent.gateway_key
        )
    except GatewayError as exc:
        if begin is not None:
            await _release_claim(opener, intent.id, str(exc))
        raise ServiceUnavailable(
            "The card gateway did not answer, so the payment's outcome is not known yet: do not pay again. "
            "It is reconciled with the gateway shortly; retrying with the same idempotencyKey finishes it now.",
            retryable=True,
        ) from exc
    try:
        return await settle_intent(session, intent.id, result, now)
    except Exception:
        if begin is not None:  # the request's transaction is lost; leave the intent to a retry or the job
            await _release_claim(opener, intent.id, "settlement failed")
        raise


async def _intent_by_key(session: AsyncSession, actor: str, key: str) -> PaymentIntent | None:
    return (
        await session.execute(
            select(PaymentIntent)
            .where(PaymentIntent.actor_email == actor, PaymentIntent.idempotency_key == key)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


def _joined(found: PaymentIntent, request_hash: str) -> IntentView:
    if found.request_hash != request_hash:
        raise Conflict("This idempotency key was already used with a different request", field="idempotencyKey")
    return _view(found, mine=False)


async def _open_intent(
    opener: Begin, req: PayRequest, actor: str, now: datetime, key: str | None, request_hash: str
) -> IntentView:
    try:
        async with opener() as s:
            return await _create_intent(s, req, actor, now, key, request_hash)
    except IntegrityError:
        # The same key from a concurrent request committed first.
        if key:
            async with opener() as s:
                found = await _intent_by_key(s, actor, key)
                if found is not None:
                    return _joined(found, request_hash)
        raise Conflict(
            "A card payment of these invoices is being made at the same time; retry", retryable=True
        ) from None


async def _create_intent(
    s: AsyncSession, req: PayRequest, actor: str, now: datetime, key: str | None, request_hash: str
) -> IntentView:
    if key:
        found = await _intent_by_key(s, actor, key)
        if found is not None:
            return _joined(found, request_hash)
    try:
        invoices, allocation = await _load_for_payment(s, req.items)
        currency = invoices[0].currency
        charge = sum(allocation.values(), ZERO)
        check_method_rules(invoices, "CARD", charge, currency, now.date())
        token = await _card_token(s, req, now)
        busy = [inv.number for inv in invoices if inv.intent_id is not None]
        if busy:
            raise Conflict(
                f"A card payment of {busy[0]} is in progress; wait for its outcome before paying again",
                retryable=True,
            )
    except AppError:
        # Waiting for the invoices' lock may have been waiting for a request with this very key.
        if key:
            found = await _intent_by_key(s, actor, key)
            if found is not None:
                return _joined(found, request_hash)
        raise
    intent = PaymentIntent(
        tenant_id=invoices[0].tenant_id,
        gateway_key="pi_" + uuid.uuid4().hex,
        idempotency_key=key,
        request_hash=request_hash,
        status="PENDING",
        claimed=True,
        claimed_at=now,
        currency=currency,
        amount=charge,
        allocation={k: str(v) for k, v in allocation.items()},
        card_token=token,
        reference=req.reference[:200],
        actor_email=actor,
        created_at=now,
    )
    s.add(intent)
    await s.flush()
    for inv in sorted(invoices, key=lambda i: i.id):
        # Conditional on what was read: another worker's intent or payment in between makes it miss.
        held = await s.execute(
            update(Invoice)
            .where(
                Invoice.id == inv.id,
                Invoice.intent_id.is_(None),
                Invoice.balance == inv.balance,
                Invoice.pending_total == inv.pending_total,
            )
            .values(intent_id=intent.id)
            .execution_options(synchronize_session=False)
        )
        if held.rowcount != 1:
            raise Conflict(f"Invoice {inv.number} changed while it was being paid; retry", retryable=True)
    return _view(intent, mine=True)


async def _claim(opener: Begin, intent_id: int, now: datetime, *, stale_before: datetime | None = None) -> bool:
    """Take over driving a PENDING intent nobody drives (or whose driver's claim is stale)."""
    free = PaymentIntent.claimed.is_(False)
    if stale_before is not None:
        free = or_(free, PaymentIntent.claimed_at < stale_before)
    async with opener() as s:
        done = await s.execute(
            update(PaymentIntent)
            .where(PaymentIntent.id == intent_id, PaymentIntent.status == "PENDING", free)
            .values(claimed=True, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return done.rowcount == 1


async def _release_claim(opener: Begin, intent_id: int, error: str) -> None:
    """Best effort: the job also takes over a claim older than INTENT_STALE_AFTER."""
    try:
        async with opener() as s:
            await s.execute(
                update(PaymentIntent)
                .where(PaymentIntent.id == intent_id, PaymentIntent.status == "PENDING")
                .values(claimed=False, last_error=error[:300])
                .execution_options(synchronize_session=False)
            )
    except Exception:  # noqa: BLE001 - the caller's error is the one to report
        return


async def _await_intent(opener: Begin, intent: IntentView, now: datetime, wait: float) -> IntentView:
    """A request repeating an idempotency key: the first request's intent once it is settled, or the
    intent to drive when nobody drives it any more."""
    deadline = time.monotonic() + wait
    delay = 0.02
    while True:
        if intent.status != "PENDING":
            return intent
        if not intent.claimed and await _claim(opener, intent.id, now):
            return replace(intent, claimed=True, mine=True)
        if time.monotonic() >= deadline:
            raise Conflict(
                "A payment with this idempotency key is still being processed; retry shortly",
                field="idempotencyKey",
                retryable=True,
            )
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.25)
        async with opener() as s:
            row = (
                await s.execute(
                    select(PaymentIntent).where(PaymentIntent.id == intent.id).execution_options(populate_existing=True)
                )
            ).scalar_one()
            intent = _view(row, mine=False)


async def _intent_payment(session: AsyncSession, intent: IntentView) -> Payment:
    if intent.payment_id is None:
        raise Conflict(
            "That payment attempt ended before the card was charged; pay again with a new idempotencyKey",
            field="idempotencyKey",
        )
    payment = await session.get(Payment, intent.payment_id)
    assert payment is not None
    return payment


async def settle_intent(session: AsyncSession, intent_id: int, result: Any, now: datetime) -> Payment:
    """Step 3 of ``pay_by_card`` (also run by the reconcile job): record the gateway's answer for the
    intent. A charge that succeeded is money received and is applied (any excess becomes credit,
    R-I19); a decline is a FAILED payment (R-I18). Settles an intent once: a concurrent second
    settlement is refused with CONFLICT and rolled back."""
    intent = (
        await session.execute(
            select(PaymentIntent).where(PaymentIntent.id == intent_id).execution_options(populate_existing=True)
        )
    ).scalar_one()
    if intent.status in ("SUCCEEDED", "FAILED") and intent.payment_id is not None:
        payment = await session.get(Payment, intent.payment_id)
        assert payment is not None
        return payment
    invoices = list(
        (
            await session.execute(
                _lock(
                    session, select(Invoice).where(Invoice.number.in_(list(intent.allocation))).order_by(Invoice.id)
                ).execution_options(populate_existing=True)
            )
        ).scalars()
    )
    tid = intent.tenant_id
    payment = Payment(
        tenant_id=tid,
        number=await next_number(session, "PAY", tid),
        method="CARD",
        currency=intent.currency,
        amount=intent.amount,
        allocation=dict(intent.allocation),
        reference=intent.reference,
        actor_email=intent.actor_email,
        created_at=now,
        status="PROCESSING",
        card_token=intent.card_token,
        card_last4=result.last4,
        gateway_reference=result.reference,
    )
    session.add(payment)
    await session.flush()
    if result.ok:
        await settle_payment(session, payment, now)
    else:
        payment.status = "FAILED"
        payment.failure_reason = (result.failure_reason or "declined")[:300]
    # A CANCELLED intent may still turn out charged (its driver was only slow): that money is kept.
    done = await session.execute(
        update(PaymentIntent)
        .where(PaymentIntent.id == intent.id, PaymentIntent.status.in_(("PENDING", "CANCELLED")))
        .values(status=payment.status, payment_id=payment.id, settled_at=now, claimed=False)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict("This card payment was settled at the same time elsewhere; retry to see it", retryable=True)
    for inv in invoices:
        if inv.intent_id == intent.id:
            inv.intent_id = None
    await session.flush()
    return payment


async def cancel_intent(session: AsyncSession, intent_id: int, now: datetime) -> bool:
    """The gateway never received the intent's charge: close it and release its invoices."""
    done = await session.execute(
        update(PaymentIntent)
        .where(PaymentIntent.id == intent_id, PaymentIntent.status == "PENDING")
        .values(status="CANCELLED", settled_at=now, claimed=False)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return False
    await session.execute(
        update(Invoice)
        .where(Invoice.intent_id == intent_id)
        .values(intent_id=None)
        .execution_options(synchronize_session=False)
    )
    return True


async def reconcile_card_intents(begin: Begin, gateway: Any, now: datetime) -> int:
    """PENDING intents nobody drives any more (the driver gave up, or crashed: its claim is older than
    INTENT_STALE_AFTER) are settled from the gateway's record of their key: charged → the payment is
    recorded and applied; declined → FAILED; never received → CANCELLED. Each step is its own
    transaction and the gateway is asked between them. Returns the intents settled."""
    stale_before = now - INTENT_STALE_AFTER
    async with begin() as s:
        ids = list(
            (
                await s.execute(
                    select(PaymentIntent.id)
                    .where(
                        PaymentIntent.status == "PENDING",
                        or_(PaymentIntent.claimed.is_(False), PaymentIntent.claimed_at < stale_before),
                    )
                    .order_by(PaymentIntent.id)
                )
            ).scalars()
        )
    done = 0
    for intent_id in ids:
        if not await _claim(begin, intent_id, now, stale_before=stale_before):
            continue
        async with begin() as s:
            key = (await s.execute(select(PaymentIntent.gateway_key).where(PaymentIntent.id == intent_id))).scalar_one()
        try:
            result = await gateway.lookup(key)
        except GatewayError as exc:
            await _release_claim(begin, intent_id, str(exc))
            continue
        async with begin() as s:
            if result is None:
                await cancel_intent(s, intent_id, now)
            else:
                await settle_intent(s, intent_id, result, now)
        done += 1
    return done


async def _card_token(session: AsyncSession, req: PayRequest, now: datetime) -> str:
    if req.payment_method_id is not None:
        pm = await session.get(PaymentMethod, req.payment_method_id)
        if pm is None or pm.removed or pm.tenant_id != session.info.get("tenant_id") or pm.kind != "CARD":
            raise NotFound("No such saved card", field="paymentMethodId")
        if card_expired(pm, now.date()):
            # R-I14/R-I18: an expired card needs an alternative method for the transaction.
            raise BadUserInput(
                f"The saved card ending {pm.last4} has expired; provide another card or pay by wire transfer",
                field="paymentMethodId",
            )
        return pm.token or ""
    token = (req.card_token or "").strip()
    if not token.startswith("tok_") or len(token) > 100:
        raise BadUserInput(
            "cardToken must be a gateway token (tok_…); card numbers are never accepted", field="cardToken"
        )
    return token


def card_expired(pm: PaymentMethod, today: date) -> bool:
    if pm.exp_year is None or pm.exp_month is None:
        return False
    return (today.year, today.month) > (pm.exp_year, pm.exp_month)


# ---- money received: receipts (R-I17, R-I19) --------------------------------------------------------
BANK_REFERENCE_MAX = 100
PAYER_REFERENCE_MAX = 500
_REFERENCE_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9/_.-]*[A-Za-z0-9])?")


@dataclass
class Receipt:
    """Money that arrived: recorded by billing support or read from the bank's file."""

    amount: Any
    currency: str
    received_on: date | None
    bank_reference: str
    invoice_number: str | None = None
    payer_reference: str = ""  # the payer's remittance text, which must cite the invoice number
    method: str = "WIRE"


async def _receipt_by_reference(session: AsyncSession, reference: str) -> Payment | None:
    return (await session.execute(select(Payment).where(Payment.bank_reference == reference))).scalar_one_or_none()


def _same_receipt(existing: Payment, amount: Decimal, currency: str, method: str) -> Payment:
    """Recording a bank reference again is a replay when it says the same, a CONFLICT otherwise."""
    if (existing.amount, existing.currency, existing.method) != (amount, currency, method):
        raise Conflict(
            f"Bank reference {existing.bank_reference} is already recorded as {existing.number} "
            f"({existing.method} {existing.currency} {existing.amount})",
            field="bankReference",
        )
    return existing


def cited_numbers(text: str) -> list[str]:
    """The words of a payer's reference that could be invoice numbers, upper-cased, in order."""
    out: list[str] = []
    for token in _REFERENCE_TOKEN.findall(text or ""):
        t = token.upper()
        if t not in out:
            out.append(t)
    return out[:MAX_INVOICES_PER_PAYMENT]


async def _cited_invoices(session: AsyncSession, invoice_number: str | None, payer_reference: str) -> list[Invoice]:
    if invoice_number and invoice_number.strip():
        return [await invoice_by_number(session, invoice_number, lock=True)]
    words = cited_numbers(payer_reference)
    if not words:
        raise BadUserInput(
            "A receipt must cite the invoice (R-I17): give invoiceNumber or a payerReference naming it",
            field="payerReference",
        )
    found = {
        inv.number.upper(): inv
        for inv in (
            await session.execute(
                _lock(session, select(Invoice).where(func.upper(Invoice.number).in_(words)).order_by(Invoice.id))
            )
        ).scalars()
    }
    cited = [found[w] for w in words if w in found]
    if not cited:
        raise BadUserInput(
            "The payer reference cites no invoice of this customer; record the receipt with its invoiceNumber",
            field="payerReference",
        )
    return cited


async def _open_notice(session: AsyncSession, invoices: Sequence[Invoice], currency: str) -> Payment | None:
    """The oldest wire notice (PENDING or OVERDUE) of the same currency citing one of ``invoices``."""
    numbers = {inv.number for inv in invoices}
    notices = (
        await session.execute(
            _lock(
                session,
                select(Payment)
                .where(
                    Payment.method == "WIRE", Payment.status.in_(("PENDING", "OVERDUE")), Payment.currency == currency
                )
                .order_by(Payment.id),
            )
        )
    ).scalars()
    return next((n for n in notices if numbers & set(n.allocation)), None)


async def _release_notice(session: AsyncSession, notice: Payment) -> None:
    """The announced amounts stop counting as on their way (a PENDING notice only: OVERDUE ones were
    released when they became overdue)."""
    if notice.status != "PENDING":
        return
    for number, amount_s in notice.allocation.items():
        inv = await invoice_by_number(session, number, lock=True)
        inv.pending_total = max(inv.pending_total - Decimal(amount_s), ZERO)


async def _receive(
    session: AsyncSession,
    invoices: Sequence[Invoice],
    allocation: dict[str, Decimal] | None,
    amount: Decimal,
    currency: str,
    *,
    method: str,
    bank_reference: str,
    reference: str,
    received_on: date,
    actor: str,
    now: datetime,
) -> Payment:
    """Money received for ``invoices``: it matches the customer's wire notice when there is one, is
    applied up to the balances (in the order given, or by ``allocation``), and the rest becomes
    credit that closes other unpaid invoices (R-I19)."""
    notice = await _open_notice(session, invoices, currency) if method == "WIRE" else None
    order = list(invoices)
    if notice is not None:
        await _release_notice(session, notice)
        notice.status, notice.settled_at = "MATCHED", now
        if allocation is None:  # the notice said which invoices the wire is for
            cited = {inv.number for inv in order}
            for number in sorted(set(notice.allocation) - cited):
                order.append(await invoice_by_number(session, number, lock=True))
    if allocation is None:
        allocation, left = {}, amount
        for inv in order:
            take = ZERO if inv.cancelled else min(left, max(inv.balance, ZERO))
            if take > 0 or inv in invoices:
                allocation[inv.number] = take
            left -= take
    tid = order[0].tenant_id
    payment = Payment(
        tenant_id=tid,
        number=await next_number(session, "PAY", tid),
        method=method,
        currency=currency,
        amount=amount,
        allocation={k: str(v) for k, v in allocation.items()},
        reference=reference[:200],
        bank_reference=bank_reference,
        notice_id=notice.id if notice is not None else None,
        actor_email=actor,
        created_at=now,
        arrives_on=received_on,
        status="RECEIVED",
    )
    session.add(payment)
    await session.flush()
    await settle_payment(session, payment, now)
    return payment


async def record_receipt(session: AsyncSession, receipt: Receipt, actor: str, now: datetime) -> tuple[Payment, bool]:
    """R-I17: money that arrived for an invoice, recorded by billing support (``recordWireReceipt``) or
    imported from the bank (``bankReceipts``). It must cite an invoice of this tenant — by number, or
    in the payer's reference — in the receipt's currency; it matches the customer's wire notice when
    there is one; it is applied up to the balances and any excess becomes credit (R-I19). Idempotent
    on the bank reference: the same reference again returns the first receipt (``created`` False), or
    is a CONFLICT when it says something else. Returns (payment, created)."""
    if receipt.method not in RECORD_METHODS:
        raise BadUserInput(f"method must be one of {', '.join(RECORD_METHODS)}", field="method")
    bank_reference = (receipt.bank_reference or "").strip()
    if not bank_reference or len(bank_reference) > BANK_REFERENCE_MAX:
        raise BadUserInput(f"bankReference must be 1 to {BANK_REFERENCE_MAX} characters", field="bankReference")
    currency = (receipt.currency or "").strip().upper()
    if currency not in CURRENCIES:
        raise BadUserInput(f"Unknown currency {receipt.currency!r}", field="currency")
    amount = parse_amount(receipt.amount, currency, field="amount")
    if receipt.received_on is None or receipt.received_on > now.date():
        raise BadUserInput("the day the money arrived (receivedOn) must not be after today", field="receivedOn")
    payer_reference = (receipt.payer_reference or "").strip()
    if len(payer_reference) > PAYER_REFERENCE_MAX:
        raise BadUserInput(f"payerReference must be at most {PAYER_REFERENCE_MAX} characters", field="payerReference")
    existing = await _receipt_by_reference(session, bank_reference)
    if existing is not None:
        return _same_receipt(existing, amount, currency, receipt.method), False
    invoices = await _cited_invoices(session, receipt.invoice_number, payer_reference)
    for inv in invoices:
        if inv.currency != currency:
            raise BadUserInput(
                f"Invoice {inv.number} is billed in {inv.currency}; a {currency} receipt cannot pay it",
                field="currency",
            )
    payment = await _receive(
        session,
        invoices,
        None,
        amount,
        currency,
        method=receipt.method,
        bank_reference=bank_reference,
        reference=payer_reference or bank_reference,
        received_on=receipt.received_on,
        actor=actor,
        now=now,
    )
    return payment, True


async def record_payment(
    session: AsyncSession,
    items: Sequence[PayItem],
    method: str,
    amount: Decimal | None,
    reference: str,
    actor: str,
    now: datetime,
) -> Payment:
    """Billing support records money received for cited invoices, split as they say (R-I17); it
    applies at once, matches the customer's wire notice, and any excess over the balances becomes
    credit (R-I19). ``reference`` is the bank or check reference: recording it again is a replay."""
    if method not in RECORD_METHODS:
        raise BadUserInput(f"method must be one of {', '.join(RECORD_METHODS)}", field="method")
    reference = (reference or "").strip()
    if not reference:
        raise BadUserInput("reference (the bank or check reference) is required", field="reference")
    if len(reference) > BANK_REFERENCE_MAX:
        raise BadUserInput(f"reference must be at most {BANK_REFERENCE_MAX} characters", field="reference")
    existing = await _receipt_by_reference(session, reference)
    if existing is not None:  # the same money again: a replay when it says the same total
        if amount is None:
            raise Conflict(f"Reference {reference} is already recorded as {existing.number}", field="reference")
        return _same_receipt(existing, parse_amount(amount, existing.currency), existing.currency, method)
    invoices, allocation = await _load_for_payment(session, items, received=True)
    currency = invoices[0].currency
    allocated = sum(allocation.values(), ZERO)
    total = allocated
    if amount is not None:
        total = parse_amount(amount, currency)
        if total < allocated:
            raise BadUserInput(f"amount must be at least the {currency} {allocated} allocated", field="amount")
    return await _receive(
        session,
        invoices,
        allocation,
        total,
        currency,
        method=method,
        bank_reference=reference,
        reference=reference,
        received_on=now.date(),
        actor=actor,
        now=now,
    )


async def mark_overdue_notices(session: AsyncSession, today: date, now: datetime) -> int:
    """R-I17: a wire notice whose expected closing day has passed without a receipt becomes OVERDUE.
    Nothing is applied — a notice is not money: its amounts stop showing as pending and stop blocking
    another payment of the invoices, and it still matches the receipt if the wire arrives later."""
    due = list(
        (
            await session.execute(
                _lock(
                    session,
                    select(Payment)
                    .where(Payment.method == "WIRE", Payment.status == "PENDING", Payment.settles_on < today)
                    .order_by(Payment.id),
                )
            )
        ).scalars()
    )
    for p in due:
        await _release_notice(session, p)
        p.status = "OVERDUE"
    await session.flush()
    return len(due)


EXTERNAL_METHODS = frozenset({"REWARDS"})  # money paid elsewhere that another plugin may apply


async def pay_with_external(
    session: AsyncSession,
    number: str,
    amount: Decimal,
    currency: str,
    method: str,
    reference: str,
    actor: str,
    now: datetime,
) -> Invoice:
    """A payment made elsewhere (REWARDS, R-W9), applied at once; never more than is payable. Only the
    EXTERNAL_METHODS: another plugin cannot claim that cash arrived (R-I17), and a credit it leaves
    behind (a dispute) stays non-refundable (R-W10)."""
    if method not in EXTERNAL_METHODS:
        raise BadUserInput(f"method must be one of {', '.join(sorted(EXTERNAL_METHODS))}", field="method")
    inv = await invoice_by_number(session, number, lock=True)
    if currency != inv.currency:
        raise BadUserInput(f"Invoice {inv.number} is in {inv.currency}, not {currency}", field="currency")
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0 or quantize(amount, currency) != amount:
        raise BadUserInput("amount must be a positive amount in cents", field="amount")
    if inv.cancelled or amount > payable(inv):
        raise BadUserInput(
            f"{currency} {amount} exceeds the {currency} {payable(inv)} still due on {inv.number}", field="amount"
        )
    payment = Payment(
        tenant_id=inv.tenant_id,
        number=await next_number(session, "PAY", inv.tenant_id),
        method=method,
        currency=currency,
        amount=amount,
        allocation={inv.number: str(amount)},
        reference=reference[:200],
        actor_email=actor,
        created_at=now,
        status="RECEIVED",
    )
    session.add(payment)
    await session.flush()
    await settle_payment(session, payment, now)
    return inv


# ---- disputes (R-I20) ----------------------------------------------------------------------------
async def open_dispute(session: AsyncSession, number: str, reason: str, actor: str, now: datetime) -> Dispute:
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON_CHARS:
        raise BadUserInput(f"reason must be 1 to {MAX_REASON_CHARS} characters", field="reason")
    inv = await invoice_by_number(session, number, lock=True)
    if inv.cancelled or inv.credited_total >= inv.total:
        raise Conflict(f"Invoice {inv.number} has been credited already")
    existing = (
        await session.execute(select(Dispute.id).where(Dispute.invoice_id == inv.id, Dispute.status == "OPEN"))
    ).first()
    if existing:
        raise Conflict(f"Invoice {inv.number} already has an open dispute")
    dispute = Dispute(
        tenant_id=inv.tenant_id,
        number=await next_number(session, "DSP", inv.tenant_id),
        invoice_id=inv.id,
        reason=reason,
        opened_by=actor,
        opened_at=now,
        status="OPEN",
    )
    session.add(dispute)
    await session.flush()
    return dispute


@dataclass
class RebillLine:
    position: int
    pre_tax_amount: Decimal


async def resolve_dispute(
    session: AsyncSession,
    dispute_number: str,
    outcome: str,
    actor: str,
    now: datetime,
    *,
    rebill_lines: Sequence[RebillLine] = (),
    note: str = "",
) -> Dispute:
    """R-I20. REJECT: nothing moves. REBILL: the invoice is credited in full and a corrected invoice is
    issued; what was paid moves to it (closing it when it covers it), any excess becomes credit.
    CANCEL: credited in full, not rebilled; what was paid closes other unpaid invoices, the rest is refunded."""
    if outcome not in ("REBILL", "CANCEL", "REJECT"):
        raise BadUserInput("outcome must be REBILL, CANCEL or REJECT", field="outcome")
    dispute = (
        await session.execute(_lock(session, select(Dispute).where(Dispute.number == dispute_number)))
    ).scalar_one_or_none()
    if dispute is None:
        raise NotFound(f"No dispute {dispute_number!r}", field="disputeNumber")
    if dispute.status != "OPEN":
        raise Conflict(f"Dispute {dispute.number} is already {dispute.status}")
    dispute.resolved_by, dispute.resolved_at, dispute.resolution_note = actor, now, note[:MAX_REASON_CHARS]
    if outcome == "REJECT":
        dispute.status = "REJECTED"
        await session.flush()
        return dispute
    inv = (
        await session.execute(
            _lock(session, select(Invoice).where(Invoice.id == dispute.invoice_id).options(selectinload(Invoice.lines)))
        )
    ).scalar_one()
    if inv.pending_total > 0:
        raise Conflict(
            f"The customer announced a wire for {inv.number}: record its receipt, or resolve once the notice is overdue"
        )
    new_lines: list[LineSpec] = []
    if outcome == "REBILL":
        overrides = {r.position: r for r in rebill_lines}
        unknown = set(overrides) - {ln.position for ln in inv.lines}
        if unknown:
            raise BadUserInput(f"No line at position {sorted(unknown)[0]} on {inv.number}", field="rebillLines")
        for ln in inv.lines:
            amount = ln.pre_tax_amount
            if ln.position in overrides:
                amount = parse_amount(overrides[ln.position].pre_tax_amount, inv.currency, allow_zero=True)
            new_lines.append(
                LineSpec(
                    product=ln.product,
                    pre_tax_amount=amount,
                    category=ln.category,
                    program=ln.program,
                    product_family=ln.product_family,
                    bundles_license=ln.bundles_license,
                    description=ln.description,
                    quantity=ln.quantity,
                    tax_rate=ln.tax_rate,
                    period_start=ln.period_start,
                    period_end=ln.period_end,
                )
            )
    freed = await _free_applications(session, inv, dispute, now)
    credited = inv.total - inv.credited_total
    if credited > 0:
        session.add(
            CreditNote(
                tenant_id=inv.tenant_id,
                invoice_id=inv.id,
                dispute_id=dispute.id,
                amount=credited,
                reason=f"Dispute {dispute.number}",
                created_at=now,
            )
        )
        inv.credited_total += credited
    inv.cancelled = True
    _recompute(inv)
    await session.flush()
    if outcome == "REBILL":
        rebill = await create_invoice(
            session,
            InvoiceSpec(
                currency=inv.currency,
                country=inv.country,
                invoice_date=now.date(),
                billing_email=inv.billing_email,
                cc_emails=[e for e in inv.cc_emails.split(",") if e],
                lines=new_lines,
                order_number=inv.order_number,
                po_number=inv.po_number,
                order_payment_method=inv.order_payment_method,
                source="REBILL",
                source_key=f"rebill:{dispute.number}",
                subscription_id=inv.subscription_id,
                period_start=inv.period_start,
                period_end=inv.period_end,
                rebill_of_id=inv.id,
            ),
            now,
            inv.tenant_id,
            apply_credits=False,  # an older, unrelated credit must not get there before the original payment
        )
        # R-I20: the disputed invoice's own payment closes the rebill first; what it does not need
        # stays in its credit.
        for credit in freed:
            take = min(credit.remaining, payable(rebill))
            if take > 0:
                _apply(session, rebill, take, method=credit.method, kind="TRANSFER", now=now, credit=credit)
        dispute.rebill_invoice_id = rebill.id
        dispute.status = "REBILLED"
        # Then as for any new invoice (R-I19): open credits close what is still unpaid — the rest of a
        # larger rebill, or other invoices from what the rebill did not need.
        await apply_open_credits(session, inv.currency, now)
    else:
        dispute.status = "CANCELLED"
        await apply_open_credits(session, inv.currency, now, credits=freed)
        for credit in freed:
            await refund_credit(session, credit, actor, now)
    await session.flush()
    return dispute


async def _free_applications(session: AsyncSession, inv: Invoice, dispute: Dispute, now: datetime) -> list[Credit]:
    """Reverse what was applied to ``inv``: credit-sourced amounts go back to their credit; payment
    amounts become a DISPUTE credit per payment. Returns the credits holding the freed money."""
    rows = (
        await session.execute(
            select(Application.payment_id, Application.credit_id, Application.method, func.sum(Application.amount))
            .where(Application.invoice_id == inv.id)
            .group_by(Application.payment_id, Application.credit_id, Application.method)
            .order_by(func.min(Application.id))
        )
    ).all()
    freed: list[Credit] = []
    for payment_id, credit_id, method, total in rows:
        net = quantize(Decimal(total or 0), inv.currency)
        if net <= 0:
            continue
        if credit_id is not None:
            credit = await session.get(Credit, credit_id)
            _apply(session, inv, -net, method=method, kind="REVERSAL", now=now, credit=credit)
            freed.append(credit)
        else:
            payment = await session.get(Payment, payment_id) if payment_id else None
            _apply(session, inv, -net, method=method, kind="REVERSAL", now=now, payment=payment)
            await session.flush()
            freed.append(
                await _new_credit(
                    session,
                    tenant_id=inv.tenant_id,
                    currency=inv.currency,
                    amount=net,
                    source="DISPUTE",
                    method=method,
                    now=now,
                    payment=payment,
                    dispute=dispute,
                )
            )
    return freed


# ---- billing profile (R-I14, R-I15) ------------------------------------------------------------
async def update_billing_profile(
    session: AsyncSession, billing_email: str | None, account_contacts_: Iterable[str] | None, now: datetime
) -> BillingProfile:
    profile = (await session.execute(select(BillingProfile))).scalar_one_or_none()
    if profile is None:
        profile = BillingProfile(billing_email="", account_contacts="", updated_at=now)
        session.add(profile)
    if billing_email is not None:
        profile.billing_email = normalise_email(billing_email, "billingEmail")
    if account_contacts_ is not None:
        emails = [normalise_email(e, "accountContacts") for e in account_contacts_]
        if len(emails) > 20:
            raise BadUserInput("At most 20 account contacts", field="accountContacts")
        profile.account_contacts = ",".join(sorted(set(emails)))
    profile.updated_at = now
    await session.flush()
    return profile


async def add_card(
    session: AsyncSession, token: str, exp_month: int, exp_year: int, label: str, make_default: bool, now: datetime
) -> PaymentMethod:
    token = (token or "").strip()
    if not token.startswith("tok_") or len(token) > 100:
        raise BadUserInput("token must be a gateway token (tok_…); card numbers are never accepted", field="token")
    if not 1 <= exp_month <= 12 or not 2000 <= exp_year <= 2100:
        raise BadUserInput("expiry month/year out of range", field="expMonth")
    digits = "".join(ch for ch in token if ch.isdigit())
    pm = PaymentMethod(
        kind="CARD",
        label=label[:100],
        token=token,
        last4=(digits[-4:] if len(digits) >= 4 else digits.rjust(4, "0")),
        exp_month=exp_month,
        exp_year=exp_year,
        is_default=make_default,
        created_at=now,
    )
    if make_default:
        for other in (await session.execute(select(PaymentMethod).where(PaymentMethod.is_default.is_(True)))).scalars():
            other.is_default = False
    session.add(pm)
    await session.flush()
    return pm


async def request_po_change(
    session: AsyncSession, invoice_number: str, po_number: str, document_name: str, actor: str, now: datetime
) -> PoChangeRequest:
    """R-I15: adding or changing the PO on future invoices needs an invoice number and a copy of the PO."""
    po_number = (po_number or "").strip()
    if not po_number or len(po_number) > 64:
        raise BadUserInput("poNumber must be 1 to 64 characters", field="poNumber")
    if not (document_name or "").strip():
        raise BadUserInput("A copy of the PO (document) is required", field="poDocument")
    inv = await invoice_by_number(session, invoice_number)
    req = PoChangeRequest(
        invoice_id=inv.id,
        po_number=po_number,
        document_name=document_name.strip()[:200],
        requested_by=actor,
        created_at=now,
    )
    session.add(req)
    await session.flush()
    return req


# ---- reads ---------------------------------------------------------------------------------------
def status_filter(stmt: Any, status: str | None, today: date) -> Any:
    """SQL form of :func:`status_of` so lists filter and page in the database."""
    if status is None:
        return stmt
    if status == "CLOSED":
        return stmt.where(Invoice.balance <= 0)
    if status == "OVERDUE":
        return stmt.where(Invoice.balance > 0, Invoice.due_date < today)
    if status == "OPEN":
        return stmt.where(Invoice.balance > 0, Invoice.due_date >= today)
    raise BadUserInput(f"status must be one of {', '.join(STATUSES)}", field="status")


async def paid_by_method(session: AsyncSession, invoice_ids: Sequence[int]) -> dict[int, dict[str, Decimal]]:
    rows = (
        await session.execute(
            select(Application.invoice_id, Application.method, func.sum(Application.amount))
            .where(Application.invoice_id.in_(invoice_ids))
            .group_by(Application.invoice_id, Application.method)
        )
    ).all()
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for invoice_id, method, total in rows:
        amount = quantize(Decimal(total or 0))
        if amount != 0:
            out[invoice_id][method] = amount
    return out


async def refunds_for_invoice(session: AsyncSession, inv: Invoice) -> list[tuple[Refund, str]]:
    """Refunds of money that was paid on ``inv``: of credits its payments left over (overpayment) or
    that its dispute freed (R-I19, R-I20), with the credit's number."""
    paid_with = select(Application.payment_id).where(
        Application.invoice_id == inv.id, Application.payment_id.isnot(None)
    )
    disputes = select(Dispute.id).where(Dispute.invoice_id == inv.id)
    rows = (
        await session.execute(
            select(Refund, Credit.number)
            .join(Credit, Credit.id == Refund.credit_id)
            .where(or_(Credit.payment_id.in_(paid_with), Credit.dispute_id.in_(disputes)))
            .order_by(Refund.id)
        )
    ).all()
    return [(r, number) for r, number in rows]


# ---- events from other plugins ----------------------------------------------------------------
RENEWAL_CATEGORY = "SUPPORT_RENEWAL"
RENEWAL_PROGRAM = "TECHNOLOGY"


async def invoice_from_renewal(session: AsyncSession, tenant: Any, payload: dict[str, Any], now: datetime) -> Invoice:
    """``renewal.accepted`` → the support-renewal invoice (category SUPPORT_RENEWAL, program TECHNOLOGY),
    taxed by the order's country (R-I21), sent to the order's billing email with the quote-to and
    account contacts copied (R-I3). Idempotent per order number."""
    order_number = str(payload.get("order_number") or "").strip()
    if not order_number:
        raise BadUserInput("renewal.accepted without an order number", field="order_number")
    currency = str(payload.get("currency") or "USD")
    if currency not in CURRENCIES:
        raise BadUserInput(f"Unknown currency {currency!r}", field="currency")
    method = str(payload.get("payment_method") or "INVOICE")
    if method not in ORDER_PAYMENT_METHODS:
        raise BadUserInput(f"Unknown payment method {method!r}", field="payment_method")
    lines: list[LineSpec] = []
    for i, raw in enumerate(payload.get("lines") or []):
        lines.append(
            LineSpec(
                product=str(raw.get("product") or "Support renewal")[:200],
                product_family=str(raw.get("product_family") or "")[:32],
                pre_tax_amount=parse_amount(raw.get("amount"), currency, allow_zero=True, field=f"lines[{i}].amount"),
                category=RENEWAL_CATEGORY,
                program=RENEWAL_PROGRAM,
                description=f"Support renewal {payload.get('support_number') or ''}".strip(),
            )
        )
    total = parse_amount(payload.get("amount"), currency, allow_zero=True)
    if not lines:
        lines = [LineSpec(product="Support renewal", pre_tax_amount=total, category=RENEWAL_CATEGORY)]
    elif sum((ln.pre_tax_amount for ln in lines), ZERO) != total:
        raise BadUserInput("renewal.accepted lines do not add up to the amount", field="lines")
    accepted_at = payload.get("accepted_at")
    invoice_date = datetime.fromisoformat(accepted_at).date() if accepted_at else now.date()
    profile_email, contacts = await account_contacts(session)
    billing_email = str(payload.get("billing_email") or profile_email or payload.get("quote_to_email") or "")
    cc = [str(payload.get("quote_to_email") or ""), *contacts]
    return await create_invoice(
        session,
        InvoiceSpec(
            currency=currency,
            country=str(payload.get("country") or getattr(tenant, "country", "US") or "US"),
            invoice_date=invoice_date,
            billing_email=billing_email,
            cc_emails=[e for e in cc if e],
            lines=lines,
            order_number=order_number,
            po_number=(payload.get("po_number") or None),
            order_payment_method=method,
            source="RENEWAL",
            source_key=f"renewal:{order_number}",
        ),
        now,
        getattr(tenant, "id", None),
    )


# ---- billing schedules (R-I6…R-I13) ---------------------------------------------------------------
# frequency → (months per billing period, billed in advance?)  R-I7
FREQUENCIES: dict[str, tuple[int, bool]] = {
    "ANNUAL_ADVANCE": (12, True),
    "QUARTERLY_ADVANCE": (3, True),
    "QUARTERLY_ARREARS": (3, False),
    "MONTHLY_ARREARS": (1, False),
}
PUBLIC_SECTOR_ONLY_FREQUENCIES = frozenset({"QUARTERLY_ARREARS"})  # R-I7
PUBLIC_SECTORS = frozenset({"PUBLIC_SECTOR", "US_FEDERAL"})
ORDER_INVOICE_WAIT_DAYS = 15  # R-I6: issue when all provisioned or 15 days after the first activation
BURST_MAX_FACTOR = Decimal(2)  # R-I11: capacity may reach at most 2× the subscribed quantity


def months_between(start: date, end_inclusive: date) -> int:
    """Calendar months from ``start`` through ``end_inclusive``; a started month counts as a whole one.
    1 Jan–31 Dec = 12; 1 Feb–31 Dec = 11 (R-I9)."""
    if end_inclusive < start:
        return 0
    stop = end_inclusive + timedelta(days=1)
    m = (stop.year - start.year) * 12 + stop.month - start.month
    while m > 0 and add_months(start, m) > stop:
        m -= 1
    if add_months(start, m) < stop:
        m += 1
    return m


def billing_periods(start: date, end: date, months: int) -> list[tuple[date, date]]:
    """Consecutive billing periods from the subscription start; the last one may be shorter (R-I10)."""
    periods: list[tuple[date, date]] = []
    k = 0
    while True:
        p_start = add_months(start, k * months)
        if p_start > end:
            return periods
        periods.append((p_start, min(add_months(start, (k + 1) * months) - timedelta(days=1), end)))
        k += 1


def split_exact(total: Decimal, weights: Sequence[int], currency: str = "USD") -> list[Decimal]:
    """Split ``total`` by ``weights``: each share rounded to cents, the last takes the remainder, so the
    parts always add up to the total exactly (R-I10: cents exact in storage)."""
    if not weights:
        return []
    whole = sum(weights)
    if whole == 0:
        return [ZERO] * (len(weights) - 1) + [total]
    parts = [quantize(total * w / whole, currency) for w in weights[:-1]]
    return [*parts, total - sum(parts, ZERO)]


def invoice_amount_per_period(tcv: Decimal, term_months: int, months_per_period: int, currency: str = "USD") -> Decimal:
    """R-I8/R-I10: total contract value ÷ term in months × months per billing period, to the cent."""
    return quantize(tcv * months_per_period / term_months, currency)


def prorated_charge(
    amount: Decimal, term_months: int, product_months: int, pooled: bool, currency: str = "USD"
) -> Decimal:
    """R-I9 co-terming: a product provisioned later is charged for the months left to the common end
    date; pooled-capacity products are not prorated."""
    if pooled or product_months >= term_months:
        return amount
    return quantize(amount * product_months / term_months, currency)


@dataclass(frozen=True)
class Billable:
    """What the schedule needs of a subscription product (decoupled from the ORM row)."""

    key: str
    order_number: str
    product: str
    amount: Decimal
    provisioned_on: date | None
    pooled: bool = False
    payment_method: str = "INVOICE"
    po_number: str | None = None
    category: str = "SUBSCRIPTION"
    program: str = "TECHNOLOGY"
    product_family: str = ""
    bundles_license: bool = False


@dataclass(frozen=True)
class ScheduleEntry:
    product: Billable
    period_start: date
    period_end: date
    bill_date: date
    amount: Decimal

    @property
    def group(self) -> tuple[date, str, str]:
        """R-I13: one invoice per bill date, payment method and PO number."""
        return (self.bill_date, self.product.payment_method, self.product.po_number or "")


def order_issue_dates(products: Sequence[Billable]) -> dict[str, date]:
    """R-I6 per order: an invoice is issued when all its products are provisioned or 15 days after the
    first activation, whichever comes first; products activated later start a new wave (one order
    yields several invoices). Returns each provisioned product's first bill date."""
    out: dict[str, date] = {}
    by_order: dict[str, list[Billable]] = defaultdict(list)
    for p in products:
        by_order[p.order_number].append(p)
    for items in by_order.values():
        waiting = sorted((p for p in items if p.provisioned_on), key=lambda p: (p.provisioned_on, p.key))
        unprovisioned = any(p.provisioned_on is None for p in items)
        while waiting:
            first = waiting[0].provisioned_on
            assert first is not None
            deadline = first + timedelta(days=ORDER_INVOICE_WAIT_DAYS)
            all_in = None if unprovisioned else max(p.provisioned_on for p in waiting)  # type: ignore[type-var]
            issue = min(deadline, all_in) if all_in else deadline
            wave = [p for p in waiting if p.provisioned_on <= issue]  # type: ignore[operator]
            for p in wave:
                out[p.key] = issue
            waiting = [p for p in waiting if p.provisioned_on > issue]  # type: ignore[operator]
    return out


def build_schedule(
    start: date, end: date, frequency: str, products: Sequence[Billable], currency: str = "USD"
) -> list[ScheduleEntry]:
    """Every billing-schedule entry of a subscription (R-I7…R-I10, R-I13). Unprovisioned products are
    not billed (R-I5). All amounts add up to each product's (prorated) charge exactly."""
    months, in_advance = FREQUENCIES[frequency]
    term = months_between(start, end)
    periods = billing_periods(start, end, months)
    first_bill = order_issue_dates(products)
    entries: list[ScheduleEntry] = []
    for p in products:
        if p.provisioned_on is None or p.provisioned_on > end:
            continue
        begin = max(p.provisioned_on, start)
        charge = prorated_charge(p.amount, term, months_between(begin, end), p.pooled, currency)
        spans = [(ps, pe) for ps, pe in periods if pe >= begin]
        if p.pooled:  # not prorated: the full charge, spread over the periods like a full-term product
            weights = [months_between(ps, pe) for ps, pe in spans]
        else:
            weights = [months_between(max(ps, begin), pe) for ps, pe in spans]
        for (ps, pe), amount in zip(spans, split_exact(charge, weights, currency), strict=True):
            if in_advance:
                bill = max(ps, first_bill.get(p.key, begin)) if ps <= begin else ps
            else:
                bill = pe + timedelta(days=1)
            entries.append(ScheduleEntry(p, max(ps, begin), pe, bill, amount))
    entries.sort(key=lambda e: (e.bill_date, e.product.payment_method, e.product.po_number or "", e.product.key))
    return entries


def group_entries(entries: Sequence[ScheduleEntry]) -> dict[tuple[date, str, str], list[ScheduleEntry]]:
    groups: dict[tuple[date, str, str], list[ScheduleEntry]] = defaultdict(list)
    for e in entries:
        groups[e.group].append(e)
    return dict(groups)


def check_frequency(frequency: str, sector: str) -> None:
    if frequency not in FREQUENCIES:
        raise BadUserInput(f"frequency must be one of {', '.join(FREQUENCIES)}", field="frequency")
    if frequency in PUBLIC_SECTOR_ONLY_FREQUENCIES and sector not in PUBLIC_SECTORS:
        raise BadUserInput("Quarterly in arrears is for public-sector customers only (R-I7)", field="frequency")


def check_usage(quantity: Decimal, subscribed: Decimal) -> None:
    """R-I11: bursting may reach at most 2× the subscribed quantity (4 → 8)."""
    if quantity < 0:
        raise BadUserInput("usage quantity must not be negative", field="quantity")
    if subscribed > 0 and quantity > subscribed * BURST_MAX_FACTOR:
        raise BadUserInput(
            f"usage {quantity} exceeds the burst limit of {subscribed * BURST_MAX_FACTOR} "
            f"({BURST_MAX_FACTOR}× the subscribed {subscribed})",
            field="quantity",
        )


def usage_charge(
    quantities_by_hour: Iterable[tuple[datetime, Decimal]],
    subscribed: Decimal,
    hourly_price: Decimal,
    term_end: date,
    is_cloud: bool,
    currency: str = "USD",
) -> tuple[Decimal, Decimal, Decimal]:
    """R-I11/R-I12 for one product and month: (burst hours×units above subscription during the term,
    pay-as-you-go units×hours after the term (cloud only), amount at the hourly price)."""
    burst = payg = Decimal(0)
    for hour, qty in quantities_by_hour:
        if hour.date() <= term_end:
            burst += max(qty - subscribed, Decimal(0))
        elif is_cloud:  # cloud subscriptions do not expire: usage continues pay-as-you-go
            payg += qty
    return burst, payg, quantize((burst + payg) * hourly_price, currency)
