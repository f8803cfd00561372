"""Property test of the money invariants (issue 4, R-I17, R-I19, R-I20): for any sequence of invoices,
card payments (declined, repeated with an idempotency key, answers lost by the gateway, the gateway
unreachable), wire notices of any amount, receipts recorded or matched from a payer's reference,
rewards payments, disputes (rebill, cancel, reject), refunds with and without approval, reconciliation
of card intents and days passing:

1. Σ money received = Σ net applied to invoices + Σ open credit + Σ refunds not rejected  (exactly, Decimal),
   where money received is the SUCCEEDED payments only: a wire notice is never money (R-I17);
2. every payment's money is accounted for by its own applications and credits, and a notice, a
   declined card or a pending intent has neither — so no credit exists without money received;
3. refunds never exceed received-and-unapplied money: per credit, refunded ≤ amount − applied; in all,
   Σ refunds ≤ Σ received − Σ applied; rewards are never refunded (R-W10);
4. a rebill's first money is the disputed invoice's own payment (R-I20): its leading applications
   are transfers of the money freed from the original, min(freed, rebill total) of it;
5. every charge the gateway made is a SUCCEEDED card payment of the same amount or an intent still
   PENDING (to be reconciled); an invoice is held exactly by the PENDING intents citing it; after a
   final reconciliation nothing is pending, so no card was charged without a payment;
6. every invoice's balance = total − credited − applied stays within [0, total].

Each operation runs in its own transaction on a SQLite file, like a request (card intents commit in
their own, as in production); a refused one (typed error) must leave the books as they were."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections import defaultdict
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import models as core_models
from core.app import create_state
from core.db import Base, make_engine, tenant_session
from core.errors import AppError
from core.settings import Settings
from plugins.invoicing import models as m
from plugins.invoicing import service as svc
from plugins.invoicing.gateway import TestGateway

CENTS = st.integers(min_value=1, max_value=30_000_000)
IDX = st.integers(min_value=0, max_value=30)
KEY = st.one_of(st.none(), st.integers(0, 3))

OPS = st.one_of(
    st.tuples(st.just("issue"), CENTS, st.sampled_from(["US", "IN"])),
    # card: invoice, % of what is payable, declined?, idempotency key, gateway fault
    st.tuples(
        st.just("card"), IDX, st.integers(0, 100), st.booleans(), KEY, st.sampled_from([None, "before", "after"])
    ),
    st.tuples(st.just("wire"), IDX, st.integers(0, 50_000_000)),  # a notice announcing any extra amount
    st.tuples(st.just("record"), IDX, st.integers(0, 500_000)),
    # receipt: invoice, amount, cited by reference (or not at all), currency, bank reference number
    st.tuples(st.just("receipt"), IDX, CENTS, st.booleans(), st.sampled_from(["USD", "USD", "EUR"]), st.integers(0, 8)),
    st.tuples(st.just("rewards"), IDX, st.integers(1, 100)),
    st.tuples(st.just("dispute"), IDX, st.sampled_from(["REBILL", "CANCEL", "REJECT"]), st.integers(0, 150)),
    st.tuples(st.just("refund"), IDX, st.integers(0, 50_000)),  # credit, approval limit in dollars
    st.tuples(st.just("decide"), IDX, st.booleans()),
    st.tuples(
        st.just("reconcile"),
    ),
    st.tuples(st.just("days"), st.integers(1, 5)),
)


def cents(n: int) -> Decimal:
    return (Decimal(n) / 100).quantize(Decimal("0.01"))


def dec(v: object) -> Decimal:
    return Decimal(str(v or 0)).quantize(Decimal("0.01"))


async def books(session: AsyncSession, gateway: TestGateway) -> None:  # noqa: C901 - one invariant per block
    async def total(stmt) -> Decimal:  # noqa: ANN001
        return dec((await session.execute(stmt)).scalar_one())

    kept = m.Refund.status != "REJECTED"
    received = await total(select(func.sum(m.Payment.amount)).where(m.Payment.status == "SUCCEEDED"))
    applied = await total(select(func.sum(m.Application.amount)))
    open_credit = await total(select(func.sum(m.Credit.remaining)))
    refunded = await total(select(func.sum(m.Refund.amount)).where(kept))
    # 1. the ledger balances, and only money received is in it
    assert received == applied + open_credit + refunded, (received, applied, open_credit, refunded)
    # 3. refunds never exceed received-and-unapplied money
    assert refunded <= received - applied
    rewards_refunded = await total(
        select(func.sum(m.Refund.amount))
        .join(m.Credit, m.Credit.id == m.Refund.credit_id)
        .where(kept, m.Credit.method == "REWARDS")
    )
    assert rewards_refunded == 0
    # 2. each payment's money is its applications plus its credits; no money, no applications or credits
    for p in (await session.execute(select(m.Payment))).scalars():
        own = await total(select(func.sum(m.Application.amount)).where(m.Application.payment_id == p.id))
        credited = await total(select(func.sum(m.Credit.amount)).where(m.Credit.payment_id == p.id))
        assert own + credited == (p.amount if p.status == "SUCCEEDED" else 0), (p.number, p.status, own, credited)
    for c in (await session.execute(select(m.Credit))).scalars():
        used = await total(select(func.sum(m.Application.amount)).where(m.Application.credit_id == c.id))
        back = await total(select(func.sum(m.Refund.amount)).where(m.Refund.credit_id == c.id, kept))
        assert c.remaining == c.amount - used - back and 0 <= c.remaining <= c.amount
        assert back <= c.amount - used  # 3. per credit
        assert c.payment_id is not None  # every credit holds a received payment's money
    invoices = {inv.id: inv for inv in (await session.execute(select(m.Invoice))).scalars()}
    for inv in invoices.values():
        on_it = await total(select(func.sum(m.Application.amount)).where(m.Application.invoice_id == inv.id))
        assert inv.applied_total == on_it
        assert inv.balance == inv.total - inv.credited_total - inv.applied_total
        assert 0 <= inv.balance <= inv.total and inv.pending_total >= 0
    # 4. a rebill's first money is the disputed invoice's own payment
    for d in (await session.execute(select(m.Dispute).where(m.Dispute.status == "REBILLED"))).scalars():
        original, rebill = invoices[d.invoice_id], invoices[d.rebill_invoice_id]
        reversals = list(
            (
                await session.execute(
                    select(m.Application).where(
                        m.Application.invoice_id == original.id, m.Application.kind == "REVERSAL"
                    )
                )
            ).scalars()
        )
        freed = -sum((a.amount for a in reversals), Decimal(0))
        own = {a.credit_id for a in reversals if a.credit_id} | set(
            (await session.execute(select(m.Credit.id).where(m.Credit.dispute_id == d.id))).scalars()
        )
        first = Decimal(0)
        for a in (
            await session.execute(
                select(m.Application).where(m.Application.invoice_id == rebill.id).order_by(m.Application.id)
            )
        ).scalars():
            if a.kind != "TRANSFER" or a.credit_id not in own:
                break
            first += a.amount
        assert first == min(freed, rebill.total), (d.number, first, freed, rebill.total)
    # 5. every charge is a payment, or an intent waiting to be reconciled
    intents = {i.gateway_key: i for i in (await session.execute(select(m.PaymentIntent))).scalars()}
    pending = {i.id for i in intents.values() if i.status == "PENDING"}
    for key, result in gateway._by_key.items():
        intent = intents[key]
        if not result.ok:
            assert intent.status in ("PENDING", "FAILED")
            continue
        assert intent.status in ("PENDING", "SUCCEEDED"), (key, intent.status)
        if intent.status == "SUCCEEDED":
            payment = await session.get(m.Payment, intent.payment_id)
            assert payment.status == "SUCCEEDED" and payment.amount == intent.amount
    charged = sum((a for _, a, _ in gateway.charges), Decimal(0))
    paid_by_card = await total(
        select(func.sum(m.Payment.amount)).where(m.Payment.method == "CARD", m.Payment.status == "SUCCEEDED")
    )
    waiting = sum(
        (
            i.amount
            for i in intents.values()
            if i.status == "PENDING" and getattr(gateway._by_key.get(i.gateway_key), "ok", False)
        ),
        0,
    )
    assert charged == paid_by_card + waiting, (charged, paid_by_card, waiting)
    holds: dict[int, set[str]] = defaultdict(set)
    for i in intents.values():
        if i.status == "PENDING":
            for number in i.allocation:
                holds[i.id].add(number)
    for inv in invoices.values():
        if inv.intent_id is not None:
            assert inv.intent_id in pending and inv.number in holds[inv.intent_id]
    for iid, numbers in holds.items():
        assert all(inv.intent_id == iid for inv in invoices.values() if inv.number in numbers)


async def scenario(ops: list[tuple]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="cc-ledger-"))
    url = f"sqlite+aiosqlite:///{folder / 'ledger.db'}"
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    # The server's sessionmaker: the ledger publishes its events through context_of(session).
    maker = create_state(Settings(database_url=url), engine=engine).sessionmaker
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    gateway = TestGateway()
    async with maker() as session, session.begin():
        session.add(core_models.Tenant(key="t", name="T", created_at=now))

    def begin() -> AbstractAsyncContextManager[AsyncSession]:
        return tenant_session(maker, 1)

    numbers: list[str] = []
    try:
        for step, op in enumerate(ops):
            kind = op[0]

            def pick(i: int) -> str | None:
                return numbers[i % len(numbers)] if numbers else None

            try:
                async with begin() as session:
                    await run(session, begin, gateway, kind, op, pick, numbers, now, step)
                event(f"{kind} done")
            except AppError as exc:
                event(f"{kind} refused: {exc.code}")  # refused by a rule: its transaction rolled back
            if kind == "days":
                now += timedelta(days=op[1])
                async with begin() as session:
                    await svc.mark_overdue_notices(session, now.date(), now)
            async with begin() as session:
                await books(session, gateway)
        await svc.reconcile_card_intents(begin, gateway, now)
        async with begin() as session:
            await books(session, gateway)
            assert (
                await session.execute(select(m.PaymentIntent).where(m.PaymentIntent.status == "PENDING"))
            ).first() is None
    finally:
        await engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


async def run(session, begin, gateway, kind, op, pick, numbers, now, step) -> None:  # noqa: ANN001, C901, PLR0912
    if kind == "issue":
        inv = await svc.create_invoice(
            session,
            svc.InvoiceSpec(
                currency="USD",
                country=op[2],
                invoice_date=now.date(),
                billing_email="f@t.com",
                notify=False,
                lines=[svc.LineSpec(product="p", pre_tax_amount=cents(op[1]))],
            ),
            now,
        )
        numbers.append(inv.number)
    elif kind == "card" and pick(op[1]):
        inv = await svc.invoice_by_number(session, pick(op[1]))
        amount = max(svc.quantize(svc.payable(inv) * op[2] / 100), Decimal("0.01"))
        token = "tok_decline_1" if op[3] else "tok_visa_4242"
        req = svc.PayRequest([svc.PayItem(inv.number, amount)], "CARD", card_token=token)
        key = None if op[4] is None else f"key-{op[4]}"
        gateway.fail_next = op[5]
        try:
            await svc.pay_invoices(
                session, req, "f@t.com", now, gateway, begin=begin, idempotency_key=key, request_hash=f"{inv.number}"
            )
        finally:
            gateway.fail_next = None
    elif kind == "wire" and pick(op[1]):
        req = svc.PayRequest([svc.PayItem(pick(op[1]))], "WIRE")
        inv = await svc.invoice_by_number(session, pick(op[1]))
        req.wire_amount = svc.payable(inv) + cents(op[2])
        await svc.pay_invoices(session, req, "f@t.com", now, gateway)
    elif kind == "record" and pick(op[1]):
        inv = await svc.invoice_by_number(session, pick(op[1]))
        extra = inv.balance + cents(op[2]) if op[2] else None
        await svc.record_payment(session, [svc.PayItem(inv.number)], "CHECK", extra, f"chk-{step}", "bs", now)
    elif kind == "receipt" and pick(op[1]):
        number = pick(op[1])
        cite = {"payer_reference": f"payment for {number.lower()}"} if op[3] else {"payer_reference": "no invoice"}
        receipt = svc.Receipt(cents(op[2]), op[4], now.date(), f"bank-{op[5]}", **cite)
        await svc.record_receipt(session, receipt, "bs", now)
    elif kind == "rewards" and pick(op[1]):
        inv = await svc.invoice_by_number(session, pick(op[1]))
        amount = max(svc.quantize(svc.payable(inv) * op[2] / 100), Decimal("0.01"))
        await svc.pay_with_external(session, inv.number, amount, "USD", "REWARDS", "r", "f", now)
    elif kind == "dispute" and pick(op[1]):
        d = await svc.open_dispute(session, pick(op[1]), "wrong", "f@t.com", now)
        inv = await session.get(m.Invoice, d.invoice_id)
        lines = [svc.RebillLine(0, svc.quantize(inv.pre_tax_total * op[3] / 100))]
        await svc.resolve_dispute(session, d.number, op[2], "bs", now, rebill_lines=lines)
        if d.rebill_invoice_id:
            numbers.append((await session.get(m.Invoice, d.rebill_invoice_id)).number)
    elif kind == "refund":
        credits = list((await session.execute(select(m.Credit).order_by(m.Credit.id))).scalars())
        if credits:
            credit = credits[op[1] % len(credits)]
            await svc.request_refund(session, credit.number, "f", now, approval_above_usd=Decimal(op[2]))
    elif kind == "decide":
        waiting = list(
            (
                await session.execute(
                    select(m.Refund).where(m.Refund.status == "PENDING_APPROVAL").order_by(m.Refund.id)
                )
            ).scalars()
        )
        if waiting:
            refund = waiting[op[1] % len(waiting)]
            await svc.decide_refund(session, refund.number, op[2], "bs2", now, "" if op[2] else "no")
    elif kind == "reconcile":
        await svc.reconcile_card_intents(begin, gateway, now)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, min_size=1, max_size=25))
def test_money_invariant_holds_for_any_sequence(ops):
    """R-I17, R-I19, R-I20: the invariants of the module docstring hold after every operation."""
    asyncio.run(scenario(ops))
