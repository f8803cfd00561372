"""Reads shared by the graph, downloads and the public API."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import BadUserInput
from core.money import quantize
from plugins.invoicing.models import Application, Credit, Dispute, Invoice, Refund
from plugins.invoicing.service.rules import STATUSES


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
