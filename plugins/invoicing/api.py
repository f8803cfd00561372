"""The invoicing plugin's public service API: the only invoicing code other plugins may import.

- reads: an invoice's public view by number (:func:`get_invoice`);
- payments made elsewhere: :func:`apply_payment` (support rewards, R-W9);
- events: :data:`EVENTS`, what the plugin emits through ``ctx.emit`` with each payload, and
  :data:`HANDLED_EVENTS`, those it reacts to.

Other plugins (rewards) never import invoicing models. Everything here works on a session already
bound to the caller's tenant and takes part in the caller's transaction; it checks no permission, so
the caller decides who may see what it reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.events import event_spec

# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------
INVOICE_CREATED = "invoice.created"
INVOICE_IMPORTED = "invoice.imported"
INVOICE_CHANGED = "invoice.changed"
PAYMENT_CREATED = "payment.created"
PAYMENT_IMPORTED = "payment.imported"
PAYMENT_CHANGED = "payment.changed"
DISPUTE_RESOLVED = "dispute.resolved"

_INVOICE_KEYS = (
    ("invoice_id", "int", "the invoice's internal id (stable: the idempotency key)"),
    ("number", "str", "the invoice number, e.g. INV-000001 (its public key)"),
    ("source", "str", "what issued it: RENEWAL, SCHEDULE, USAGE, REBILL or IMPORT"),
    ("currency", "str", "ISO-4217 code"),
    ("total", "str", "decimal total including tax"),
    ("balance", "str", "decimal amount still due"),
    ("invoice_date", "str", "ISO date of the invoice"),
    ("due_date", "str", "ISO date it is due (R-I4)"),
    ("order_number", "str | null", "the order it bills"),
    ("po_number", "str | null", "purchase order number"),
    ("billing_email", "str", "who receives it"),
)
_PAYMENT_KEYS = (
    ("payment_id", "int", "the payment's internal id (stable: the idempotency key)"),
    ("number", "str", "the payment number, e.g. PAY-000001"),
    ("method", "str", "CARD, WIRE, CHECK or REWARDS"),
    ("currency", "str", "ISO-4217 code"),
    ("amount", "str", "decimal amount"),
    ("status", "str", "RECEIVED/SUCCEEDED (applied), PENDING/MATCHED/OVERDUE (a wire notice), PROCESSING, FAILED"),
    ("invoice_numbers", "list", "the invoices it is allocated to"),
    ("actor_email", "str", "who recorded or made it"),
)
EVENTS = (
    event_spec(
        INVOICE_CREATED,
        "invoicing",
        "An invoice was issued (an accepted renewal, a billing schedule or usage job, a dispute's rebill), "
        "after its lines and taxes are written and open credits applied, before the commit.",
        *_INVOICE_KEYS,
    ),
    event_spec(
        INVOICE_IMPORTED,
        "invoicing",
        "An import wrote an invoice (section `invoices`, new or existing), after its payments, in the "
        "import's transaction.",
        *_INVOICE_KEYS,
    ),
    event_spec(
        INVOICE_CHANGED,
        "invoicing",
        "An existing invoice's balance moved: a payment or credit was applied to it, or a dispute's "
        "resolution credited or cancelled it. Published with the payment, invoice or dispute event that "
        "caused it, in the same transaction, once per invoice.",
        *_INVOICE_KEYS,
        ("cancelled", "bool", "the invoice was cancelled (a dispute's rebill or cancellation, R-I20)"),
    ),
    event_spec(
        PAYMENT_CREATED,
        "invoicing",
        "A payment was recorded: a customer's card payment or wire notice, a receipt billing support "
        "recorded, a rewards redemption; after it is applied to its invoices, before the commit.",
        *_PAYMENT_KEYS,
    ),
    event_spec(
        PAYMENT_CHANGED,
        "invoicing",
        "A customer's wire notice changed status: the bank receipt arrived and matched it (MATCHED), or "
        "its expected closing day passed without one (OVERDUE, the wire-notices job; R-I17).",
        *_PAYMENT_KEYS,
        ("previous_status", "str", "the status before, PENDING"),
    ),
    event_spec(
        PAYMENT_IMPORTED,
        "invoicing",
        "An import recorded a payment (a bank receipt, or a payment listed under an imported invoice), in "
        "the import's transaction.",
        *_PAYMENT_KEYS,
    ),
    event_spec(
        DISPUTE_RESOLVED,
        "invoicing",
        "Billing support resolved a dispute (R-I20: rebilled, cancelled or rejected), after the credit note, "
        "rebill and refunds are written (the rebill's own `invoice.created` comes first), before the commit.",
        ("dispute_id", "int", "the dispute's internal id (stable: the idempotency key)"),
        ("number", "str", "the dispute number"),
        ("invoice_number", "str", "the disputed invoice"),
        ("status", "str", "REBILLED, CANCELLED or REJECTED"),
        ("rebill_invoice_number", "str | null", "the corrected invoice, when rebilled"),
        ("resolved_by", "str", "email of who resolved it"),
        ("resolved_at", "str", "ISO-8601 UTC datetime"),
    ),
)
"""Every event the invoicing plugin emits, with its payload (docs/writing-a-plugin.md §5)."""


def invoice_payload(inv: Any) -> dict[str, Any]:
    return {
        "invoice_id": inv.id,
        "number": inv.number,
        "source": inv.source,
        "currency": inv.currency,
        "total": str(inv.total),
        "balance": str(inv.balance),
        "invoice_date": inv.invoice_date.isoformat(),
        "due_date": inv.due_date.isoformat(),
        "order_number": inv.order_number,
        "po_number": inv.po_number,
        "billing_email": inv.billing_email,
    }


def payment_payload(p: Any) -> dict[str, Any]:
    return {
        "payment_id": p.id,
        "number": p.number,
        "method": p.method,
        "currency": p.currency,
        "amount": str(p.amount),
        "status": p.status,
        "invoice_numbers": sorted(p.allocation or {}),
        "actor_email": p.actor_email,
    }


HANDLED_EVENTS: tuple[str, ...] = ("renewal.accepted",)
"""The events the plugin handles: ``renewal.accepted`` (``plugins.renewals.api.RENEWAL_ACCEPTED``)
issues the renewal's support-renewal invoice in the emitting transaction; an invoice it cannot issue
(an unknown currency or payment method, lines that do not add up) vetoes the order."""

# --------------------------------------------------------------------------------------------
# Views and functions
# --------------------------------------------------------------------------------------------


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
    payable: Decimal  # what may still be paid now: the balance less wires announced and not overdue (R-I17)
    paid_by_method: dict[str, Decimal]  # e.g. {"CARD": ..., "REWARDS": ...}
    recipient_email: str
    lines: tuple[InvoiceLineView, ...]
    invoice_id: int = 0  # the id of the ``Invoice`` type's global id
    tenant_id: int = 0
    order_number: str | None = None  # the order it bills (a renewal order's number, renewals.api)


async def get_invoice(session: AsyncSession, invoice_number: str, *, today: date | None = None) -> InvoiceView | None:
    """The invoice with that number in the session's tenant, or None. ``today`` (pass ``ctx.today()``)
    decides OPEN vs OVERDUE; it defaults to the UTC date."""
    from plugins.invoicing import service

    inv = await service.invoice_with_lines(session, invoice_number)
    if inv is None:
        return None
    return await _view(session, inv, today or _utc_today())


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
    from datetime import UTC, datetime

    from plugins.invoicing import service

    if isinstance(now, datetime):
        at = now
    elif isinstance(now, date):
        at = datetime(now.year, now.month, now.day, tzinfo=UTC)
    else:
        at = now.now()  # a Clock  # type: ignore[attr-defined]
    inv = await service.pay_with_external(session, invoice_number, amount, currency, method, reference, actor_email, at)
    await session.flush()
    view = await get_invoice(session, inv.number, today=at.date())
    assert view is not None
    return view


async def invoices_by_id(session: AsyncSession, invoice_ids: Sequence[int], *, today: date) -> list[InvoiceView | None]:
    """Invoices by id (``from_global_id(invoice.id, "Invoice")``), in ``ids``' order (None for an id
    without one in the session's tenant, when it is bound): three statements for any number, for the
    fields other plugins graft onto ``Invoice`` (a page of them asks once)."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from plugins.invoicing import service
    from plugins.invoicing.models import Invoice

    ids = list(invoice_ids)
    rows = (
        await session.execute(select(Invoice).where(Invoice.id.in_(ids)).options(selectinload(Invoice.lines)))
    ).scalars()
    found = {i.id: i for i in rows}
    paid = await service.paid_by_method(session, list(found))
    return [view_of(found[i], paid.get(i, {}), today) if i in found else None for i in ids]


