"""The events invoicing publishes (``plugins.invoicing.api.EVENTS``), from code holding only a session:
``core.context.context_of`` gives the request's, job's or import's context for the invoice's tenant."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.context import context_of, is_import
from plugins.invoicing.api import (
    INVOICE_CREATED,
    INVOICE_IMPORTED,
    PAYMENT_CREATED,
    PAYMENT_IMPORTED,
    invoice_payload,
    payment_payload,
)
from plugins.invoicing.models import Invoice, Payment


async def invoice_written(session: AsyncSession, inv: Invoice) -> None:
    """``invoice.created``, or ``invoice.imported`` when the import wrote it."""
    ctx = await context_of(session, inv.tenant_id)
    await ctx.emit(INVOICE_IMPORTED if is_import(ctx) else INVOICE_CREATED, invoice_payload(inv))


async def payment_recorded(session: AsyncSession, payment: Payment) -> None:
    """``payment.created``, or ``payment.imported`` when the import recorded it."""
    ctx = await context_of(session, payment.tenant_id)
    await ctx.emit(PAYMENT_IMPORTED if is_import(ctx) else PAYMENT_CREATED, payment_payload(payment))
