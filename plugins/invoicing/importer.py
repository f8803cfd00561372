"""Import sections ``subscriptions``, ``invoices``, ``usage`` and ``bankReceipts`` (docs/import/invoicing.md).

Each item is read by a model of core.importing's field types (errors naming the path at fault); the
rules across fields and items (tenant known, unique natural keys, date order, the enumerated values,
payer reference or invoice number) are checked after. Apply reads the validated items and is an
idempotent upsert by natural key (subscription number + product key, invoice number, product + hour).
Issued invoices are immutable: re-importing one changes nothing. Rules that need the database (sector
for R-I7, subscribed quantity for R-I11) are checked in apply, which fails the whole import transaction.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BeforeValidator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.errors import AppError, BadUserInput
from core.hookspecs import ImportSection
from core.i18n import _
from core.importing import Amount, Currency, Email, ImportItem, IsoDate, text, validate_items
from core.models import Tenant
from core.money import CURRENCIES, STORED_PLACES, fits_currency
from plugins.invoicing import service as svc
from plugins.invoicing.models import Invoice, Subscription, SubscriptionProduct, UsageRecord
from plugins.invoicing.service.published import invoice_written

SUBSCRIPTIONS, INVOICES, USAGE, BANK_RECEIPTS = "subscriptions", "invoices", "usage", "bankReceipts"
NO_CAP = 10**12  # the invoicing sections have never capped their item count
STORED = Decimal(1).scaleb(-STORED_PLACES)  # money columns keep 3 decimals; each currency its own
QUANTITY_PLACES = Decimal("0.000001")  # quantities and hourly prices are Numeric(18, 6)
MAX_QUANTITY = Decimal("1e12")
PAYMENT_METHODS = ("WIRE", "CHECK", "CARD")  # of a payment already received (invoices[].payments)


def _stored_places(value: Decimal) -> Decimal:
    if value != value.quantize(STORED):
        raise ValueError(f"at most {STORED_PLACES} decimal places")
    return value


def _places(at: str, amount: Decimal | None, currency: str) -> list[str]:
    """The currency's own minor units (JPY 0, EUR 2, KWD 3), checked once the currency is known."""
    if amount is None or fits_currency(amount, currency):
        return []
    return [f"{at}: too many decimal places for {currency} ({CURRENCIES[currency]})"]


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be positive")
    return value


def _six_places(value: Decimal) -> Decimal:
    if value != value.quantize(QUANTITY_PLACES) or value >= MAX_QUANTITY:
        raise ValueError("at most 6 decimals and 12 integer digits")
    return value


def _hour(value: Any) -> datetime:
    """An ISO 8601 date-time, UTC when it has no offset."""
    try:
        found = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        found = None
    if found is None:
        raise ValueError("ISO date-time of the hour")
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


Money = Annotated[Amount, AfterValidator(_stored_places)]
PositiveMoney = Annotated[Money, AfterValidator(_positive)]
Quantity = Annotated[Amount, AfterValidator(_six_places)]
IsoDateTime = Annotated[datetime, BeforeValidator(_hour)]


# ---- models --------------------------------------------------------------------------------------
class SubscriptionProductItem(ImportItem):
    key: text(64)
    orderNumber: text(64)
    product: text(200)
    amount: Money
    pooled: bool = False
    provisionedOn: IsoDate | None = None
    category: str = "SUBSCRIPTION"
    program: str = "TECHNOLOGY"
    productFamily: str = ""
    bundlesLicense: bool = False
    paymentMethod: str = "INVOICE"
    poNumber: str | None = None
    subscribedQuantity: Quantity = Decimal(0)
    hourlyPrice: Quantity = Decimal(0)


class SubscriptionItem(ImportItem):
    tenant: str
    number: text(64)
    name: str | None = None
    currency: Currency = "USD"
    country: str = "US"
    frequency: str
    startDate: IsoDate
    endDate: IsoDate
    isCloud: bool = False
    billingEmail: Email | None = None
    # Read one by one (validate_items), so a faulty product does not hide the subscription's own faults.
    products: list[Any] = []


class InvoiceLineItem(ImportItem):
    product: text(200)
    preTaxAmount: Money
    taxAmount: Money | None = None
    category: str = "SUBSCRIPTION"
    program: str = "TECHNOLOGY"
    productFamily: str = ""
    bundlesLicense: bool = False
    description: str = ""


class InvoicePaymentItem(ImportItem):
    reference: text(200)
    amount: PositiveMoney
    method: str = "WIRE"


class InvoiceBuyerItem(ImportItem):
    name: text(200, required=False) = ""
    address: text(500, required=False) = ""
    taxId: text(64, required=False) = ""  # noqa: N815 - the documented key


