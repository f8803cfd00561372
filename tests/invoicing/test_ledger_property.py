"""Property test of the money invariant (issue 4): for any sequence of invoices, card / wire /
recorded / rewards payments, overpayments, disputes (rebill, cancel, reject) and refunds,

    Σ settled payments = Σ net applied to invoices + Σ open credit + Σ refunded     (exactly, Decimal)

and every invoice's balance = total − credited − applied stays within [0, total]. Runs the service
layer on an in-memory SQLite database; each operation runs in a savepoint and a refused one (typed
error) must leave the books as they were."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.pool import StaticPool

from core import models as core_models
from core.db import Base, make_engine, make_sessionmaker
from core.errors import AppError
from plugins.invoicing import models as m
from plugins.invoicing import service as svc
from plugins.invoicing.gateway import TestGateway

CENTS = st.integers(min_value=1, max_value=30_000_000)
IDX = st.integers(min_value=0, max_value=30)

OPS = st.one_of(
    st.tuples(st.just("issue"), CENTS, st.sampled_from(["US", "IN"])),
    st.tuples(st.just("card"), IDX, st.integers(0, 100), st.booleans()),
    st.tuples(st.just("wire"), IDX, st.integers(0, 500_000)),
    st.tuples(st.just("record"), IDX, st.integers(0, 500_000)),
    st.tuples(st.just("rewards"), IDX, st.integers(1, 100)),
    st.tuples(st.just("dispute"), IDX, st.sampled_from(["REBILL", "CANCEL", "REJECT"]), st.integers(0, 100)),
    st.tuples(st.just("refund"), IDX),
    st.tuples(st.just("days"), st.integers(1, 5)),
)


def cents(n: int) -> Decimal:
    return (Decimal(n) / 100).quantize(Decimal("0.01"))


async def books(session) -> None:  # noqa: ANN001
    async def total(stmt) -> Decimal:  # noqa: ANN001
        return Decimal(str((await session.execute(stmt)).scalar_one() or 0)).quantize(Decimal("0.01"))

    paid = await total(select(func.sum(m.Payment.amount)).where(m.Payment.status.in_(["SUCCEEDED"])))
    applied = await total(select(func.sum(m.Application.amount)))
    open_credit = await total(select(func.sum(m.Credit.remaining)))
    refunded = await total(select(func.sum(m.Refund.amount)))
    assert paid == applied + open_credit + refunded, (paid, applied, open_credit, refunded)
    for inv in (await session.execute(select(m.Invoice))).scalars():
        on_it = await total(select(func.sum(m.Application.amount)).where(m.Application.invoice_id == inv.id))
        assert inv.applied_total == on_it
        assert inv.balance == inv.total - inv.credited_total - inv.applied_total
        assert 0 <= inv.balance <= inv.total and inv.pending_total >= 0
    for c in (await session.execute(select(m.Credit))).scalars():
        used = await total(select(func.sum(m.Application.amount)).where(m.Application.credit_id == c.id))
        back = await total(select(func.sum(m.Refund.amount)).where(m.Refund.credit_id == c.id))
        assert c.remaining == c.amount - used - back and 0 <= c.remaining <= c.amount


async def scenario(ops: list[tuple]) -> None:
    engine = make_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    maker = make_sessionmaker(engine)
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    gateway = TestGateway()
    async with maker() as session:
        session.add(core_models.Tenant(key="t", name="T", created_at=now))
        await session.flush()
        session.info["tenant_id"] = 1
        numbers: list[str] = []
        disputes = 0
        for op in ops:
            kind = op[0]

            def pick(i: int) -> str | None:
                return numbers[i % len(numbers)] if numbers else None

            try:
                async with session.begin_nested():
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
                        await svc.pay_invoices(session, req, "f@t.com", now, gateway)
                    elif kind == "wire" and pick(op[1]):
                        req = svc.PayRequest([svc.PayItem(pick(op[1]))], "WIRE")
                        p = await svc.pay_invoices(session, req, "f@t.com", now, gateway)
                        if op[2]:
                            p.amount += cents(op[2])
                            p.allocation = {k: str(Decimal(v) + cents(op[2])) for k, v in p.allocation.items()}
                    elif kind == "record" and pick(op[1]):
                        inv = await svc.invoice_by_number(session, pick(op[1]))
                        extra = svc.payable(inv) + cents(op[2]) if op[2] else None
                        await svc.record_payment(session, [svc.PayItem(inv.number)], "CHECK", extra, "ref", "bs", now)
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
                        disputes += 1
                    elif kind == "refund":
                        credits = list((await session.execute(select(m.Credit).order_by(m.Credit.id))).scalars())
                        if credits:
                            await svc.request_refund(session, credits[op[1] % len(credits)].number, "f", now)
                    elif kind == "days":
                        now += timedelta(days=op[1])
                        await svc.settle_due_wires(session, now.date(), now)
                event(f"{kind} done")
            except AppError as exc:
                event(f"{kind} refused: {exc.code}")  # refused by a rule: the savepoint rolled back
            await books(session)
        now += timedelta(days=10)
        await svc.settle_due_wires(session, now.date(), now)
        await books(session)
    await engine.dispose()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, min_size=1, max_size=25))
def test_money_invariant_holds_for_any_sequence(ops):
    asyncio.run(scenario(ops))
