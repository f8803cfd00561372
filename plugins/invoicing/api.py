"""The invoicing plugin's public service API: the only invoicing code other plugins may import.

Other plugins (rewards) never import invoicing models. Everything here works on a session already
bound to the caller's tenant and takes part in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class InvoiceLineView:
    line_id: int
    product: str
    category: str  # SUPPORT_RENEWAL | SUBSCRIPTION | LICENSE | CLOUD_USAGE | SERVICES | ...
    program: str  # TECHNOLOGY | APPLICATIONS | ... (R-W7: rewards pay technology-program support renewals)
    product_family: str  # DATABASE | MIDDLEWARE | JAVA | MYSQL | LINUX | ...
    bundles_license: bool  # subscription bundling license + support (R-W7 excludes these)
    pre_tax_amount: Decimal
    tax_amount: Decimal


@dataclass(frozen=True)
class InvoiceView:
    number: str
    currency: str
    invoice_date: date
    due_date: date
    status: str  # OPEN | OVERDUE | CLOSED (R-I1)
    pre_tax_total: Decimal
    tax_total: Decimal
    total: Decimal
    balance: Decimal
    paid_by_method: dict[str, Decimal]  # e.g. {"CARD": ..., "REWARDS": ...}
    recipient_email: str
    lines: tuple[InvoiceLineView, ...]


async def get_invoice(session: AsyncSession, invoice_number: str) -> InvoiceView | None:
    """The invoice with that number in the session's tenant, or None."""
    raise NotImplementedError  # implemented by the invoicing plugin


async def apply_payment(
    session: AsyncSession,
    invoice_number: str,
    amount: Decimal,
    currency: str,
    *,
    method: str,
    reference: str,
    actor_email: str,
    now: object,
) -> InvoiceView:
    """Record a payment (e.g. method="REWARDS") on the invoice, locking the invoice row (FOR UPDATE on
    PostgreSQL). Raises BadUserInput when the amount exceeds the balance or the currency differs;
    NotFound when there is no such invoice. Returns the invoice after the payment."""
    raise NotImplementedError  # implemented by the invoicing plugin
