"""Import sections ``subscriptions``, ``invoices``, ``usage`` and ``bankReceipts`` (docs/import/invoicing.md).

Validation names each path at fault; apply is an idempotent upsert by natural key (subscription
number + product key, invoice number, product + hour). Issued invoices are immutable: re-importing
one changes nothing. Rules that need the database (sector for R-I7, subscribed quantity for R-I11)
are checked in apply, which fails the whole import transaction.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.emails import is_email
from core.errors import AppError, BadUserInput
from core.hookspecs import ImportSection
from core.importing import to_decimal
from core.models import Tenant
from core.money import CURRENCIES
from plugins.invoicing import service as svc
from plugins.invoicing.models import Invoice, Subscription, SubscriptionProduct, UsageRecord


def _date(v: Any) -> date | None:
    try:
        return date.fromisoformat(v) if isinstance(v, str) else None
    except ValueError:
        return None


def _dt(v: Any) -> datetime | None:
    try:
        d = datetime.fromisoformat(v) if isinstance(v, str) else None
    except ValueError:
        return None
    if d is not None and d.tzinfo is None:
        d = d.replace(tzinfo=UTC)
    return d


def _dec(v: Any, places: int = 2) -> Decimal | None:
    """A non-negative amount with at most ``places`` decimals (core.importing reads every section alike)."""
    d = to_decimal(v)
    if d is None or d < 0 or d != d.quantize(Decimal(1).scaleb(-places)):
        return None
    return d


def _obj(item: Any, at: str, tenant_keys: set[str], errors: list[str]) -> bool:
    if not isinstance(item, dict):
        errors.append(f"{at}: must be an object")
        return False
    if item.get("tenant") not in tenant_keys:
        errors.append(f"{at}.tenant: unknown tenant {item.get('tenant')!r}")
    return True


def _str(item: dict, key: str, at: str, errors: list[str], *, required: bool = True, max_len: int = 64) -> None:
    v = item.get(key)
    if v is None and not required:
        return
    if not isinstance(v, str) or not v.strip() or len(v) > max_len:
        errors.append(f"{at}.{key}: required string of at most {max_len} characters")


def _enum(item: dict, key: str, allowed: Any, at: str, errors: list[str], default: str | None = None) -> None:
    if item.get(key, default) not in allowed:
        errors.append(f"{at}.{key}: one of {', '.join(sorted(allowed))}")


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
def validate_subscriptions(items: Any, tenant_keys: set[str]) -> list[str]:
    if not isinstance(items, list):
        return ["subscriptions: must be a list"]
    errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    for i, s in enumerate(items):
        at = f"subscriptions[{i}]"
        if not _obj(s, at, tenant_keys, errors):
            continue
        _str(s, "number", at, errors)
        if (s.get("tenant"), s.get("number")) in seen:
            errors.append(f"{at}.number: duplicate subscription {s.get('number')!r}")
        seen.add((s.get("tenant"), s.get("number")))
        if s.get("currency", "USD") not in CURRENCIES:
            errors.append(f"{at}.currency: one of {', '.join(sorted(CURRENCIES))}")
        _enum(s, "frequency", svc.FREQUENCIES, at, errors)
        start, end = _date(s.get("startDate")), _date(s.get("endDate"))
        if start is None:
            errors.append(f"{at}.startDate: ISO date (YYYY-MM-DD)")
        if end is None:
            errors.append(f"{at}.endDate: ISO date (YYYY-MM-DD)")
        if start and end and end < start:
            errors.append(f"{at}.endDate: before startDate")
        if "billingEmail" in s and not is_email(s["billingEmail"]):
            errors.append(f"{at}.billingEmail: not a valid email address")
        products = s.get("products")
        if not isinstance(products, list) or not products:
            errors.append(f"{at}.products: at least one product")
            continue
        keys: set[str] = set()
        for j, p in enumerate(products):
            pat = f"{at}.products[{j}]"
            if not isinstance(p, dict):
                errors.append(f"{pat}: must be an object")
                continue
            _str(p, "key", pat, errors)
            if p.get("key") in keys:
                errors.append(f"{pat}.key: duplicate product key {p.get('key')!r}")
            keys.add(p.get("key"))
            _str(p, "orderNumber", pat, errors)
            _str(p, "product", pat, errors, max_len=200)
            if _dec(p.get("amount")) is None:
                errors.append(f"{pat}.amount: non-negative decimal with at most 2 decimal places")
            _enum(p, "category", svc.CATEGORIES, pat, errors, "SUBSCRIPTION")
            _enum(p, "program", svc.PROGRAMS, pat, errors, "TECHNOLOGY")
            _enum(p, "paymentMethod", svc.ORDER_PAYMENT_METHODS, pat, errors, "INVOICE")
            if p.get("provisionedOn") is not None and _date(p.get("provisionedOn")) is None:
                errors.append(f"{pat}.provisionedOn: ISO date or null (not provisioned yet)")
            for k in ("subscribedQuantity", "hourlyPrice"):
                if k in p and _dec(p[k], 6) is None:
                    errors.append(f"{pat}.{k}: non-negative decimal")
    return errors


async def apply_subscriptions(session: AsyncSession, tenant_ids: dict[str, int], items: list[dict], clock: Any) -> None:
    sectors = dict((await session.execute(select(Tenant.id, Tenant.sector))).all())
    for s in items:
        tid = tenant_ids[s["tenant"]]
        with _as_tenant(session, tid):
            svc.check_frequency(s["frequency"], sectors.get(tid, "COMMERCIAL"))
            sub = (
                await session.execute(
                    select(Subscription)
                    .where(Subscription.number == s["number"])
                    .options(selectinload(Subscription.products))
                )
            ).scalar_one_or_none()
            if sub is None:
                sub = Subscription(tenant_id=tid, number=s["number"], created_at=clock.now(), products=[])
                session.add(sub)
            sub.name = s.get("name", sub.name or "")
            sub.currency = s.get("currency", "USD")
            sub.country = s.get("country", "US").upper()
            sub.frequency = s["frequency"]
            sub.start_date = _date(s["startDate"])
            sub.end_date = _date(s["endDate"])
            sub.is_cloud = bool(s.get("isCloud", False))
            sub.billing_email = s.get("billingEmail", sub.billing_email or "")
            have = {p.line_key: p for p in sub.products}
            for p in s["products"]:
                row = have.get(p["key"])
                if row is None:
                    row = SubscriptionProduct(tenant_id=tid, line_key=p["key"])
                    sub.products.append(row)
                row.order_number = p["orderNumber"]
                row.product = p["product"]
                row.category = p.get("category", "SUBSCRIPTION")
                row.program = p.get("program", "TECHNOLOGY")
                row.product_family = p.get("productFamily", "")
                row.bundles_license = bool(p.get("bundlesLicense", False))
                row.amount = _dec(p["amount"])
                row.pooled = bool(p.get("pooled", False))
                row.payment_method = p.get("paymentMethod", "INVOICE")
                row.po_number = p.get("poNumber")
                row.provisioned_on = _date(p.get("provisionedOn"))
                row.subscribed_quantity = _dec(p.get("subscribedQuantity", 0), 6)
                row.hourly_price = _dec(p.get("hourlyPrice", 0), 6)
            await session.flush()


# ---- invoices ------------------------------------------------------------------------------------
def validate_invoices(items: Any, tenant_keys: set[str]) -> list[str]:
    if not isinstance(items, list):
        return ["invoices: must be a list"]
    errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    for i, inv in enumerate(items):
        at = f"invoices[{i}]"
        if not _obj(inv, at, tenant_keys, errors):
            continue
        _str(inv, "number", at, errors, max_len=40)
        if (inv.get("tenant"), inv.get("number")) in seen:
            errors.append(f"{at}.number: duplicate invoice {inv.get('number')!r}")
        seen.add((inv.get("tenant"), inv.get("number")))
        if _date(inv.get("invoiceDate")) is None:
            errors.append(f"{at}.invoiceDate: ISO date (YYYY-MM-DD)")
        if inv.get("currency", "USD") not in CURRENCIES:
            errors.append(f"{at}.currency: one of {', '.join(sorted(CURRENCIES))}")
        if not is_email(inv.get("billingEmail")):
            errors.append(f"{at}.billingEmail: not a valid email address")
        if "paymentMethod" in inv:
            _enum(inv, "paymentMethod", svc.ORDER_PAYMENT_METHODS, at, errors)
        lines = inv.get("lines")
        if not isinstance(lines, list) or not lines:
            errors.append(f"{at}.lines: at least one line")
            continue
        for j, ln in enumerate(lines):
            lat = f"{at}.lines[{j}]"
            if not isinstance(ln, dict):
                errors.append(f"{lat}: must be an object")
                continue
            _str(ln, "product", lat, errors, max_len=200)
            if _dec(ln.get("preTaxAmount")) is None:
                errors.append(f"{lat}.preTaxAmount: non-negative decimal with at most 2 decimal places")
            if "taxAmount" in ln and _dec(ln.get("taxAmount")) is None:
                errors.append(f"{lat}.taxAmount: non-negative decimal with at most 2 decimal places")
            _enum(ln, "category", svc.CATEGORIES, lat, errors, "SUBSCRIPTION")
            _enum(ln, "program", svc.PROGRAMS, lat, errors, "TECHNOLOGY")
        for j, p in enumerate(inv.get("payments", []) or []):
            pat = f"{at}.payments[{j}]"
            if not isinstance(p, dict):
                errors.append(f"{pat}: must be an object")
                continue
            _str(p, "reference", pat, errors, max_len=200)
            if (_dec(p.get("amount")) or 0) <= 0:
                errors.append(f"{pat}.amount: positive decimal with at most 2 decimal places")
            _enum(p, "method", {"WIRE", "CHECK", "CARD"}, pat, errors, "WIRE")
    return errors


async def apply_invoices(session: AsyncSession, tenant_ids: dict[str, int], items: list[dict], clock: Any) -> None:
    now = clock.now()
    for n, item in enumerate(items):
        tid = tenant_ids[item["tenant"]]
        with _as_tenant(session, tid):
            inv = (await session.execute(select(Invoice).where(Invoice.number == item["number"]))).scalar_one_or_none()
            if inv is None:
                inv = await svc.create_invoice(
                    session,
                    svc.InvoiceSpec(
                        number=item["number"],
                        currency=item.get("currency", "USD"),
                        country=item.get("country", "US"),
                        invoice_date=_date(item["invoiceDate"]),
                        billing_email=item["billingEmail"].lower(),
                        cc_emails=item.get("ccEmails", []) or [],
                        order_number=item.get("orderNumber"),
                        po_number=item.get("poNumber"),
                        order_payment_method=item.get("paymentMethod"),
                        source="IMPORT",
                        notify=False,
                        lines=[
                            svc.LineSpec(
                                product=ln["product"],
                                pre_tax_amount=_dec(ln["preTaxAmount"]),
                                tax_amount=_dec(ln["taxAmount"]) if "taxAmount" in ln else None,
                                category=ln.get("category", "SUBSCRIPTION"),
                                program=ln.get("program", "TECHNOLOGY"),
                                product_family=ln.get("productFamily", ""),
                                bundles_license=bool(ln.get("bundlesLicense", False)),
                                description=ln.get("description", ""),
                            )
                            for ln in item["lines"]
                        ],
                    ),
                    now,
                    tid,
                )
            for j, p in enumerate(item.get("payments", []) or []):
                receipt = svc.Receipt(
                    amount=_dec(p["amount"]),
                    currency=inv.currency,
                    received_on=now.date(),
                    bank_reference=p["reference"],
                    invoice_number=inv.number,
                    method=p.get("method", "WIRE"),
                )
                await _receive(session, receipt, f"invoices[{n}].payments[{j}]", now)


# ---- usage ---------------------------------------------------------------------------------------
def validate_usage(items: Any, tenant_keys: set[str]) -> list[str]:
    if not isinstance(items, list):
        return ["usage: must be a list"]
    errors: list[str] = []
    for i, u in enumerate(items):
        at = f"usage[{i}]"
        if not _obj(u, at, tenant_keys, errors):
            continue
        _str(u, "subscription", at, errors)
        _str(u, "product", at, errors)
        if _dt(u.get("hour")) is None:
            errors.append(f"{at}.hour: ISO date-time of the hour")
        if _dec(u.get("quantity"), 6) is None:
            errors.append(f"{at}.quantity: non-negative decimal")
    return errors


async def apply_usage(session: AsyncSession, tenant_ids: dict[str, int], items: list[dict], clock: Any) -> None:
    for i, u in enumerate(items):
        tid = tenant_ids[u["tenant"]]
        with _as_tenant(session, tid):
            product = (
                await session.execute(
                    select(SubscriptionProduct)
                    .join(Subscription, Subscription.id == SubscriptionProduct.subscription_id)
                    .where(Subscription.number == u["subscription"], SubscriptionProduct.line_key == u["product"])
                )
            ).scalar_one_or_none()
            if product is None:
                raise BadUserInput(f"usage[{i}]: no product {u['product']!r} in subscription {u['subscription']!r}")
            qty = _dec(u["quantity"], 6)
            try:
                svc.check_usage(qty, product.subscribed_quantity)
            except BadUserInput as exc:
                raise BadUserInput(f"Import rejected, nothing written: usage[{i}].quantity: {exc.message}") from exc
            hour = _dt(u["hour"]).replace(minute=0, second=0, microsecond=0)
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
        raise BadUserInput(f"Import rejected, nothing written: {at}: {exc.message}", path=at) from exc


def validate_bank_receipts(items: Any, tenant_keys: set[str]) -> list[str]:
    if not isinstance(items, list):
        return ["bankReceipts: must be a list"]
    errors: list[str] = []
    seen: set[tuple[Any, Any]] = set()
    for i, r in enumerate(items):
        at = f"bankReceipts[{i}]"
        if not _obj(r, at, tenant_keys, errors):
            continue
        _str(r, "bankReference", at, errors, max_len=svc.BANK_REFERENCE_MAX)
        if (r.get("tenant"), r.get("bankReference")) in seen:
            errors.append(f"{at}.bankReference: duplicate bank reference {r.get('bankReference')!r}")
        seen.add((r.get("tenant"), r.get("bankReference")))
        if _date(r.get("date")) is None:
            errors.append(f"{at}.date: ISO date (YYYY-MM-DD) the money arrived")
        if (_dec(r.get("amount")) or 0) <= 0:
            errors.append(f"{at}.amount: positive decimal with at most 2 decimal places")
        if r.get("currency") not in CURRENCIES:
            errors.append(f"{at}.currency: required, one of {', '.join(sorted(CURRENCIES))}")
        _str(r, "invoiceNumber", at, errors, required=False, max_len=40)
        _str(r, "payerReference", at, errors, required="invoiceNumber" not in r, max_len=svc.PAYER_REFERENCE_MAX)
    return errors


async def apply_bank_receipts(session: AsyncSession, tenant_ids: dict[str, int], items: list[dict], clock: Any) -> None:
    now = clock.now()
    for i, r in enumerate(items):
        with _as_tenant(session, tenant_ids[r["tenant"]]):
            receipt = svc.Receipt(
                amount=_dec(r["amount"]),
                currency=r["currency"],
                received_on=_date(r["date"]),
                bank_reference=r["bankReference"].strip(),
                invoice_number=r.get("invoiceNumber"),
                payer_reference=r.get("payerReference", ""),
            )
            await _receive(session, receipt, f"bankReceipts[{i}]", now)


SECTIONS = [
    ImportSection("subscriptions", validate_subscriptions, apply_subscriptions, order=200),
    ImportSection("invoices", validate_invoices, apply_invoices, order=210),
    ImportSection("usage", validate_usage, apply_usage, order=220),
    ImportSection("bankReceipts", validate_bank_receipts, apply_bank_receipts, order=230),
]
