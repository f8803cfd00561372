"""Demo data for the demo tenant: invoices in every status (overdue, open, closed, partly paid, a wire
announced but not received yet, a disputed one), a billing profile, a saved card and subscriptions
with billing schedules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from plugins.invoicing import service as svc
from plugins.invoicing.gateway import TestGateway
from plugins.invoicing.models import Subscription, SubscriptionProduct, UsageRecord


def _line(product: str, amount: str, family: str = "DATABASE", **kw: Any) -> svc.LineSpec:
    return svc.LineSpec(product=product, pre_tax_amount=Decimal(amount), product_family=family, **kw)


async def add_demo_data(session: AsyncSession, tenant_id: int, people: dict[str, str], clock: Any) -> None:
    now = clock.now()
    today: date = clock.today()
    finance = people["FINANCE"]
    await svc.update_billing_profile(session, finance, [people["ADMIN"]], now)
    await svc.add_card(session, "tok_visa_4242", 12, today.year + 2, "Corporate Visa", True, now)
    await svc.add_card(session, "tok_amex_0005", 1, today.year - 1, "Old Amex (expired)", False, now)

    async def invoice(days_ago: int, order: str, lines: list[svc.LineSpec], **kw: Any) -> Any:
        return await svc.create_invoice(
            session,
            svc.InvoiceSpec(
                currency="USD",
                country="US",
                invoice_date=today - timedelta(days=days_ago),
                billing_email=finance,
                cc_emails=[people["ADMIN"]],
                lines=lines,
                order_number=order,
                source="RENEWAL",
                notify=False,
                **kw,
            ),
            now,
            tenant_id,
        )

    support = {"category": "SUPPORT_RENEWAL"}
    await invoice(
        45,
        "ORD-9001",
        [_line("Database Enterprise Edition — Software Update License & Support", "12500.00", **support)],
        po_number="PO-4411",
    )
    await invoice(
        10, "ORD-9002", [_line("MySQL Enterprise Edition subscription", "1450.00", "MYSQL", bundles_license=True)]
    )
    await invoice(
        3,
        "ORD-9003",
        [
            _line("WebLogic Server — Software Update License & Support", "30000.00", "MIDDLEWARE", **support),
            _line("Java SE Subscription", "18000.00", "JAVA", bundles_license=True),
        ],
    )
    paid = await invoice(60, "ORD-8001", [_line("Oracle Linux Premier Support", "4200.00", "LINUX", **support)])
    await svc.pay_invoices(
        session,
        svc.PayRequest([svc.PayItem(paid.number)], "CARD", card_token="tok_visa_4242"),
        finance,
        now,
        TestGateway(),
    )
    partly = await invoice(20, "ORD-8002", [_line("Database Standard Edition support", "8000.00", **support)])
    await svc.record_payment(
        session, [svc.PayItem(partly.number, Decimal("3000.00"))], "WIRE", None, "BANK-REF-77", "demo", now
    )
    wired = await invoice(5, "ORD-8003", [_line("GoldenGate support", "6400.00", "MIDDLEWARE", **support)])
    await svc.pay_invoices(session, svc.PayRequest([svc.PayItem(wired.number)], "WIRE"), finance, now, TestGateway())
    disputed = await invoice(15, "ORD-8004", [_line("Consulting services", "2600.00", "SERVICES", category="SERVICES")])
    await svc.open_dispute(session, disputed.number, "These services were cancelled before delivery.", finance, now)

    start = date(today.year, 1, 1)
    sub = Subscription(
        tenant_id=tenant_id,
        number="SUB-1001",
        name="Database Cloud Service — 3 years",
        currency="USD",
        country="US",
        frequency="ANNUAL_ADVANCE",
        start_date=start,
        end_date=date(today.year + 2, 12, 31),
        billing_email=finance,
        created_at=now,
        products=[
            SubscriptionProduct(
                tenant_id=tenant_id,
                line_key="DBCS",
                order_number="ORD-7001",
                product="Autonomous Database",
                category="SUBSCRIPTION",
                product_family="DATABASE",
                amount=Decimal("120000.00"),
                provisioned_on=start,
            ),
        ],
    )
    cloud = Subscription(
        tenant_id=tenant_id,
        number="SUB-1002",
        name="Platform and SaaS (co-termed)",
        currency="USD",
        country="US",
        frequency="QUARTERLY_ADVANCE",
        start_date=start,
        end_date=date(today.year, 12, 31),
        is_cloud=True,
        billing_email=finance,
        created_at=now,
        products=[
            SubscriptionProduct(
                tenant_id=tenant_id,
                line_key="PAAS",
                order_number="ORD-7002",
                product="Compute (OCPU)",
                category="SUBSCRIPTION",
                product_family="DATABASE",
                amount=Decimal("24000.00"),
                provisioned_on=start,
                subscribed_quantity=Decimal(4),
                hourly_price=Decimal("0.50"),
            ),
            SubscriptionProduct(
                tenant_id=tenant_id,
                line_key="SAAS",
                order_number="ORD-7003",
                product="Analytics SaaS",
                category="SUBSCRIPTION",
                program="APPLICATIONS",
                amount=Decimal("24000.00"),
                provisioned_on=date(today.year, 2, 1),
            ),
            SubscriptionProduct(
                tenant_id=tenant_id,
                line_key="POOL",
                order_number="ORD-7003",
                product="Universal Credits pool",
                category="CLOUD_USAGE",
                amount=Decimal("5000.00"),
                pooled=True,
                provisioned_on=date(today.year, 2, 1),
            ),
        ],
    )
    session.add_all([sub, cloud])
    await session.flush()
    month = svc.add_months(today.replace(day=1), -1)
    from datetime import UTC, datetime

    for h, qty in enumerate(["4", "6", "8", "5"]):
        session.add(
            UsageRecord(
                tenant_id=tenant_id,
                product_id=cloud.products[0].id,
                hour=datetime(month.year, month.month, 3, h, tzinfo=UTC),
                quantity=Decimal(qty),
            )
        )
    await session.flush()
