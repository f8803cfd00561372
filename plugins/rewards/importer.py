"""Import sections ``rewardAccounts`` and ``cloudUsage`` (docs/import/rewards.md).

Each item is read by a model of core.importing's field types (errors naming the path); the rules
across fields and items (tenant known, one account per tenant, the order and its service period,
unique usage keys) are checked after. Apply upserts by natural key.
"""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BeforeValidator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import context_of
from core.hookspecs import ImportSection
from core.importing import Amount, Currency, ImportItem, IsoDate, text, validate_items
from core.models import Tenant
from plugins.rewards.api import REWARDS_ACCOUNT_CREATED, REWARDS_ACCOUNT_IMPORTED, account_payload
from plugins.rewards.models import CloudUsage, RewardAccount
from plugins.rewards.service import USAGE_CATEGORIES

ACCOUNTS, USAGE = "rewardAccounts", "cloudUsage"
NO_CAP = sys.maxsize  # the rewards sections have never capped their item count
PRICE_PLACES = Decimal("0.000001")  # rewards_cloud_usage prices and quantities are Numeric(18, 6)
MAX_PRICE = Decimal("1e12")


def _region(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 2:
        raise ValueError("two-letter ISO country code")
    return value


def _price(value: Decimal) -> Decimal:
    if value != value.quantize(PRICE_PLACES) or value >= MAX_PRICE:
        raise ValueError("at most 6 decimals and 12 integer digits")
    return value


Price = Annotated[Amount, AfterValidator(_price)]


class RewardAccountItem(ImportItem):
    tenant: str
    currency: Currency = "USD"
    onPremises: bool = False
    payAsYouGo: bool = False
    ula: bool = False
    region: Annotated[str, BeforeValidator(_region)] | None = None
    sector: text(32) | None = None
    orderNumber: text(64) | None = None
    serviceStart: IsoDate | None = None
    serviceEnd: IsoDate | None = None


class CloudUsageItem(ImportItem):
    tenant: str
    subscription: text(64)
    date: IsoDate
    service: text(120)
    category: str
    unitNetPrice: Price
    quantity: Price
    overage: bool = False


M = TypeVar("M", bound=ImportItem)


def _read(model: type[M], items: Any, section: str) -> list[M]:
    """The section's items as models (``apply`` runs only on a document that validated)."""
    valid, errors = validate_items(model, items, section, max_items=NO_CAP)
    if errors:
        raise ValueError(f"apply of an unvalidated {section} section: {errors[0]}")
    return [item for _, item in valid]


def validate_accounts(items: Any, tenant_keys: set[str]) -> list[str]:
    valid, errors = validate_items(RewardAccountItem, items, ACCOUNTS, max_items=NO_CAP)
    seen: set[str] = set()
    for i, a in valid:
        at = f"{ACCOUNTS}[{i}]"
        if a.tenant not in tenant_keys:
            errors.append(f"{at}.tenant: unknown tenant {a.tenant!r}")
        if a.tenant in seen:
            errors.append(f"{at}.tenant: a tenant has one rewards account; {a.tenant!r} appears twice")
        seen.add(a.tenant)
        if a.serviceStart and a.serviceEnd and a.serviceEnd < a.serviceStart:
            errors.append(f"{at}.serviceEnd: before serviceStart")
        if (a.orderNumber is None) != (a.serviceStart is None):
            errors.append(f"{at}.serviceStart: orderNumber and serviceStart go together (the universal-credits order)")
    return errors


async def apply_accounts(session: AsyncSession, ids: dict[str, int], items: list[dict], clock: Any) -> None:
    for item in _read(RewardAccountItem, items, ACCOUNTS):
        tenant_id = ids[item.tenant]
        tenant = await session.get(Tenant, tenant_id)
        account = (
            await session.execute(select(RewardAccount).where(RewardAccount.tenant_id == tenant_id))
        ).scalar_one_or_none()
        created = account is None
        if account is None:
            account = RewardAccount(tenant_id=tenant_id)
            session.add(account)
        account.currency = item.currency
        account.on_premises = item.onPremises
        account.pay_as_you_go = item.payAsYouGo
        account.ula = item.ula
        account.region = (item.region or tenant.country).upper()
        account.sector = (item.sector or tenant.sector).upper()
        account.order_number = item.orderNumber
        account.service_start = item.serviceStart
        account.service_end = item.serviceEnd
        account.updated_at = clock.now()
        await session.flush()
        ctx = await context_of(session, tenant_id)  # the import's context in this tenant
        await ctx.emit(REWARDS_ACCOUNT_CREATED if created else REWARDS_ACCOUNT_IMPORTED, account_payload(account))
    await session.flush()


def validate_usage(items: Any, tenant_keys: set[str]) -> list[str]:
    valid, errors = validate_items(CloudUsageItem, items, USAGE, max_items=NO_CAP)
    seen: set[tuple[str, str, date, str]] = set()
    for i, u in valid:
        at = f"{USAGE}[{i}]"
        if u.tenant not in tenant_keys:
            errors.append(f"{at}.tenant: unknown tenant {u.tenant!r}")
        if u.category not in USAGE_CATEGORIES:
            errors.append(f"{at}.category: one of {sorted(USAGE_CATEGORIES)}")
        key = (u.tenant, u.subscription, u.date, u.service)
        if key in seen:
            errors.append(f"{at}: duplicate usage for subscription, date and service")
        seen.add(key)
    return errors


async def apply_usage(session: AsyncSession, ids: dict[str, int], items: list[dict], clock: Any) -> None:
    by_tenant: dict[int, list[CloudUsageItem]] = {}
    for item in _read(CloudUsageItem, items, USAGE):
        by_tenant.setdefault(ids[item.tenant], []).append(item)
    for tenant_id, rows in by_tenant.items():
        days = [r.date for r in rows]
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
        for item in rows:
            key = (item.subscription, item.date, item.service)
            usage = existing.get(key)
            if usage is None:
                usage = existing[key] = CloudUsage(
                    tenant_id=tenant_id, subscription=item.subscription, usage_date=item.date, service=item.service
                )
                session.add(usage)
            usage.category = item.category
            usage.unit_net_price = item.unitNetPrice
            usage.quantity = item.quantity
            usage.overage = item.overage
    await session.flush()


SECTIONS = [
    ImportSection("rewardAccounts", validate_accounts, apply_accounts, order=300),
    ImportSection("cloudUsage", validate_usage, apply_usage, order=310),
]