async def invoice_orders(session: AsyncSession, invoice_ids: Sequence[int]) -> list[tuple[int, str | None] | None]:
    """(tenant id, order number) of invoices by id, in ``ids``' order (None for an id without one in the
    session's tenant, when it is bound): one statement — what a module needs to link its own objects to
    an invoice (renewals: the renewal whose order it bills)."""
    from sqlalchemy import select

    from plugins.invoicing.models import Invoice

    ids = list(invoice_ids)
    rows = await session.execute(select(Invoice.id, Invoice.tenant_id, Invoice.order_number).where(Invoice.id.in_(ids)))
    found = {i: (t, n) for i, t, n in rows}
    return [found.get(i) for i in ids]


def _utc_today() -> date:
    from datetime import UTC, datetime

    return datetime.now(UTC).date()


async def _view(session: AsyncSession, inv: object, today: date) -> InvoiceView:
    from plugins.invoicing import service

    paid = (await service.paid_by_method(session, [inv.id])).get(inv.id, {})  # type: ignore[attr-defined]
    return view_of(inv, paid, today)


def view_of(inv: object, paid: dict[str, Decimal], today: date) -> InvoiceView:
    from plugins.invoicing import service

    i = inv  # an invoicing.models.Invoice with lines loaded
    return InvoiceView(
        number=i.number,  # type: ignore[attr-defined]
        currency=i.currency,  # type: ignore[attr-defined]
        invoice_date=i.invoice_date,  # type: ignore[attr-defined]
        due_date=i.due_date,  # type: ignore[attr-defined]
        status=service.status_of(i.balance, i.due_date, today),  # type: ignore[attr-defined]
        pre_tax_total=i.pre_tax_total,  # type: ignore[attr-defined]
        tax_total=i.tax_total,  # type: ignore[attr-defined]
        total=i.total,  # type: ignore[attr-defined]
        balance=i.balance,  # type: ignore[attr-defined]
        payable=service.payable(i),  # type: ignore[arg-type]
        paid_by_method=dict(paid),
        recipient_email=i.billing_email,  # type: ignore[attr-defined]
        invoice_id=i.id,  # type: ignore[attr-defined]
        tenant_id=i.tenant_id,  # type: ignore[attr-defined]
        order_number=i.order_number,  # type: ignore[attr-defined]
        lines=tuple(
            InvoiceLineView(
                line_id=ln.id,
                product=ln.product,
                category=ln.category,
                program=ln.program,
                product_family=ln.product_family,
                bundles_license=ln.bundles_license,
                pre_tax_amount=ln.pre_tax_amount,
                tax_amount=ln.tax_amount,
            )
            for ln in i.lines  # type: ignore[attr-defined]
        ),
    )