class InvoiceItem(ImportItem):
    tenant: str
    number: text(40)
    invoiceDate: IsoDate
    currency: Currency = "USD"
    country: str = "US"
    billingEmail: Email
    ccEmails: list[Email] | None = None
    orderNumber: str | None = None
    poNumber: str | None = None
    paymentMethod: str | None = None
    lines: list[InvoiceLineItem] = []
    payments: list[InvoicePaymentItem] | None = None
    buyer: InvoiceBuyerItem | None = None


class UsageItem(ImportItem):
    tenant: str
    subscription: text(64)
    product: text(64)
    hour: IsoDateTime
    quantity: Quantity


class BankReceiptItem(ImportItem):
    tenant: str
    bankReference: text(svc.BANK_REFERENCE_MAX)
    date: IsoDate
    amount: PositiveMoney
    currency: Currency
    invoiceNumber: text(40) | None = None
    payerReference: text(svc.PAYER_REFERENCE_MAX, required=False) | None = None


M = TypeVar("M", bound=ImportItem)


def _read(model: type[M], items: Any, section: str) -> list[M]:
    """The section's items as models (``apply`` runs only on a document that validated)."""
    valid, errors = validate_items(model, items, section, max_items=NO_CAP)
    if errors:
        raise ValueError(f"apply of an unvalidated {section} section: {errors[0]}")
    return [item for _, item in valid]


def _tenant(at: str, tenant: str, tenant_keys: set[str]) -> list[str]:
    return [] if tenant in tenant_keys else [f"{at}.tenant: unknown tenant {tenant!r}"]


def _one_of(at: str, value: Any, allowed: Any) -> list[str]:
    return [] if value in allowed else [f"{at}: one of {', '.join(sorted(allowed))}"]


@contextmanager
def _as_tenant(session: AsyncSession, tenant_id: int) -> Any:
    """Apply one item with the central tenant filter on (the importer's session is not tenant-bound)."""
    previous = session.info.get("tenant_id")
    session.info["tenant_id"] = tenant_id
    try:
        yield
    finally:
        session.info["tenant_id"] = previous


# ---- subscriptions -------------------------------------------------------------------------------
def _products(at: str, raw: list[Any]) -> tuple[list[SubscriptionProductItem], list[str]]:
    if not raw:
        return [], [f"{at}.products: at least one product"]
    valid, errors = validate_items(SubscriptionProductItem, raw, f"{at}.products", max_items=NO_CAP)
    keys: set[str] = set()
    for j, p in valid:
        pat = f"{at}.products[{j}]"
        if p.key in keys:
            errors.append(f"{pat}.key: duplicate product key {p.key!r}")
        keys.add(p.key)
        errors += _one_of(f"{pat}.category", p.category, svc.CATEGORIES)
        errors += _one_of(f"{pat}.program", p.program, svc.PROGRAMS)
        errors += _one_of(f"{pat}.paymentMethod", p.paymentMethod, svc.ORDER_PAYMENT_METHODS)
    return [p for _, p in valid], errors


def validate_subscriptions(items: Any, tenant_keys: set[str]) -> list[str]:
    valid, errors = validate_items(SubscriptionItem, items, SUBSCRIPTIONS, max_items=NO_CAP)
    seen: set[tuple[str, str]] = set()
    for i, s in valid:
        at = f"{SUBSCRIPTIONS}[{i}]"
        errors += _tenant(at, s.tenant, tenant_keys)
        if (s.tenant, s.number) in seen:
            errors.append(f"{at}.number: duplicate subscription {s.number!r}")
        seen.add((s.tenant, s.number))
        errors += _one_of(f"{at}.frequency", s.frequency, svc.FREQUENCIES)
        if s.endDate < s.startDate:
            errors.append(f"{at}.endDate: before startDate")
        errors += _products(at, s.products)[1]
        for j, p in validate_items(SubscriptionProductItem, s.products, f"{at}.products", max_items=NO_CAP)[0]:
            errors += _places(f"{at}.products[{j}].amount", p.amount, s.currency)
    return errors


