"""Sharing tests run against the real renewals plugin: renewals are loaded with its import section
(docs/import/renewals.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import ACME, GLOBEX, NOW, Api

# (tenant, support number) -> quote-to contact, i.e. the renewal's OWNER (R-S2)
RENEWALS = {
    ("acme", "SN-1"): "tech@acme.com",
    ("acme", "SN-2"): "admin@acme.com",
    ("globex", "SN-9"): "tech@globex.com",
}


def renewal_item(tenant: str, sn: str, quote_to: str, days: int = 60) -> dict[str, Any]:
    """A pending renewal (R-R1: support starts within the 120-day window) in the import format."""
    start = NOW.date() + timedelta(days=days)
    return {
        "tenant": tenant,
        "supportNumber": sn,
        "customer": f"{tenant.title()} Corp",
        "startDate": start.isoformat(),
        "endDate": (start + timedelta(days=364)).isoformat(),
        "serviceLevel": "Premier",
        "currency": "USD",
        "amount": "2400.00",
        "quoteTo": {"email": quote_to, "firstName": "Q", "lastName": "To", "address": "1 Main St", "phone": "1"},
        "lines": [
            {"product": "WebLogic", "productFamily": "MIDDLEWARE", "salesOrderNumber": "SO1", "amount": "2400.00"}
        ],
    }


@pytest.fixture
async def rapi(api: Api) -> Api:
    """Acme and Globex, with renewals SN-1 (tech@acme), SN-2 (admin@acme) and SN-9 (tech@globex)."""
    await api.load({"tenants": [ACME, GLOBEX], "renewals": [renewal_item(t, sn, q) for (t, sn), q in RENEWALS.items()]})
    return api
