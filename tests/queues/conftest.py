"""The world of the work-queue tests (issue 22): three direct tenants (one without rewards), a reseller
with two customers and another reseller with one, staff of each role, and a way to add hundreds of
filler tenants cheaply (for statement counts that must not grow with the tenants)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.rls import EVERY_TENANT  # the test's own inspection: every tenant (core/rls.py)
from tests.conftest import NOW, Api

TODAY = NOW.date()
OPERATOR = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}
BILLING = {"as_": "billing@vendor.example", "staff": ["BILLING_SUPPORT"]}
REP = {"as_": "rep@vendor.example", "staff": ["SALES_REP"]}
OTHER_REP = {"as_": "rep2@vendor.example", "staff": ["SALES_REP"]}
A_BOSS = {"as_": "boss@alpha-resale.com"}  # reseller A: ADMIN, FINANCE, TECHNICAL
B_BOSS = {"as_": "boss@beta-resale.com"}
CUSTOMER = {"as_": "fin@acme.com"}
ALL_PLUGINS = ["renewals", "invoicing", "rewards", "sharing"]


def _tenant(key: str, name: str, **extra: Any) -> dict:
    people = [
        {"email": f"fin@{key}.com", "roles": ["FINANCE"]},
        {"email": f"technical@{key}.com", "roles": ["TECHNICAL"]},
    ]
    return {"key": key, "name": name, "domains": [f"{key}.com"], "people": people, **extra}


TENANTS = [
    _tenant("acme", "Acme Corp"),
    _tenant("globex", "Globex Inc"),
    _tenant("initech", "Initech", plugins=["renewals", "invoicing", "sharing"]),  # no rewards
    {
        "key": "reseller-a",
        "name": "Alpha Resale",
        "domains": ["alpha-resale.com"],
        "reseller": True,
        "people": [{"email": "boss@alpha-resale.com", "roles": ["ADMIN", "FINANCE", "TECHNICAL"]}],
    },
    {
        "key": "reseller-b",
        "name": "Beta Resale",
        "domains": ["beta-resale.com"],
        "reseller": True,
        "people": [{"email": "boss@beta-resale.com", "roles": ["ADMIN", "FINANCE", "TECHNICAL"]}],
    },
    _tenant("a-one", "Alpha's First", resellerKey="reseller-a"),
    _tenant("a-two", "Alpha's Second", resellerKey="reseller-a"),
    _tenant("b-one", "Beta's Only", resellerKey="reseller-b"),
]
CUSTOMER_TENANTS = ("acme", "globex", "initech", "a-one", "a-two", "b-one")


def renewal(sn: str, tenant: str, *, rep: str = "rep@vendor.example", days: int = 60, amount: str = "10000.00") -> dict:
    start = TODAY + timedelta(days=days)
    return {
        "tenant": tenant,
        "supportNumber": sn,
        "customer": tenant,
        "startDate": start.isoformat(),
        "endDate": (start + timedelta(days=364)).isoformat(),
        "currency": "USD",
        "amount": amount,
        "quoteTo": {"email": f"technical@{tenant}.com"},
        "salesRepEmail": rep,
        "lines": [{"product": "Database EE", "productFamily": "DATABASE", "amount": amount}],
    }


def invoice(number: str, tenant: str, *, days_ago: int = 10, amount: str = "100.00") -> dict:
    """An invoice dated ``days_ago`` (net 30: overdue once ``days_ago`` > 30)."""
    return {
        "tenant": tenant,
        "number": number,
        "invoiceDate": (TODAY - timedelta(days=days_ago)).isoformat(),
        "currency": "USD",
        "country": "US",
        "orderNumber": f"ORD-{number}",
        "billingEmail": f"fin@{tenant}.com",
        "lines": [{"product": "Database support", "category": "SUPPORT_RENEWAL", "preTaxAmount": amount}],
    }


@pytest.fixture
async def world(api: Api) -> Api:
    await api.load({"tenants": TENANTS})
    return api


async def add_filler_tenants(api: Api, n: int, *, plugins: tuple[str, ...] = tuple(ALL_PLUGINS)) -> None:
    """``n`` more tenants enabling ``plugins``, inserted in bulk (the importer would take minutes)."""
    rows = [{"key": f"filler-{i:04d}", "name": f"Filler {i}", "now": api.clock.now()} for i in range(n)]
    async with api.state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
        from sqlalchemy import text

        await session.execute(
            text(
                "insert into tenants (key, name, country, sector, is_reseller, config_version, created_at) "
                "values (:key, :name, 'US', 'COMMERCIAL', false, 1, :now)"
            ),
            rows,
        )
        for plugin in plugins:
            await session.execute(
                text(
                    "insert into tenant_plugins (tenant_id, plugin, enabled) "
                    "select id, :plugin, true from tenants where key like 'filler-%'"
                ),
                {"plugin": plugin},
            )