async def apply_subscriptions(session: AsyncSession, tenant_ids: dict[str, int], items: list[dict], clock: Any) -> None:
    sectors = dict((await session.execute(select(Tenant.id, Tenant.sector))).all())
    for n, s in enumerate(_read(SubscriptionItem, items, SUBSCRIPTIONS)):
        products, errors = _products(f"{SUBSCRIPTIONS}[{n}]", s.products)
        if errors:
            raise ValueError(f"apply of an unvalidated {SUBSCRIPTIONS} section: {errors[0]}")
        tid = tenant_ids[s.tenant]
        with _as_tenant(session, tid):
            svc.check_frequency(s.frequency, sectors.get(tid, "COMMERCIAL"))
            sub = (
                await session.execute(
                    select(Subscription)
                    .where(Subscription.number == s.number)
                    .options(selectinload(Subscription.products))
                )
            ).scalar_one_or_none()
            if sub is None:
                sub = Subscription(tenant_id=tid, number=s.number, created_at=clock.now(), products=[])
                session.add(sub)
            sub.name = s.name if s.name is not None else (sub.name or "")
            sub.currency = s.currency
            sub.country = s.country.upper()
            sub.frequency = s.frequency
            sub.start_date = s.startDate
            sub.end_date = s.endDate
            sub.is_cloud = s.isCloud
            sub.billing_email = s.billingEmail if s.billingEmail is not None else (sub.billing_email or "")
            have = {p.line_key: p for p in sub.products}
            for p in products:
                row = have.get(p.key)
                if row is None:
                    row = SubscriptionProduct(tenant_id=tid, line_key=p.key)
                    sub.products.append(row)
                row.order_number = p.orderNumber
                row.product = p.product
                row.category = p.category
                row.program = p.program
                row.product_family = p.productFamily
                row.bundles_license = p.bundlesLicense
                row.amount = p.amount
                row.pooled = p.pooled
                row.payment_method = p.paymentMethod
                row.po_number = p.poNumber
                row.provisioned_on = p.provisionedOn
                row.subscribed_quantity = p.subscribedQuantity
                row.hourly_price = p.hourlyPrice
            await session.flush()


# ---- invoices ------------------------------------------------------------------------------------
def validate_invoices(items: Any, tenant_keys: set[str]) -> list[str]:
    valid, errors = validate_items(InvoiceItem, items, INVOICES, max_items=NO_CAP)
    seen: set[tuple[str, str]] = set()
    for i, inv in valid:
        at = f"{INVOICES}[{i}]"
        errors += _tenant(at, inv.tenant, tenant_keys)
        if (inv.tenant, inv.number) in seen:
            errors.append(f"{at}.number: duplicate invoice {inv.number!r}")
        seen.add((inv.tenant, inv.number))
        if inv.paymentMethod is not None:
            errors += _one_of(f"{at}.paymentMethod", inv.paymentMethod, svc.ORDER_PAYMENT_METHODS)
        if not inv.lines:
            errors.append(f"{at}.lines: at least one line")
        for j, ln in enumerate(inv.lines):
            errors += _places(f"{at}.lines[{j}].preTaxAmount", ln.preTaxAmount, inv.currency)
            errors += _places(f"{at}.lines[{j}].taxAmount", ln.taxAmount, inv.currency)
            errors += _one_of(f"{at}.lines[{j}].category", ln.category, svc.CATEGORIES)
            errors += _one_of(f"{at}.lines[{j}].program", ln.program, svc.PROGRAMS)
        for j, p in enumerate(inv.payments or []):
            errors += _places(f"{at}.payments[{j}].amount", p.amount, inv.currency)
            errors += _one_of(f"{at}.payments[{j}].method", p.method, PAYMENT_METHODS)
    return errors


async def apply_invoices(session: AsyncSession, tenant_ids: dict[str, int], items: list[dict], clock: Any) -> None:
    now = clock.now()
    for n, item in enumerate(_read(InvoiceItem, items, INVOICES)):
        tid = tenant_ids[item.tenant]
        with _as_tenant(session, tid):
            inv = (await session.execute(select(Invoice).where(Invoice.number == item.number))).scalar_one_or_none()
            if inv is None:
                inv = await svc.create_invoice(
                    session,
                    svc.InvoiceSpec(
                        number=item.number,
                        currency=item.currency,
                        country=item.country,
                        invoice_date=item.invoiceDate,
                        billing_email=item.billingEmail.lower(),
                        cc_emails=list(item.ccEmails or []),
                        order_number=item.orderNumber,
                        po_number=item.poNumber,
                        order_payment_method=item.paymentMethod,
                        source="IMPORT",
                        notify=False,
                        buyer_name=item.buyer.name.strip() if item.buyer else "",
                        buyer_address=item.buyer.address.strip() if item.buyer else "",
                        buyer_tax_id=item.buyer.taxId.strip() if item.buyer else "",
                        lines=[
                            svc.LineSpec(
                                product=ln.product,
                                pre_tax_amount=ln.preTaxAmount,
                                tax_amount=ln.taxAmount,
                                category=ln.category,
                                program=ln.program,
                                product_family=ln.productFamily,
                                bundles_license=ln.bundlesLicense,
                                description=ln.description,
                            )
                            for ln in item.lines
                        ],
                    ),
                    now,
                    tid,
                )
            for j, p in enumerate(item.payments or []):
                receipt = svc.Receipt(
                    amount=p.amount,
                    currency=inv.currency,
                    received_on=now.date(),
                    bank_reference=p.reference,
                    invoice_number=inv.number,
                    method=p.method,
                )
                await _receive(session, receipt, f"{INVOICES}[{n}].payments[{j}]", now)
            await invoice_written(session, inv)  # invoice.imported, new or existing


