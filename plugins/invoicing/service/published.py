"""The events invoicing publishes (``plugins.invoicing.api.EVENTS``), from code holding only a session:
``core.context.context_of`` gives the request's, job's or import's context for the invoice's tenant."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import context_of, is_import
from plugins.invoicing.api import (
    DISPUTE_RESOLVED,
    INVOICE_CHANGED,
    INVOICE_CREATED,
    INVOICE_IMPORTED,
    PAYMENT_CHANGED,
    PAYMENT_CREATED,
    PAYMENT_IMPORTED,
    invoice_payload,
    payment_payload,
)
from plugins.invoicing.models import Dispute, Invoice, Payment
from plugins.invoicing.service.rules import LEDGER_CHANGED


async def ledger_changed(session: AsyncSession, *, besides: Invoice | None = None) -> None:
    """``invoice.changed`` for each invoice whose balance moved since the last publication (the
    ledger's ``_recompute`` remembers them), but ``besides``, which its own event describes."""
    marked = session.info.pop(LEDGER_CHANGED, {})
    for inv in sorted(marked.values(), key=lambda i: i.id):
        if inv is besides:
            continue
        ctx = await context_of(session, inv.tenant_id)
        await ctx.emit(INVOICE_CHANGED, {**invoice_payload(inv), "cancelled": bool(inv.cancelled)})


async def invoice_written(session: AsyncSession, inv: Invoice) -> None:
    """``invoice.created``, or ``invoice.imported`` when the import wrote it (and ``invoice.changed``
    for the other invoices its credits moved)."""
    await ledger_changed(session, besides=inv)
    ctx = await context_of(session, inv.tenant_id)
    await ctx.emit(INVOICE_IMPORTED if is_import(ctx) else INVOICE_CREATED, invoice_payload(inv))


async def payment_recorded(session: AsyncSession, payment: Payment) -> None:
    """``payment.created``, or ``payment.imported`` when the import recorded it, then
    ``invoice.changed`` for the invoices it (or the credit it left) paid."""
    ctx = await context_of(session, payment.tenant_id)
    await ctx.emit(PAYMENT_IMPORTED if is_import(ctx) else PAYMENT_CREATED, payment_payload(payment))
    await ledger_changed(session)


async def payment_changed(session: AsyncSession, payment: Payment, previous_status: str) -> None:
    """``payment.changed``: a wire notice matched by its receipt, or overdue."""
    ctx = await context_of(session, payment.tenant_id)
    await ctx.emit(PAYMENT_CHANGED, {**payment_payload(payment), "previous_status": previous_status})


async def dispute_resolved(session: AsyncSession, dispute: Dispute) -> None:
    """``dispute.resolved``, once per dispute (a resolved dispute is never resolved again)."""
    ids = [i for i in (dispute.invoice_id, dispute.rebill_invoice_id) if i is not None]
    numbers = dict((await session.execute(select(Invoice.id, Invoice.number).where(Invoice.id.in_(ids)))).all())
    await ledger_changed(session)
    ctx = await context_of(session, dispute.tenant_id)
    await ctx.emit(
        DISPUTE_RESOLVED,
        {
            "dispute_id": dispute.id,
            "number": dispute.number,
            "invoice_number": numbers[dispute.invoice_id],
            "status": dispute.status,
            "rebill_invoice_number": numbers.get(dispute.rebill_invoice_id),
            "resolved_by": dispute.resolved_by,
            "resolved_at": dispute.resolved_at.isoformat() if dispute.resolved_at else None,
        },
    )
