"""Import sections ``rewardAccounts`` and ``cloudUsage`` (docs/import/rewards.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.hookspecs import ImportSection
from core.models import Tenant
from core.money import CURRENCIES
from plugins.rewards.models import CloudUsage, RewardAccount
from plugins.rewards.service import USAGE_CATEGORIES

BOOL_FIELDS = ("onPremises", "payAsYouGo", "ula")


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _common(item: Any, at: str, tenant_keys: set[str], errors: list[str]) -> bool:
    if not isinstance(item, dict):
        errors.append(f"{at}: must be an object")
        return False
    if item.get("tenant") not in tenant_keys:
        errors.append(f"{at}.tenant: unknown tenant {item.get('tenant')!r}")
    return True


def validate_accounts(items: Any, tenant_keys: set[str]) -> list[str]:
    if not isinstance(items, list):
        return ["rewardAccounts: must be a list"]
    errors: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        at = f"rewardAccounts[{i}]"
        if not _common(item, at, tenant_keys, errors):
            continue
        if item.get("tenant") in seen:
            errors.append(f"{at}.tenant: a tenant has one rewards account; {item['tenant']!r} appears twice")
        seen.add(item.get("tenant"))
        for f in BOOL_FIELDS:
            if f in item and not isinstance(item[f], bool):
                errors.append(f"{at}.{f}: must be true or false")
        if item.get("currency", "USD") not in CURRENCIES:
            errors.append(f"{at}.currency: unknown currency {item.get('currency')!r}")
        region = item.get("region")
        if region is not None and (not isinstance(region, str) or len(region) != 2):
            errors.append(f"{at}.region: two-letter ISO country code")
        sector = item.get("sector")
        if sector is not None and (not isinstance(sector, str) or not sector.strip() or len(sector) > 32):
            errors.append(f"{at}.sector: string of at most 32 characters")
        order = item.get("orderNumber")
        if order is not None and (not isinstance(order, str) or not order.strip() or len(order) > 64):
            errors.append(f"{at}.orderNumber: string of at most 64 characters")
        start, end = item.get("serviceStart"), item.get("serviceEnd")
        if start is not None and _date(start) is None:
            errors.append(f"{at}.serviceStart: date YYYY-MM-DD")
        if end is not None and _date(end) is None:
            errors.append(f"{at}.serviceEnd: date YYYY-MM-DD")
        if _date(start) and _date(end) and _date(end) < _date(start):
            errors.append(f"{at}.serviceEnd: before serviceStart")
        if (order is None) != (start is None):
            errors.append(f"{at}.serviceStart: orderNumber and serviceStart go together (the universal-credits order)")
    return errors


async def apply_accounts(session: AsyncSession, ids: dict[str, int], items: list[dict], clock: Any) -> None:
    for item in items:
        tenant_id = ids[item["tenant"]]
        tenant = await session.get(Tenant, tenant_id)
        account = (
            await session.execute(select(RewardAccount).where(RewardAccount.tenant_id == tenant_id))
        ).scalar_one_or_none()
        if account is None:
            account = RewardAccount(tenant_id=tenant_id)
            session.add(account)
        account.currency = item.get("currency", "USD")
        account.on_premises = bool(item.get("onPremises", False))
        account.pay_as_you_go = bool(item.get("payAsYouGo", False))
        account.ula = bool(item.get("ula", False))
        account.region = (item.get("region") or tenant.country).upper()
        account.sector = (item.get("sector") or tenant.sector).upper()
        account.order_number = item.get("orderNumber")
        account.service_start = _date(item.get("serviceStart"))
        account.service_end = _date(item.get("serviceEnd"))
        account.updated_at = clock.now()
    await session.flush()


def validate_usage(items: Any, tenant_keys: set[str]) -> list[str]:
    if not isinstance(items, list):
        return ["cloudUsage: must be a list"]
    errors: list[str] = []
    seen: set[tuple] = set()
    for i, item in enumerate(items):
        at = f"cloudUsage[{i}]"
        if not _common(item, at, tenant_keys, errors):
            continue
        for f in ("subscription", "service"):
            v = item.get(f)
            if not isinstance(v, str) or not v.strip() or len(v) > (64 if f == "subscription" else 120):
                errors.append(f"{at}.{f}: required string")
        if _date(item.get("date")) is None:
            errors.append(f"{at}.date: date YYYY-MM-DD")
        if item.get("category") not in USAGE_CATEGORIES:
            errors.append(f"{at}.category: one of {sorted(USAGE_CATEGORIES)}")
        for f in ("unitNetPrice", "quantity"):
            d = _decimal(item.get(f))
            if d is None or d < 0:
                errors.append(f"{at}.{f}: non-negative decimal")
            elif d != d.quantize(Decimal("0.000001")) or abs(d) >= Decimal("1e12"):
                errors.append(f"{at}.{f}: at most 6 decimals and 12 integer digits")
        if "overage" in item and not isinstance(item["overage"], bool):
            errors.append(f"{at}.overage: must be true or false")
        key = (item.get("tenant"), item.get("subscription"), item.get("date"), item.get("service"))
        if key in seen:
            errors.append(f"{at}: duplicate usage for subscription, date and service")
        seen.add(key)
    return errors


async def apply_usage(session: AsyncSession, ids: dict[str, int], items: list[dict], clock: Any) -> None:
    by_tenant: dict[int, list[dict]] = {}
    for item in items:
        by_tenant.setdefault(ids[item["tenant"]], []).append(item)
    for tenant_id, rows in by_tenant.items():
        days = [_date(r["date"]) for r in rows]
        existing = {
            (u.subscription, u.usage_date, u.service): u
            for u in (
                await session.execute(
                    select(CloudUsage).where(
                        CloudUsage.tenant_id == tenant_id,
                        CloudUsage.usage_date >= min(days),
                        CloudUsage.usage_date <= max(days),
                    )
                )
            ).scalars()
        }
        for item, day in zip(rows, days, strict=True):
            key = (item["subscription"], day, item["service"])
            usage = existing.get(key)
            if usage is None:
                usage = existing[key] = CloudUsage(
                    tenant_id=tenant_id, subscription=item["subscription"], usage_date=day, service=item["service"]
                )
                session.add(usage)
            usage.category = item["category"]
            usage.unit_net_price = _decimal(item["unitNetPrice"])
            usage.quantity = _decimal(item["quantity"])
            usage.overage = bool(item.get("overage", False))
    await session.flush()


SECTIONS = [
    ImportSection("rewardAccounts", validate_accounts, apply_accounts, order=300),
    ImportSection("cloudUsage", validate_usage, apply_usage, order=310),
]
