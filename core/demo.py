"""The demo tenant: people for each contact kind, every plugin's demo data and the seed exchange rates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.exchange import seed_rates
from core.importer import import_data
from core.models import Tenant
from core.rls import EVERY_TENANT

DEMO_TENANT = "demo"
DEMO_DOMAIN = "acme-demo.com"
DEMO_PEOPLE = {
    "FINANCE": f"fiona.finance@{DEMO_DOMAIN}",
    "TECHNICAL": f"tom.technical@{DEMO_DOMAIN}",
    "EXECUTIVE": f"erin.executive@{DEMO_DOMAIN}",
    "ADMIN": f"ada.admin@{DEMO_DOMAIN}",
}
# Vendor staff (docs/demo.md): not rows in the database, their token carries the role; they act in
# the demo tenant with the X-Tenant header. The development sign-in offers them too.
DEMO_STAFF = {
    "SALES_REP": "sam.salesrep@vendor.example",  # the demo renewals' sales rep (plugins/renewals/demo.py)
    "BILLING_SUPPORT": "bill.support@vendor.example",
    "OPERATOR": "olga.operator@vendor.example",
}


async def seed_demo(state: Any) -> bool:
    """Create the demo tenant once; returns False when it already exists."""
    async with state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
        if (await session.execute(select(Tenant.id).where(Tenant.key == DEMO_TENANT))).first():
            return False
        await seed_rates(session, state.clock.now())  # the rate table's starting rates (core/data)
        people = [
            {"email": DEMO_PEOPLE["FINANCE"], "firstName": "Fiona", "lastName": "Finance", "roles": ["FINANCE"]},
            {"email": DEMO_PEOPLE["TECHNICAL"], "firstName": "Tom", "lastName": "Technical", "roles": ["TECHNICAL"]},
            {"email": DEMO_PEOPLE["EXECUTIVE"], "firstName": "Erin", "lastName": "Executive", "roles": ["EXECUTIVE"]},
            {"email": DEMO_PEOPLE["ADMIN"], "firstName": "Ada", "lastName": "Admin", "roles": ["TECHNICAL", "ADMIN"]},
        ]
        await import_data(
            session,
            {
                "tenants": [
                    {
                        "key": DEMO_TENANT,
                        "name": "Acme Demo Corp",
                        "country": "US",
                        "domains": [DEMO_DOMAIN],
                        "people": people,
                    }
                ]
            },
            state,
        )
        tenant_id = (await session.execute(select(Tenant.id).where(Tenant.key == DEMO_TENANT))).scalar_one()
        session.info["tenant_id"] = tenant_id
        for result in state.plugins.pm.hook.cc_demo_data(
            session=session, tenant_id=tenant_id, people=DEMO_PEOPLE, clock=state.clock
        ):
            if hasattr(result, "__await__"):
                await result
    return True
