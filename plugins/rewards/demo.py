"""Demo rewards for the demo tenant: an eligible account, three months of cloud usage on two
subscriptions (with a SaaS line that earns nothing, R-W4), the lots accrued from it, and
fiona.finance@acme-demo.com authorised as the rewards invoice recipient (R-W6)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar import add_months
from plugins.rewards import service
from plugins.rewards.models import CloudUsage, RewardAccount, RewardRedeemer

# The demo recipient's redemption code (demo data only; real codes are random and only emailed).
DEMO_REDEMPTION_CODE = "DEMO-REWARDS-2026"
MONTHS = 3


async def add_demo_data(session: AsyncSession, tenant_id: int, people: dict[str, str], clock: Any) -> None:
    today = clock.today()
    now = clock.now()
    first_month = service.previous_month(today)
    for _ in range(MONTHS - 1):
        first_month = service.previous_month(first_month)
    session.add(
        RewardAccount(
            tenant_id=tenant_id,
            currency="USD",
            on_premises=True,
            pay_as_you_go=False,
            ula=False,
            region="US",
            sector="COMMERCIAL",
            order_number="UC-DEMO-0001",
            service_start=first_month,
            service_end=add_months(first_month, 36) - timedelta(days=1),
            updated_at=now,
        )
    )
    month = first_month
    months = []
    for m in range(MONTHS):
        months.append(month)
        for day in (1, 15):
            d = month.replace(day=day)
            for sub, service_name, category, price, qty in (
                ("ocid1.sub.demo-prod", "Compute E4", "IAAS", "0.025", str(4000 + 500 * m)),
                ("ocid1.sub.demo-prod", "Autonomous Database", "PAAS", "0.336", "900"),
                ("ocid1.sub.demo-dev", "Block Storage", "IAAS", "0.0255", "2000"),
                ("ocid1.sub.demo-dev", "Fusion HCM", "SAAS", "12.00", "50"),
            ):
                session.add(
                    CloudUsage(
                        tenant_id=tenant_id,
                        subscription=sub,
                        usage_date=d,
                        service=service_name,
                        category=category,
                        unit_net_price=Decimal(price),
                        quantity=Decimal(qty),
                    )
                )
        month = add_months(month, 1)
    await session.flush()
    for month in months:
        await service.accrue_month(session, tenant_id, month, now)
    fiona = people["FINANCE"]
    session.add(
        RewardRedeemer(
            tenant_id=tenant_id,
            email=fiona,
            code_hash=service.hash_code(tenant_id, fiona, DEMO_REDEMPTION_CODE),
            authorized_by=people["ADMIN"],
            authorized_at=now,
        )
    )
    await session.flush()
