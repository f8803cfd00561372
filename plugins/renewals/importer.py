"""Import section ``renewals`` (docs/import/renewals.md): support contracts and their renewals.

Validation names each path at fault; apply upserts by (tenant, supportNumber) and lines by their
position, so importing the same document twice changes nothing the second time.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.emails import is_email, parse_email
from core.hookspecs import ImportSection
from core.money import CURRENCIES
from plugins.renewals import service as svc
from plugins.renewals.models import Renewal, RenewalLine

IMPORT_STATUSES = (svc.OPEN, svc.ACCEPTED)
MAX_ITEMS = 100_000


def _date(v: Any) -> date | None:
    try:
        return date.fromisoformat(v) if isinstance(v, str) else None
    except ValueError:
        return None


def _dec(v: Any) -> Decimal | None:
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        return None
    try:
        d = Decimal(str(v))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _money_errors(at: str, v: Any, currency: str) -> list[str]:
    d = _dec(v)
    if d is None:
        return [f'{at}: not a decimal amount (give a string such as "1234.50")']
    if d < 0:
        return [f"{at}: must not be negative"]
    if d != d.quantize(Decimal("0.01")) or (CURRENCIES.get(currency) == 0 and d != d.to_integral()):
        return [f"{at}: too many decimal places for {currency}"]
    return []


def _str(item: dict, key: str, at: str, limit: int, *, required: bool = False) -> list[str]:
    v = item.get(key)
    if v is None:
        return [f"{at}.{key}: required"] if required else []
    if not isinstance(v, str) or (required and not v.strip()):
        return [f"{at}.{key}: must be a non-empty string" if required else f"{at}.{key}: must be a string"]
    if len(v) > limit:
        return [f"{at}.{key}: longer than {limit} characters"]
    return []


def validate(items: Any, tenant_keys: set[str]) -> list[str]:
    if not isinstance(items, list):
        return ["renewals: must be a list"]
    if len(items) > MAX_ITEMS:
        return [f"renewals: at most {MAX_ITEMS} items per document"]
    errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(items):
        at = f"renewals[{i}]"
        if not isinstance(item, dict):
            errors.append(f"{at}: must be an object")
            continue
        tenant = item.get("tenant")
        if tenant not in tenant_keys:
            errors.append(f"{at}.tenant: unknown tenant {tenant!r}")
        errors += _str(item, "supportNumber", at, 64, required=True)
        key = (str(tenant), str(item.get("supportNumber")))
        if key in seen:
            errors.append(f"{at}.supportNumber: duplicate {key[1]!r} for tenant {key[0]!r}")
        seen.add(key)
        errors += _str(item, "customer", at, 200, required=True)
        for k, limit in (
            ("endUser", 200),
            ("serviceLevel", 64),
            ("poNumber", 64),
            ("customerReference", 200),
            ("supportNotes", 5000),
            ("quoteNumber", 64),
        ):
            errors += _str(item, k, at, limit)
        start, end = _date(item.get("startDate")), _date(item.get("endDate"))
        if start is None:
            errors.append(f"{at}.startDate: a date YYYY-MM-DD")
        if end is None:
            errors.append(f"{at}.endDate: a date YYYY-MM-DD")
        if start and end and end < start:
            errors.append(f"{at}.endDate: before startDate")
        currency = item.get("currency")
        if currency not in CURRENCIES:
            errors.append(f"{at}.currency: one of {', '.join(sorted(CURRENCIES))}")
            currency = "USD"
        errors += _money_errors(f"{at}.amount", item.get("amount"), currency)
        q = item.get("quoteTo")
        if not isinstance(q, dict):
            errors.append(f"{at}.quoteTo: an object with at least an email")
        else:
            email = q.get("email")
            if not is_email(email):
                errors.append(f"{at}.quoteTo.email: not a valid email address")
            for k, limit in (("firstName", 100), ("lastName", 100), ("address", 500), ("phone", 40)):
                errors += _str(q, k, f"{at}.quoteTo", limit)
        rep = item.get("salesRepEmail")
        if rep is not None and not is_email(rep):
            errors.append(f"{at}.salesRepEmail: not a valid email address")
        if item.get("status", svc.OPEN) not in IMPORT_STATUSES:
            errors.append(f"{at}.status: one of {', '.join(IMPORT_STATUSES)}")
        if not isinstance(item.get("autoRenew", False), bool):
            errors.append(f"{at}.autoRenew: true or false")
        method = item.get("paymentMethod")
        if method is not None and method not in svc.PAYMENT_METHODS:
            errors.append(f"{at}.paymentMethod: one of {', '.join(svc.PAYMENT_METHODS)}")
        lines = item.get("lines", [])
        if not isinstance(lines, list):
            errors.append(f"{at}.lines: must be a list")
            continue
        for j, line in enumerate(lines):
            lat = f"{at}.lines[{j}]"
            if not isinstance(line, dict):
                errors.append(f"{lat}: must be an object")
                continue
            errors += _str(line, "product", lat, 200, required=True)
            errors += _str(line, "productFamily", lat, 64, required=True)
            for k, limit in (
                ("serviceLevel", 64),
                ("csiNumber", 64),
                ("serialNumber", 100),
                ("installedAt", 300),
                ("salesOrderNumber", 64),
            ):
                errors += _str(line, k, lat, limit)
            qty = _dec(line.get("quantity", "1"))
            if qty is None or qty <= 0:
                errors.append(f"{lat}.quantity: a positive number")
            errors += _money_errors(f"{lat}.amount", line.get("amount"), currency)
    return errors


async def apply(session: AsyncSession, tenant_ids: dict[str, int], items: list[dict], clock: Any) -> None:
    now = clock.now()
    for item in items:
        tenant_id = tenant_ids[item["tenant"]]
        sn = item["supportNumber"].strip()
        renewal = (
            await session.execute(
                select(Renewal)
                .where(Renewal.tenant_id == tenant_id, Renewal.support_number == sn)
                .execution_options(skip_tenant_filter=True)
            )
        ).scalar_one_or_none()
        if renewal is None:
            renewal = Renewal(tenant_id=tenant_id, support_number=sn, last_updated_by="import", status=svc.OPEN)
            session.add(renewal)
        q = item["quoteTo"]
        renewal.quote_number = item.get("quoteNumber") or renewal.quote_number or f"Q-{sn}"
        renewal.customer = item["customer"]
        renewal.end_user = item.get("endUser", "")
        renewal.start_date = date.fromisoformat(item["startDate"])
        renewal.end_date = date.fromisoformat(item["endDate"])
        renewal.service_level = item.get("serviceLevel", "")
        renewal.currency = item["currency"]
        renewal.amount = Decimal(str(item["amount"]))
        renewal.support_notes = item.get("supportNotes", renewal.support_notes or "")
        if "customerReference" in item:
            renewal.customer_reference = item["customerReference"]
        renewal.sales_rep_email = parse_email(item.get("salesRepEmail")) or ""
        if renewal.accepted_at is None:
            # Customer-editable fields follow the document only while the renewal is open.
            renewal.quote_to_email = parse_email(q["email"])
            renewal.quote_to_first_name = q.get("firstName", "")
            renewal.quote_to_last_name = q.get("lastName", "")
            renewal.quote_to_address = q.get("address", "")
            renewal.quote_to_phone = q.get("phone", "")
            renewal.po_number = item.get("poNumber") or renewal.po_number
            renewal.auto_renew = bool(item.get("autoRenew", renewal.auto_renew or False))
            method = item.get("paymentMethod") or renewal.payment_method
            if renewal.auto_renew and method is None:
                method = svc.AUTO_RENEW_DEFAULT_METHOD  # R-R8
            renewal.payment_method = method
            if item.get("status", svc.OPEN) == svc.ACCEPTED:
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
        lines = item.get("lines", [])
        for no, data in enumerate(lines, start=1):
            line = existing.pop(no, None)
            if line is None:
                line = RenewalLine(tenant_id=tenant_id, renewal_id=renewal.id, line_no=no)
                session.add(line)
            line.product = data["product"]
            line.product_family = data["productFamily"].strip().upper()
            line.service_level = data.get("serviceLevel", renewal.service_level)
            line.csi_number = data.get("csiNumber", "")
            line.quantity = Decimal(str(data.get("quantity", "1")))
            line.serial_number = data.get("serialNumber", "")
            line.installed_at = data.get("installedAt", "")
            line.sales_order_number = data.get("salesOrderNumber", "")
            line.amount = Decimal(str(data["amount"]))
        for stale in existing.values():
            await session.delete(stale)
    await session.flush()


SECTIONS = [ImportSection(key="renewals", validate=validate, apply=apply, order=50)]
