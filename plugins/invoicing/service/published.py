"""The events invoicing publishes (``plugins.invoicing.api.EVENTS``), from code holding only a session:
``core.context.context_of`` gives the request's, job's or import's context for the invoice's tenant."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import context_of, is_import
from plugins.invoicing.api import (
    DISPUTE_RESOLVED,
    INVOICE_CREATED,
    INVOICE_IMPORTED,
    PAYMENT_CREATED,
    PAYMENT_IMPORTED,
    invoice_payload,
    payment_payload,
)
from plugins.invoicing.models import Dispute, Invoice, Payment


async def invoice_written(session: AsyncSession, inv: Invoice) -> None:
    """``invoice.created``, or ``invoice.imported`` when the import wrote it."""
    ctx = await context_of(session, inv.tenant_id)
    await ctx.emit(INVOICE_IMPORTED if is_import(ctx) else INVOICE_CREATED, invoice_payload(inv))


async def payment_recorded(session: AsyncSession, payment: Payment) -> None:
    """``payment.created``, or ``payment.imported`` when the import recorded it."""
    ctx = await context_of(session, payment.tenant_id)
    await ctx.emit(PAYMENT_IMPORTED if is_import(ctx) else PAYMENT_CREATED, payment_payload(payment))


async def dispute_resolved(session: AsyncSession, dispute: Dispute) -> None:
    """``dispute.resolved``, once per dispute (a resolved dispute is never resolved again)."""
    ids = [i for i in (dispute.invoice_id, dispute.rebill_invoice_id) if i is not None]
    numbers = dict((await session.execute(select(Invoice.id, Invoice.number).where(Invoice.id.in_(ids)))).all())
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
