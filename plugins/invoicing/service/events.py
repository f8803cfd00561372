"""Events from other plugins: ``renewal.accepted`` issues the support-renewal invoice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.errors import BadUserInput
from core.i18n import _
from core.money import CURRENCIES, parse_amount
from plugins.invoicing.models import Invoice
from plugins.invoicing.service.invoices import InvoiceSpec, LineSpec, account_contacts, create_invoice
from plugins.invoicing.service.rules import ORDER_PAYMENT_METHODS, ZERO
from plugins.renewals.api import RENEWAL_ACCEPTED

# ---- events from other plugins ----------------------------------------------------------------
RENEWAL_CATEGORY = "SUPPORT_RENEWAL"
RENEWAL_PROGRAM = "TECHNOLOGY"


async def invoice_from_renewal(session: AsyncSession, tenant: Any, payload: dict[str, Any], now: datetime) -> Invoice:
    """``renewal.accepted`` → the support-renewal invoice (category SUPPORT_RENEWAL, program TECHNOLOGY),
    taxed by the order's country (R-I21), sent to the order's billing email with the quote-to and
    account contacts copied (R-I3). Idempotent per order number."""
    order_number = str(payload.get("order_number") or "").strip()
    if not order_number:
        raise BadUserInput(_("renewal.accepted without an order number"), field="order_number")
    currency = str(payload.get("currency") or "USD")
    if currency not in CURRENCIES:
        raise BadUserInput(_("Unknown currency '{currency}'", currency=currency), field="currency")
    method = str(payload.get("payment_method") or "INVOICE")
    if method not in ORDER_PAYMENT_METHODS:
        raise BadUserInput(_("Unknown payment method '{method}'", method=method), field="payment_method")
    lines: list[LineSpec] = []
    for i, raw in enumerate(payload.get("lines") or []):
        lines.append(
            LineSpec(
                product=str(raw.get("product") or "Support renewal")[:200],
                product_family=str(raw.get("product_family") or "")[:32],
                pre_tax_amount=parse_amount(raw.get("amount"), currency, allow_zero=True, field=f"lines[{i}].amount"),
                category=RENEWAL_CATEGORY,
                program=RENEWAL_PROGRAM,
                description=f"Support renewal {payload.get('support_number') or ''}".strip(),
            )
        )
    total = parse_amount(payload.get("amount"), currency, allow_zero=True)
    if not lines:
        lines = [LineSpec(product="Support renewal", pre_tax_amount=total, category=RENEWAL_CATEGORY)]
    elif sum((ln.pre_tax_amount for ln in lines), ZERO) != total:
        raise BadUserInput(_("renewal.accepted lines do not add up to the amount"), field="lines")
    accepted_at = payload.get("accepted_at")
    invoice_date = datetime.fromisoformat(accepted_at).date() if accepted_at else now.date()
    profile_email, contacts = await account_contacts(session)
    billing_email = str(payload.get("billing_email") or profile_email or payload.get("quote_to_email") or "")
    cc = [str(payload.get("quote_to_email") or ""), *contacts]
    return await create_invoice(
        session,
        InvoiceSpec(
            currency=currency,
            country=str(payload.get("country") or getattr(tenant, "country", "US") or "US"),
            invoice_date=invoice_date,
            billing_email=billing_email,
            cc_emails=[e for e in cc if e],
            lines=lines,
            order_number=order_number,
            po_number=(payload.get("po_number") or None),
            order_payment_method=method,
            source="RENEWAL",
            source_key=f"renewal:{order_number}",
            buyer_name=str(payload.get("billing_name") or ""),
            buyer_address=str(payload.get("billing_address") or ""),
        ),
        now,
        getattr(tenant, "id", None),
    )


async def on_event(ctx: Context, event: str, payload: dict[str, Any]) -> None:
    """What invoicing does on another plugin's event (``cc_on_event``): an accepted renewal is invoiced
    in the emitting request's transaction, so an invoice that cannot be issued vetoes the order."""
    if event == RENEWAL_ACCEPTED:
        await invoice_from_renewal(ctx.session, ctx.tenant, payload, ctx.now())
