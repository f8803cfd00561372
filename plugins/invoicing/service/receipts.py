"""Money received: receipts recorded by billing support or imported from the bank (R-I17, R-I19),
and payments made elsewhere (REWARDS, R-W9)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import BadUserInput, Conflict
from core.i18n import _
from core.idempotency import idempotent
from core.money import CURRENCIES, parse_amount, quantize
from plugins.invoicing.models import Invoice, Payment
from plugins.invoicing.service.ledger import payable
from plugins.invoicing.service.payments import PayItem, PaymentOutcome, _load_for_payment, payment_outcome
from plugins.invoicing.service.published import payment_changed, payment_recorded
from plugins.invoicing.service.refunds import settle_payment
from plugins.invoicing.service.rules import (
    MAX_INVOICES_PER_PAYMENT,
    RECORD_METHODS,
    ZERO,
    _lock,
    invoice_by_number,
    next_number,
)

if TYPE_CHECKING:
    from core.context import Context


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
            _(
                "Bank reference {bank_reference} is already recorded as {number} ({method} {currency} {amount})",
                bank_reference=existing.bank_reference,
                number=existing.number,
                method=existing.method,
                currency=existing.currency,
                amount=existing.amount,
            ),
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
            _("A receipt must cite the invoice (R-I17): give invoiceNumber or a payerReference naming it"),
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
            _("The payer reference cites no invoice of this customer; record the receipt with its invoiceNumber"),
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
    await payment_recorded(session, payment)
    if notice is not None:
        await payment_changed(session, notice, "PENDING")
    return payment


async def record_receipt(session: AsyncSession, receipt: Receipt, actor: str, now: datetime) -> tuple[Payment, bool]:
    """R-I17: money that arrived for an invoice, recorded by billing support (``recordWireReceipt``) or
    imported from the bank (``bankReceipts``). It must cite an invoice of this tenant — by number, or
    in the payer's reference — in the receipt's currency; it matches the customer's wire notice when
    there is one; it is applied up to the balances and any excess becomes credit (R-I19). Idempotent
    on the bank reference: the same reference again returns the first receipt (``created`` False), or
    is a CONFLICT when it says something else. Returns (payment, created)."""
    if receipt.method not in RECORD_METHODS:
        raise BadUserInput(_("method must be one of {names}", names=", ".join(RECORD_METHODS)), field="method")
    bank_reference = (receipt.bank_reference or "").strip()
    if not bank_reference or len(bank_reference) > BANK_REFERENCE_MAX:
        raise BadUserInput(
            _("bankReference must be 1 to {BANK_REFERENCE_MAX} characters", BANK_REFERENCE_MAX=BANK_REFERENCE_MAX),
            field="bankReference",
        )
    currency = (receipt.currency or "").strip().upper()
    if currency not in CURRENCIES:
        raise BadUserInput(_("Unknown currency '{currency}'", currency=receipt.currency), field="currency")
    amount = parse_amount(receipt.amount, currency, field="amount")
    if receipt.received_on is None or receipt.received_on > now.date():
        raise BadUserInput(_("the day the money arrived (receivedOn) must not be after today"), field="receivedOn")
    payer_reference = (receipt.payer_reference or "").strip()
    if len(payer_reference) > PAYER_REFERENCE_MAX:
        raise BadUserInput(
            _(
                "payerReference must be at most {PAYER_REFERENCE_MAX} characters",
                PAYER_REFERENCE_MAX=PAYER_REFERENCE_MAX,
            ),
            field="payerReference",
        )
    existing = await _receipt_by_reference(session, bank_reference)
    if existing is not None:
        return _same_receipt(existing, amount, currency, receipt.method), False
    invoices = await _cited_invoices(session, receipt.invoice_number, payer_reference)
    for inv in invoices:
        if inv.currency != currency:
            raise BadUserInput(
                _(
                    "Invoice {number} is billed in {currency}; a {currency2} receipt cannot pay it",
                    number=inv.number,
                    currency=inv.currency,
                    currency2=currency,
                ),
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
        raise BadUserInput(_("method must be one of {names}", names=", ".join(RECORD_METHODS)), field="method")
    reference = (reference or "").strip()
    if not reference:
        raise BadUserInput(_("reference (the bank or check reference) is required"), field="reference")
    if len(reference) > BANK_REFERENCE_MAX:
        raise BadUserInput(
            _("reference must be at most {BANK_REFERENCE_MAX} characters", BANK_REFERENCE_MAX=BANK_REFERENCE_MAX),
            field="reference",
        )
    existing = await _receipt_by_reference(session, reference)
    if existing is not None:  # the same money again: a replay when it says the same total
        if amount is None:
            raise Conflict(
                _("Reference {reference} is already recorded as {number}", reference=reference, number=existing.number),
                field="reference",
            )
        return _same_receipt(existing, parse_amount(amount, existing.currency), existing.currency, method)
    invoices, allocation = await _load_for_payment(session, items, received=True)
    currency = invoices[0].currency
    allocated = sum(allocation.values(), ZERO)
    total = allocated
    if amount is not None:
        total = parse_amount(amount, currency)
        if total < allocated:
            raise BadUserInput(
                _(
                    "amount must be at least the {currency} {allocated} allocated",
                    currency=currency,
                    allocated=allocated,
                ),
                field="amount",
            )
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
    for p in due:
        await payment_changed(session, p, "PENDING")
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
        raise BadUserInput(
            _("method must be one of {names}", names=", ".join(sorted(EXTERNAL_METHODS))), field="method"
        )
    inv = await invoice_by_number(session, number, lock=True)
    if currency != inv.currency:
        raise BadUserInput(
            _(
                "Invoice {number} is in {currency}, not {currency2}",
                number=inv.number,
                currency=inv.currency,
                currency2=currency,
            ),
            field="currency",
        )
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0 or quantize(amount, currency) != amount:
        raise BadUserInput(_("amount must be a positive amount in cents"), field="amount")
    if inv.cancelled or amount > payable(inv):
        raise BadUserInput(
            _(
                "{currency} {amount} exceeds the {currency} {inv} still due on {number}",
                currency=currency,
                amount=amount,
                inv=payable(inv),
                number=inv.number,
            ),
            field="amount",
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
    await payment_recorded(session, payment)
    return inv


# ---- billing support records money received (the request's caller) --------------------------------
def _may_record(ctx: Context) -> None:
    ctx.require_tenant()
    ctx.require("payment", "record")


async def record_invoice_payment(
    ctx: Context,
    items: Sequence[PayItem],
    method: str,
    amount: Decimal | None,
    reference: str,
    idempotency_key: str | None = None,
) -> PaymentOutcome:
    """Billing support (``payment:record``) records money received for cited invoices
    (``record_payment``). Replaying an idempotency key returns the first outcome."""
    _may_record(ctx)

    async def run() -> dict[str, Any]:
        p = await record_payment(ctx.session, items, method, amount, reference, ctx.principal.email, ctx.now())
        return {"payment": p.number, "invoices": [i.invoice_number.strip() for i in items]}

    request = {
        "items": [(i.invoice_number, str(i.amount)) for i in items],
        "method": method,
        "amount": str(amount),
        "ref": reference,
    }
    return await payment_outcome(ctx, await idempotent(ctx, "invoicing.record", idempotency_key, request, run))


async def record_wire_receipt(ctx: Context, receipt: Receipt) -> PaymentOutcome:
    """Billing support (``payment:record``) records money that arrived at the bank (``record_receipt``);
    the outcome cites the invoices the money went to."""
    _may_record(ctx)
    p, _ = await record_receipt(ctx.session, receipt, ctx.principal.email, ctx.now())
    return await payment_outcome(ctx, {"payment": p.number, "invoices": sorted(p.allocation)})
