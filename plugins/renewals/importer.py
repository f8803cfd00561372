"""Import section ``renewals`` (docs/import/renewals.md): support contracts and their renewals.

Each item is read by :class:`RenewalItem` (core.importing's field types, errors naming the path);
the rules across fields and items (tenant known, unique support number, dates in order, amounts in
the currency's minor unit, status and payment method values) are checked after. Apply upserts by
(tenant, supportNumber) and lines by their position, so importing the same document twice changes
nothing the second time.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import context_of
from core.hookspecs import ImportSection
from core.importing import Amount, Currency, DecimalValue, Email, ImportItem, IsoDate, text, validate_items
from core.money import CURRENCIES
from plugins.renewals import service as svc
from plugins.renewals.api import RENEWAL_CREATED, RENEWAL_IMPORTED, renewal_payload
from plugins.renewals.models import Renewal, RenewalLine

SECTION = "renewals"
IMPORT_STATUSES = (svc.OPEN, svc.ACCEPTED)
MAX_ITEMS = 100_000
QUANTITY_PLACES = Decimal("0.000001")  # renewal_lines.quantity is Numeric(18, 6)
MAX_QUANTITY = Decimal("1e12")


def _quantity(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("a positive number")
    if value != value.quantize(QUANTITY_PLACES) or value >= MAX_QUANTITY:
        raise ValueError("at most 6 decimals and 12 integer digits")
    return value


Quantity = Annotated[DecimalValue, AfterValidator(_quantity)]


class QuoteTo(ImportItem):
    email: Email
    firstName: text(100, required=False) | None = None
    lastName: text(100, required=False) | None = None
    address: text(500, required=False) | None = None
    phone: text(40, required=False) | None = None


class RenewalLineItem(ImportItem):
    product: text(200)
    productFamily: text(64)
    serviceLevel: text(64, required=False) | None = None
    csiNumber: text(64, required=False) | None = None
    quantity: Quantity = Decimal(1)
    serialNumber: text(100, required=False) | None = None
    installedAt: text(300, required=False) | None = None
    salesOrderNumber: text(64, required=False) | None = None
    amount: Amount


class RenewalItem(ImportItem):
    tenant: str
    supportNumber: text(64)
    quoteNumber: text(64, required=False) | None = None
    customer: text(200)
    endUser: text(200, required=False) | None = None
    startDate: IsoDate
    endDate: IsoDate
    serviceLevel: text(64, required=False) | None = None
    currency: Currency
    amount: Amount
    quoteTo: QuoteTo
    salesRepEmail: Email | None = None
    poNumber: text(64, required=False) | None = None
    customerReference: text(200, required=False) | None = None
    supportNotes: text(5000, required=False) | None = None
    status: str = svc.OPEN
    autoRenew: bool = False
    paymentMethod: str | None = None
    lines: list[RenewalLineItem] = []


def _places_errors(at: str, amount: Decimal, currency: str) -> list[str]:
    places = CURRENCIES[currency]
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        return [f"{at}: too many decimal places for {currency}"]
    return []


def validate(items: Any, tenant_keys: set[str]) -> list[str]:
    valid, errors = validate_items(RenewalItem, items, SECTION, max_items=MAX_ITEMS)
    seen: set[tuple[str, str]] = set()
    for i, r in valid:
        at = f"{SECTION}[{i}]"
        if r.tenant not in tenant_keys:
            errors.append(f"{at}.tenant: unknown tenant {r.tenant!r}")
        key = (r.tenant, r.supportNumber.strip())
        if key in seen:
            errors.append(f"{at}.supportNumber: duplicate {key[1]!r} for tenant {key[0]!r}")
        seen.add(key)
        if r.endDate < r.startDate:
            errors.append(f"{at}.endDate: before startDate")
        errors += _places_errors(f"{at}.amount", r.amount, r.currency)
        if r.status not in IMPORT_STATUSES:
            errors.append(f"{at}.status: one of {', '.join(IMPORT_STATUSES)}")
        if r.paymentMethod is not None and r.paymentMethod not in svc.PAYMENT_METHODS:
            errors.append(f"{at}.paymentMethod: one of {', '.join(svc.PAYMENT_METHODS)}")
        for j, line in enumerate(r.lines):
            errors += _places_errors(f"{at}.lines[{j}].amount", line.amount, r.currency)
    return errors


def _read(items: Any) -> list[RenewalItem]:
    """The section's items as models (``apply`` runs only on a document that validated)."""
    valid, errors = validate_items(RenewalItem, items, SECTION, max_items=MAX_ITEMS)
    if errors:
        raise ValueError(f"apply of an unvalidated {SECTION} section: {errors[0]}")
    return [r for _, r in valid]


