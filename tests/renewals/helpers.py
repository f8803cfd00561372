"""Test data for the renewals plugin, in the documented import format (docs/import/renewals.md)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.conftest import ACME, GLOBEX, NOW

TODAY: date = NOW.date()
REP = "rep@vendor.example"
OTHER_REP = "other.rep@vendor.example"
SALES_REP = {"as_": REP, "staff": ["SALES_REP"]}

DB_LINES = [
    {
        "product": "Database EE",
        "productFamily": "DATABASE",
        "csiNumber": "CSI1",
        "quantity": "2",
        "serialNumber": "SN1",
        "installedAt": "Berlin DC",
        "salesOrderNumber": "SO1",
        "amount": "8000.00",
    },
    {
        "product": "Diagnostics Pack",
        "productFamily": "DATABASE_ENTERPRISE_OPTIONS",
        "csiNumber": "CSI2",
        "quantity": "2",
        "salesOrderNumber": "SO1",
        "amount": "4000.00",
    },
]
MW_LINES = [{"product": "WebLogic", "productFamily": "MIDDLEWARE", "salesOrderNumber": "SO2", "amount": "1000.00"}]


def renewal(
    sn: str,
    days: int,
    *,
    tenant: str = "acme",
    quote_to: str = "tech@acme.com",
    amount: str = "12000.00",
    currency: str = "USD",
    lines: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A renewal whose support period starts ``days`` from the test clock's today."""
    start = TODAY + timedelta(days=days)
    item = {
        "tenant": tenant,
        "supportNumber": sn,
        "customer": f"{tenant.title()} Corp",
        "endUser": f"{tenant.title()} Plant",
        "startDate": start.isoformat(),
        "endDate": (start + timedelta(days=364)).isoformat(),
        "serviceLevel": "Premier",
        "currency": currency,
        "amount": amount,
        "quoteTo": {"email": quote_to, "firstName": "Q", "lastName": "To", "address": "1 Main St", "phone": "1"},
        "salesRepEmail": REP,
        "lines": DB_LINES if lines is None else lines,
    }
    item.update(extra)
    return item


async def load(api: Any, *renewals: dict[str, Any]) -> None:
    await api.load({"tenants": [ACME, GLOBEX], "renewals": list(renewals)})


async def grant(api: Any, sn: str, email: str, role: str, tenant: str = "acme") -> None:
    await api.sql(
        "insert into object_grants (tenant_id, object_type, object_id, grantee_email, role, granted_by, created_at) "
        "select id, 'renewal', :sn, :email, :role, 'admin@acme.com', :now from tenants where key = :tenant",
        sn=sn,
        email=email,
        role=role,
        tenant=tenant,
        now=NOW,
    )


async def add_sharing_policy(api: Any, tenant: str = "acme") -> None:
    """The PARTICIPANT / VIEWER rows the sharing plugin ships (R-S1), as tenant policy rows."""
    rows = [("PARTICIPANT", a) for a in ("view", "accept", "request_assistance")] + [
        ("VIEWER", a) for a in ("view", "request_assistance")
    ]
    for role, action in rows:
        await api.sql(
            "insert into policy_rules (tenant_id, ptype, v0, v1, v2, v3, v4) "
            "select id, 'p', :role, '*', 'renewal', :action, '' from tenants where key = :tenant",
            role=role,
            action=action,
            tenant=tenant,
        )
    await api.sql("update tenants set config_version = config_version + 1 where key = :tenant", tenant=tenant)


async def status_of(api: Any, sn: str) -> tuple:
    rows = await api.sql(
        "select status, accepted_at is not null, order_id, customer_reference, quote_to_email, auto_renew, "
        "payment_method from renewal_renewals where support_number = :sn",
        sn=sn,
    )
    return tuple(rows[0])