# ---- usage ---------------------------------------------------------------------------------------
def validate_usage(items: Any, tenant_keys: set[str]) -> list[str]:
    valid, errors = validate_items(UsageItem, items, USAGE, max_items=NO_CAP)
    for i, u in valid:
        errors += _tenant(f"{USAGE}[{i}]", u.tenant, tenant_keys)
    return errors


async def apply_usage(session: AsyncSession, tenant_ids: dict[str, int], items: list[dict], clock: Any) -> None:
    for i, u in enumerate(_read(UsageItem, items, USAGE)):
        tid = tenant_ids[u.tenant]
        with _as_tenant(session, tid):
            product = (
                await session.execute(
                    select(SubscriptionProduct)
                    .join(Subscription, Subscription.id == SubscriptionProduct.subscription_id)
                    .where(Subscription.number == u.subscription, SubscriptionProduct.line_key == u.product)
                )
            ).scalar_one_or_none()
            if product is None:
                raise BadUserInput(
                    _(
                        "usage[{i}]: no product '{product}' in subscription '{subscription}'",
                        i=i,
                        product=u.product,
                        subscription=u.subscription,
                    )
                )
            qty = u.quantity
            try:
                svc.check_usage(qty, product.subscribed_quantity)
            except BadUserInput as exc:
                raise BadUserInput(
                    _("Import rejected, nothing written: usage[{i}].quantity: {message}", i=i, message=exc.message)
                ) from exc
            hour = u.hour.replace(minute=0, second=0, microsecond=0)
            row = (
                await session.execute(
                    select(UsageRecord).where(UsageRecord.product_id == product.id, UsageRecord.hour == hour)
                )
            ).scalar_one_or_none()
            if row is None:
                session.add(UsageRecord(tenant_id=tid, product_id=product.id, hour=hour, quantity=qty))
            else:
                row.quantity = qty
            await session.flush()


# ---- bank receipts -------------------------------------------------------------------------------
async def _receive(session: AsyncSession, receipt: svc.Receipt, at: str, now: datetime) -> None:
    """Record money the bank received (R-I17); a receipt the ledger refuses rejects the whole import."""
    try:
        await svc.record_receipt(session, receipt, "import:bank", now)
    except AppError as exc:
        raise BadUserInput(
            _("Import rejected, nothing written: {at}: {message}", at=at, message=exc.message), path=at
        ) from exc


def validate_bank_receipts(items: Any, tenant_keys: set[str]) -> list[str]:
    valid, errors = validate_items(BankReceiptItem, items, BANK_RECEIPTS, max_items=NO_CAP)
    seen: set[tuple[str, str]] = set()
    for i, r in valid:
        at = f"{BANK_RECEIPTS}[{i}]"
        errors += _tenant(at, r.tenant, tenant_keys)
        if (r.tenant, r.bankReference) in seen:
            errors.append(f"{at}.bankReference: duplicate bank reference {r.bankReference!r}")
        seen.add((r.tenant, r.bankReference))
        errors += _places(f"{at}.amount", r.amount, r.currency)
        if r.invoiceNumber is None and not (r.payerReference or "").strip():
            errors.append(f"{at}.payerReference: required when invoiceNumber is absent")
    return errors


async def apply_bank_receipts(session: AsyncSession, tenant_ids: dict[str, int], items: list[dict], clock: Any) -> None:
    now = clock.now()
    for i, r in enumerate(_read(BankReceiptItem, items, BANK_RECEIPTS)):
        with _as_tenant(session, tenant_ids[r.tenant]):
            receipt = svc.Receipt(
                amount=r.amount,
                currency=r.currency,
                received_on=r.date,
                bank_reference=r.bankReference.strip(),
                invoice_number=r.invoiceNumber,
                payer_reference=r.payerReference or "",
            )
            await _receive(session, receipt, f"{BANK_RECEIPTS}[{i}]", now)


SECTIONS = [
    ImportSection("subscriptions", validate_subscriptions, apply_subscriptions, order=200),
    ImportSection("invoices", validate_invoices, apply_invoices, order=210),
    ImportSection("usage", validate_usage, apply_usage, order=220),
    ImportSection("bankReceipts", validate_bank_receipts, apply_bank_receipts, order=230),
]