async def apply(session: AsyncSession, tenant_ids: dict[str, int], items: list[dict], clock: Any) -> None:
    now = clock.now()
    for item in _read(items):
        tenant_id = tenant_ids[item.tenant]
        sn = item.supportNumber.strip()
        renewal = (
            await session.execute(
                select(Renewal)
                .where(Renewal.tenant_id == tenant_id, Renewal.support_number == sn)
                .execution_options(skip_tenant_filter=True)
            )
        ).scalar_one_or_none()
        created = renewal is None
        if renewal is None:
            renewal = Renewal(tenant_id=tenant_id, support_number=sn, last_updated_by="import", status=svc.OPEN)
            session.add(renewal)
        q = item.quoteTo
        renewal.quote_number = item.quoteNumber or renewal.quote_number or f"Q-{sn}"
        renewal.customer = item.customer
        renewal.end_user = item.endUser or ""
        renewal.start_date = item.startDate
        renewal.end_date = item.endDate
        renewal.service_level = item.serviceLevel or ""
        renewal.currency = item.currency
        renewal.amount = item.amount
        if item.supportNotes is not None:
            renewal.support_notes = item.supportNotes
        else:
            renewal.support_notes = renewal.support_notes or ""
        if item.customerReference is not None:
            renewal.customer_reference = item.customerReference
        renewal.sales_rep_email = item.salesRepEmail or ""
        if renewal.accepted_at is None:
            # Customer-editable fields follow the document only while the renewal is open.
            renewal.quote_to_email = q.email
            renewal.quote_to_first_name = q.firstName or ""
            renewal.quote_to_last_name = q.lastName or ""
            renewal.quote_to_address = q.address or ""
            renewal.quote_to_phone = q.phone or ""
            renewal.po_number = item.poNumber or renewal.po_number
            if "autoRenew" in item.model_fields_set:
                renewal.auto_renew = item.autoRenew
            else:
                renewal.auto_renew = bool(renewal.auto_renew)
            method = item.paymentMethod or renewal.payment_method
            if renewal.auto_renew and method is None:
                method = svc.AUTO_RENEW_DEFAULT_METHOD  # R-R8
            renewal.payment_method = method
            if item.status == svc.ACCEPTED:
                renewal.status = svc.ACCEPTED
                renewal.accepted_at = now
                renewal.accepted_by = "import"
        await session.flush()
        existing = {
            x.line_no: x
            for x in (
                await session.execute(
                    select(RenewalLine)
                    .where(RenewalLine.renewal_id == renewal.id)
                    .execution_options(skip_tenant_filter=True)
                )
            ).scalars()
        }
        for no, data in enumerate(item.lines, start=1):
            line = existing.pop(no, None)
            if line is None:
                line = RenewalLine(tenant_id=tenant_id, renewal_id=renewal.id, line_no=no)
                session.add(line)
            line.product = data.product
            line.product_family = data.productFamily.strip().upper()
            line.service_level = data.serviceLevel if data.serviceLevel is not None else renewal.service_level
            line.csi_number = data.csiNumber or ""
            line.quantity = data.quantity
            line.serial_number = data.serialNumber or ""
            line.installed_at = data.installedAt or ""
            line.sales_order_number = data.salesOrderNumber or ""
            line.amount = data.amount
        for stale in existing.values():
            await session.delete(stale)
        await session.flush()
        # The import's context for this tenant: handlers run in the import's transaction.
        ctx = await context_of(session, tenant_id)
        await ctx.emit(RENEWAL_CREATED if created else RENEWAL_IMPORTED, renewal_payload(renewal))
    await session.flush()


SECTIONS = [ImportSection(key="renewals", validate=validate, apply=apply, order=50)]
