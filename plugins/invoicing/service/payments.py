"""Customer payments of invoices (R-I16…R-I19): the card rules, wire notices, and ``pay``, the
portal's payment (card or wire) for the request's caller."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import countries
from core.db import tenant_session
from core.errors import BadUserInput, NotFound
from core.exchange import RateTable, rate_table
from core.i18n import _
from core.idempotency import MAX_KEY, idempotent
from core.money import parse_amount
from plugins.invoicing.gateway import get_gateway
from plugins.invoicing.models import Invoice, Payment
from plugins.invoicing.service.ledger import payable
from plugins.invoicing.service.published import payment_recorded
from plugins.invoicing.service.reads import invoices_by_numbers
from plugins.invoicing.service.rules import (
    MAX_INVOICES_PER_PAYMENT,
    PAY_METHODS,
    WIRE_ARRIVAL_BUSINESS_DAYS,
    WIRE_CLOSE_BUSINESS_DAYS,
    ZERO,
    _lock,
    add_business_days,
    next_number,
)

if TYPE_CHECKING:
    from core.context import Context


# ---- payments ----------------------------------------------------------------------------------
@dataclass
class PayItem:
    invoice_number: str
    amount: Decimal | None = None  # None: the whole amount still payable


def cards_accepted(country: str) -> bool:
    return countries.cards_accepted(country)


def check_method_rules(
    invoices: Sequence[Invoice], method: str, charge: Decimal, currency: str, on: date, *, rates: RateTable
) -> None:
    """R-I16 for one payment over ``invoices``, by core's rule (the one renewal checkout applies too).

    Card: each invoice's total (net + tax) and the charge are transactions of their own for the card
    limit, in the invoice's country. Other methods: the card-only threshold applies per order, so
    combining several orders in one payment never lifts them over it."""
    if method == "CARD":
        for inv in invoices:
            what = _("Invoice {number}", number=inv.number)
            countries.check_payment_method(
                "CARD", inv.country, inv.total, inv.currency, on, rates=rates, field="method", what=what
            )
        what = _("This card payment")
        countries.check_payment_method(
            "CARD", invoices[0].country, charge, currency, on, rates=rates, field="method", what=what
        )
        return
    per_order: dict[str, Decimal] = defaultdict(lambda: ZERO)
    country_of: dict[str, str] = {}
    for inv in invoices:
        key = inv.order_number or f"invoice:{inv.number}"
        per_order[key] += inv.total
        country_of[key] = inv.country
    for key, total in per_order.items():
        what = (
            _("Invoice {number}", number=key.removeprefix("invoice:"))
            if key.startswith("invoice:")
            else _("Order {number}", number=key)
        )
        countries.check_payment_method(
            method, country_of[key], total, currency, on, rates=rates, field="method", what=what
        )


async def _load_for_payment(
    session: AsyncSession, items: Sequence[PayItem], *, received: bool = False
) -> tuple[list[Invoice], dict[str, Decimal]]:
    """The cited invoices (locked) and how much goes to each. A customer's payment may cover what is
    still payable — the balance less wires announced; money already ``received`` may cover the balance
    (the announced wire may be this very money)."""
    if not items:
        raise BadUserInput(_("Cite at least one invoice number (R-I17)"), field="invoices")
    if len(items) > MAX_INVOICES_PER_PAYMENT:
        raise BadUserInput(
            _(
                "At most {MAX_INVOICES_PER_PAYMENT} invoices per payment",
                MAX_INVOICES_PER_PAYMENT=MAX_INVOICES_PER_PAYMENT,
            ),
            field="invoices",
        )
    numbers = [i.invoice_number.strip() for i in items]
    if len(set(numbers)) != len(numbers):
        raise BadUserInput(_("An invoice is cited twice"), field="invoices")
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
        raise NotFound(_("No invoice '{value}'", value=missing[0]), field="invoices")
    invoices = [found[n] for n in numbers]
    currencies = {inv.currency for inv in invoices}
    if len(currencies) > 1:
        raise BadUserInput(_("Invoices in different currencies cannot be paid together"), field="invoices")
    currency = currencies.pop()
    allocation: dict[str, Decimal] = {}
    for item, inv in zip(items, invoices, strict=True):
        room = max(inv.balance, ZERO) if received else payable(inv)
        if inv.cancelled or room <= 0:
            raise BadUserInput(_("Invoice {number} has nothing left to pay", number=inv.number), field="invoices")
        if item.amount is None:
            amount = room
        else:
            amount = parse_amount(item.amount, currency)
            if amount > room:
                raise BadUserInput(
                    _(
                        "{currency} {amount} exceeds the {currency} {room} still due on {number}",
                        currency=currency,
                        amount=amount,
                        room=room,
                        number=inv.number,
                    ),
                    field="amount",
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


# session.info: a card payment's number -> the invoices its settlement locked and wrote (intents.py).
SETTLED_INVOICES = "invoicing.settled_invoices"

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
        raise BadUserInput(_("method must be one of {names}", names=", ".join(PAY_METHODS)), field="method")
    if req.method == "CARD":
        from plugins.invoicing.service.intents import pay_by_card  # intents builds on this module

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
    check_method_rules(invoices, "WIRE", charge, currency, now.date(), rates=await rate_table(session))
    announced = charge
    if req.wire_amount is not None:
        announced = parse_amount(req.wire_amount, currency, field="wireAmount")
        if announced < charge:
            raise BadUserInput(
                _("wireAmount must be at least the {currency} {charge} allocated", currency=currency, charge=charge),
                field="wireAmount",
            )
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
    await payment_recorded(session, payment)
    return payment


@dataclass(frozen=True)
class PaymentOutcome:
    """What a payment mutation answers: the payment and the invoices it cites, as they are now."""

    payment: Payment
    invoices: list[Invoice]


async def payment_outcome(ctx: Context, out: dict[str, Any]) -> PaymentOutcome:
    """The outcome recorded by a payment's run (``{"payment": number, "invoices": [numbers]}``, what an
    idempotent replay keeps), read again."""
    payment = (await ctx.session.execute(select(Payment).where(Payment.number == out["payment"]))).scalar_one()
    return PaymentOutcome(payment, await invoices_by_numbers(ctx, out["invoices"]))


def _request_of(req: PayRequest) -> dict[str, Any]:
    """The payment request as the idempotency key remembers it (a repeat must say the same)."""
    return {
        "items": [(i.invoice_number, str(i.amount)) for i in req.items],
        "method": req.method,
        "token": req.card_token,
        "saved": req.payment_method_id,
        "wire": str(req.wire_amount),
    }


async def pay(ctx: Context, req: PayRequest, idempotency_key: str | None = None) -> PaymentOutcome:
    """The caller pays invoices in the portal (``invoice:pay``): by card or by announcing a wire
    (``pay_invoices``). Replaying an idempotency key returns the first outcome."""
    ctx.require_tenant()
    ctx.require("invoice", "pay")
    request = _request_of(req)
    cited = [i.invoice_number.strip() for i in req.items]
    if req.method == "CARD":
        # The card's intent carries the idempotency key (see intents.pay_by_card): the charge must
        # happen between two transactions, so the request's single-transaction replay does not fit.
        key = idempotency_key
        if key is not None and (not key.strip() or len(key) > MAX_KEY):
            raise BadUserInput(
                _("idempotencyKey must be 1 to {MAX_KEY} characters", MAX_KEY=MAX_KEY), field="idempotencyKey"
            )
        tenant_id = ctx.tenant_id

        def begin() -> AbstractAsyncContextManager[AsyncSession]:
            return tenant_session(ctx.state.sessionmaker, tenant_id)

        p = await pay_invoices(
            ctx.session,
            req,
            ctx.principal.email,
            ctx.now(),
            get_gateway(ctx.state),
            begin=begin,
            idempotency_key=key,
            request_hash=hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest(),
        )
        settled = {inv.number: inv for inv in ctx.session.info.get(SETTLED_INVOICES, {}).pop(p.number, [])}
        if all(n in settled for n in cited):  # settled by this request: the objects in hand are current
            return PaymentOutcome(p, [settled[n] for n in cited])
        return await payment_outcome(ctx, {"payment": p.number, "invoices": cited})

    async def run() -> dict[str, Any]:
        p = await pay_invoices(ctx.session, req, ctx.principal.email, ctx.now(), get_gateway(ctx.state))
        return {"payment": p.number, "invoices": cited}

    return await payment_outcome(ctx, await idempotent(ctx, "invoicing.pay", idempotency_key, request, run))
