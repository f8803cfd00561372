"""The invoice document (R-I2), as HTML and PDF in the reader's language: what an invoice must carry —
the seller (vendor settings: legal name, address, tax id) and the buyer (name, address, tax id as
issued), invoice and due dates (R-I4), order and PO number (R-I15), each line's pre-tax amount, tax
rate and tax (R-I21), totals with the whole-unit total the graph and the schedule show (R-I10),
payments and credits applied, the balance due, and how to pay: a wire to the vendor's bank citing
the invoice number (R-I17), or a card in the portal where cards are accepted (R-I16)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import documents
from core.context import Context
from core.errors import NotFound
from core.i18n import _
from core.money import Money
from plugins.invoicing.models import Application, Credit, Invoice, Payment
from plugins.invoicing.service.payments import cards_accepted
from plugins.invoicing.service.reads import refunds_for_invoice
from plugins.invoicing.service.rules import PAYMENT_TERMS_DAYS, status_of

TEMPLATES = documents.environment(Path(__file__).resolve().parent.parent / "templates")


async def invoice_document_html(ctx: Context, number: str, locale: str) -> tuple[str, str]:
    """The invoice ``number`` of the caller's tenant as HTML in ``locale``, and its file name."""
    ctx.require_tenant()
    ctx.require("invoice", "view")
    inv = (
        await ctx.session.execute(select(Invoice).where(Invoice.number == number).options(selectinload(Invoice.lines)))
    ).scalar_one_or_none()
    if inv is None:
        raise NotFound(_("No invoice '{number}'", number=number))
    applied = (
        await ctx.session.execute(
            select(Application, Payment.number, Payment.reference, Credit.number)
            .outerjoin(Payment, Payment.id == Application.payment_id)
            .outerjoin(Credit, Credit.id == Application.credit_id)
            .where(Application.invoice_id == inv.id)
            .order_by(Application.id)
        )
    ).all()
    settings = ctx.state.settings
    html = documents.render(
        TEMPLATES,
        "invoice.html",
        locale,
        inv=inv,
        lines=inv.lines,
        status=status_of(inv.balance, inv.due_date, ctx.today()),
        terms=PAYMENT_TERMS_DAYS,
        display_total_text=documents.format_money_whole(inv.total, inv.currency, locale),
        balance=Money(inv.balance, inv.currency),
        cc=[e for e in inv.cc_emails.split(",") if e],
        applied=[(a, " · ".join(x for x in (p or c, ref) if x)) for a, p, ref, c in applied],
        refunds=await refunds_for_invoice(ctx.session, inv),
        seller=_seller(settings),
        cards=cards_accepted(inv.country),
    )
    return html, f"invoice-{inv.number}"


def _seller(settings: Any) -> dict[str, str]:
    return {
        "name": settings.vendor_legal_name,
        "address": settings.vendor_address,
        "tax_id": settings.vendor_tax_id,
        "bank": settings.vendor_bank_name,
        "iban": settings.vendor_iban,
        "bic": settings.vendor_bic,
    }
