"""Demo renewals for the demo tenant: every list (pending, history, future) and every state (open,
AutoRenew, locked, multi-year requested / quoted, accepted, auto-renewed, shared, in a saved cart)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.demo import DEMO_STAFF
from core.models import ObjectGrant
from plugins.renewals import service as svc
from plugins.renewals.models import Renewal, RenewalCart, RenewalCartItem, RenewalLine, RenewalOrder

REP = DEMO_STAFF["SALES_REP"]

# (support number, quote-to kind, days until start, amount, status, auto renew, lines [(product, family, amount)])
DB = [
    ("Database Enterprise Edition", "DATABASE", "8000.00"),
    ("Diagnostics Pack", "DATABASE_ENTERPRISE_OPTIONS", "4000.00"),
]
MW = [("WebLogic Server", "MIDDLEWARE", "60000.00"), ("Coherence", "MIDDLEWARE", "15000.00")]
EM = [("Enterprise Manager", "DATABASE_ENTERPRISE_MANAGEMENT", "3000.00")]
ROWS: list[tuple[str, str, int, str, str, bool, list[tuple[str, str, str]]]] = [
    ("DEMO-1001", "TECHNICAL", 60, "12000.00", svc.OPEN, False, DB),
    ("DEMO-1002", "TECHNICAL", 45, "12000.00", svc.OPEN, True, DB),
    ("DEMO-1003", "TECHNICAL", 31, "75000.00", svc.OPEN, False, MW),
    ("DEMO-1004", "TECHNICAL", 90, "12000.00", svc.MULTI_YEAR_PENDING, False, DB),
    ("DEMO-1005", "TECHNICAL", 100, "12000.00", svc.MULTI_YEAR_QUOTED, False, DB),
    ("DEMO-1006", "EXECUTIVE", 70, "3000.00", svc.OPEN, False, EM),
    ("DEMO-1007", "TECHNICAL", 110, "75000.00", svc.OPEN, False, MW),
    ("DEMO-2001", "TECHNICAL", 200, "12000.00", svc.OPEN, False, DB),
    ("DEMO-2002", "TECHNICAL", 300, "75000.00", svc.OPEN, True, MW),
    ("DEMO-2003", "FINANCE", 150, "12000.00", svc.OPEN, False, DB),
    ("DEMO-3001", "TECHNICAL", -30, "12000.00", svc.ACCEPTED, False, DB),
    ("DEMO-3002", "TECHNICAL", 20, "12000.00", svc.AUTO_RENEWED, True, DB),
    ("DEMO-4001", "ADMIN", 80, "12000.00", svc.OPEN, False, DB),
    ("DEMO-4002", "ADMIN", 95, "75000.00", svc.OPEN, False, MW),
]
NAMES = {
    "TECHNICAL": ("Tom", "Technical"),
    "EXECUTIVE": ("Erin", "Executive"),
    "FINANCE": ("Fiona", "Finance"),
    "ADMIN": ("Ada", "Admin"),
}


async def add_demo_data(session: AsyncSession, tenant_id: int, people: dict[str, str], clock: Any) -> None:
    today, now = clock.today(), clock.now()
    by_number: dict[str, Renewal] = {}
    for n, (sn, kind, days, amount, status, auto, lines) in enumerate(ROWS):
        start = today + timedelta(days=days)
        first, last = NAMES[kind]
        r = Renewal(
            tenant_id=tenant_id,
            support_number=sn,
            quote_number=f"Q-{sn}",
            customer="Acme Demo Corp",
            end_user="Acme Demo Corp — Plant " + str(n % 3 + 1),
            start_date=start,
            end_date=start + timedelta(days=364),
            service_level="Premier Support",
            currency="USD",
            amount=Decimal(amount),
            status=status,
            po_number="PO-7781" if status in (svc.ACCEPTED, svc.AUTO_RENEWED) else None,
            customer_reference=f"ACME-REF-{n:03d}",
            support_notes="Demo contract",
            quote_to_email=people[kind],
            quote_to_first_name=first,
            quote_to_last_name=last,
            quote_to_address="1 Demo Way, Springfield, US",
            quote_to_phone="+1 555 0100",
            sales_rep_email=REP,
            billing_name="Fiona Finance",
            billing_email=people["FINANCE"],
            billing_address="1 Demo Way, Springfield, US",
            auto_renew=auto,
            payment_method=svc.AUTO_RENEW_DEFAULT_METHOD if auto else None,
            multi_year_years=svc.MULTI_YEAR_YEARS if status == svc.MULTI_YEAR_QUOTED else None,
            multi_year_amount=Decimal("32400.00") if status == svc.MULTI_YEAR_QUOTED else None,
            multi_year_message="Please quote three years." if status.startswith("MULTI") else None,
            last_updated_by="import",
        )
        session.add(r)
        await session.flush()
        for no, (product, family, line_amount) in enumerate(lines, start=1):
            session.add(
                RenewalLine(
                    tenant_id=tenant_id,
                    renewal_id=r.id,
                    line_no=no,
                    product=product,
                    product_family=family,
                    service_level="Premier Support",
                    csi_number=f"CSI-{sn[-4:]}{no}",
                    quantity=Decimal(2 * no),
                    serial_number=f"SN-{sn[-4:]}-{no}",
                    installed_at="Springfield data center",
                    sales_order_number=f"SO-{sn[-4:]}",
                    amount=Decimal(line_amount),
                )
            )
        if status in (svc.ACCEPTED, svc.AUTO_RENEWED):
            order = RenewalOrder(
                tenant_id=tenant_id,
                order_number=f"RO-DEMO-{sn[-4:]}",
                kind="AUTO_RENEW" if auto else "CHECKOUT",
                placed_by=svc.SYSTEM_ACTOR if auto else people["TECHNICAL"],
                placed_at=now - timedelta(days=40),
                payment_method="INVOICE" if auto else "PO",
                po_number=r.po_number,
                billing_name=r.billing_name,
                billing_email=r.billing_email,
                billing_address=r.billing_address,
                currency="USD",
                total=r.amount,
            )
            session.add(order)
            await session.flush()
            r.order_id, r.accepted_at, r.accepted_by = order.id, order.placed_at, order.placed_by
        by_number[sn] = r
    # Shared with Tom by Ada (R-S1): one as participant, one as viewer.
    for sn, role in (("DEMO-4001", "PARTICIPANT"), ("DEMO-4002", "VIEWER")):
        session.add(
            ObjectGrant(
                tenant_id=tenant_id,
                object_type=svc.OBJECT,
                object_id=sn,
                grantee_email=people["TECHNICAL"],
                role=role,
                granted_by=people["ADMIN"],
                created_at=now,
            )
        )
    cart = RenewalCart(
        tenant_id=tenant_id,
        owner_email=people["TECHNICAL"],
        name="Q1 databases",
        status="SAVED",
        created_at=now,
        updated_at=now,
    )
    session.add(cart)
    await session.flush()
    for sn in ("DEMO-1001", "DEMO-1007"):
        session.add(RenewalCartItem(tenant_id=tenant_id, cart_id=cart.id, renewal_id=by_number[sn].id, added_at=now))
    await session.flush()
