"""The ledger: applications of payments and credits to invoices, and open credits (R-I19).

Ledger invariant (checked by a property test): Σ settled payments = Σ net applications to invoices
+ Σ open credit + Σ refunds, exactly, in Decimal. Every function that moves money keeps it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.invoicing.models import Application, Credit, Dispute, Invoice, Payment
from plugins.invoicing.service.rules import ZERO, _lock, _recompute, next_number


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
    move_onto(inv, amount, credit)


def move_onto(inv: Invoice, amount: Decimal, credit: Credit | None = None) -> None:
    """What an application of ``amount`` does to the invoice's balance (and the credit drawn from),
    its ledger row aside."""
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
