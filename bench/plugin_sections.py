"""The invoicing and rewards pieces of the dataset: import items for ordinary tenants (formats of
docs/import/invoicing.md and docs/import/rewards.md) and COPY rows for the large tenant."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from random import Random
from typing import Any

import asyncpg

from bench.copy import copy_rows, fix_sequence, next_id
from bench.data import BIG, BIG_DOMAIN, Dataset

DUE_DAYS = 30  # R-I4
TAX_RATE = Decimal("0.08")
INVOICE_SPAN_DAYS = 1000
UNPAID_WITHIN_DAYS = 120  # the recent third of invoices is unpaid: open, or overdue after 30 days
FAMILIES = ("DATABASE", "MIDDLEWARE", "JAVA", "MYSQL", "LINUX")


def _money(rng: Random, lo: int, hi: int) -> Decimal:
    return Decimal(rng.randrange(lo * 100, hi * 100)) / 100


def items_for(tenant: dict[str, Any], ds: Dataset, rng: Random, sections: set[str]) -> dict[str, list[Any]]:
    """Import-section items for one ordinary tenant (only sections the installed plugins accept)."""
    from bench.plugin_data import renewal_items

    s = ds.scale
    key, domain = tenant["key"], tenant["domains"][0]
    out: dict[str, list[Any]] = {}
    if "renewals" in sections and s.small_renewals:
        out["renewals"] = renewal_items(tenant, s.small_renewals, ds.today, rng)
    if "invoices" in sections and s.small_invoices:
        out["invoices"] = [
            {
                "tenant": key,
                "number": f"{key.upper()}-INV-{j:04d}",
                # Unpaid, alternately open and overdue (R-I1): both dashboard lists have rows.
                "invoiceDate": (ds.today - timedelta(days=5 + 20 * (j // 2) + 40 * (j % 2))).isoformat(),
                "billingEmail": f"fin@{domain}",
                "lines": [
                    {
                        "product": f"Support {k}",
                        "preTaxAmount": str(_money(rng, 100, 1500)),
                        "category": "SUPPORT_RENEWAL",
                        "productFamily": FAMILIES[k],
                    }
                    for k in range(2)
                ],
            }
            for j in range(s.small_invoices)
        ]
    if "rewardAccounts" in sections:
        out["rewardAccounts"] = [
            {
                "tenant": key,
                "currency": "USD",
                "onPremises": True,
                "orderNumber": f"UC-{key}",
                "serviceStart": (ds.today - timedelta(days=400)).isoformat(),
            }
        ]
    if "cloudUsage" in sections:
        out["cloudUsage"] = [
            {
                "tenant": key,
                "subscription": f"SUB-{key}",
                "date": (ds.today.replace(day=1) - timedelta(days=31 * m)).replace(day=1).isoformat(),
                "service": "Compute E5",
                "category": "IAAS",
                "unitNetPrice": "0.250000",
                "quantity": str(1000 + 10 * m),
            }
            for m in range(3)
        ]
    return out


# ------------------------------------------------------------------------------------ COPY
def _status(balance: Decimal, due: date, today: date) -> str:
    if balance <= 0:
        return "CLOSED"
    return "OVERDUE" if today > due else "OPEN"


async def copy_invoices(conn: asyncpg.Connection, ds: Dataset, tenant_id: int, rng: Random) -> None:
    from plugins.invoicing.models import Invoice, InvoiceLine

    it, lt = Invoice.__table__, InvoiceLine.__table__
    n, per = ds.scale.big_invoices, ds.scale.invoice_lines
    iid, lid = await next_id(conn, it), await next_id(conn, lt)
    today, first_day = ds.today, ds.today - timedelta(days=INVOICE_SPAN_DAYS)
    invoices, lines, keys, payable = [], [], [], []
    for i in range(n):
        d = first_day + timedelta(days=(i * INVOICE_SPAN_DAYS) // n)
        pre = [_money(rng, 50, 600) for _ in range(per)]
        tax = [(p * TAX_RATE).quantize(Decimal("0.01")) for p in pre]
        total = sum(pre) + sum(tax)
        unpaid = (today - d).days <= UNPAID_WITHIN_DAYS and i % 3 != 1
        number = f"BIG-INV-{i:07d}"
        invoices.append(
            {
                "id": iid + i,
                "tenant_id": tenant_id,
                "number": number,
                "source": "IMPORT",
                "source_key": f"import:{number}",
                "order_number": f"ORD-{i // 10}",
                "order_payment_method": "INVOICE",
                "currency": "USD",
                "country": "US",
                "invoice_date": d,
                "due_date": d + timedelta(days=DUE_DAYS),
                "pre_tax_total": sum(pre),
                "tax_total": sum(tax),
                "total": total,
                "applied_total": Decimal("0.00") if unpaid else total,
                "balance": total if unpaid else Decimal("0.00"),
                "billing_email": f"fin@{BIG_DOMAIN}",
                "created_at": ds.now,
            }
        )
        keys.append((d, iid + i))
        if unpaid and _status(total, d + timedelta(days=DUE_DAYS), today) == "OPEN":
            payable.append(number)
        for k in range(per):
            lines.append(
                {
                    "id": lid + i * per + k,
                    "tenant_id": tenant_id,
                    "invoice_id": iid + i,
                    "position": k + 1,
                    "product": f"Support {FAMILIES[k % len(FAMILIES)]}",
                    "description": "Annual support",
                    "category": "SUPPORT_RENEWAL",
                    "program": "TECHNOLOGY",
                    "product_family": FAMILIES[k % len(FAMILIES)],
                    "quantity": Decimal(1),
                    "pre_tax_amount": pre[k],
                    "tax_rate": TAX_RATE,
                    "tax_amount": tax[k],
                }
            )
    ds.rows[f"{BIG} invoices"] = await copy_rows(conn, it, invoices)
    ds.rows[f"{BIG} invoice lines"] = await copy_rows(conn, lt, lines)
    await fix_sequence(conn, it)
    await fix_sequence(conn, lt)
    # The product lists invoices newest first: (invoice_date DESC, id DESC).
    keys.sort(reverse=True)
    ds.extra["invoice_keys_desc"] = keys
    ds.extra["payable"] = payable


async def copy_rewards(conn: asyncpg.Connection, ds: Dataset, tenant_id: int, rng: Random) -> None:
    from plugins.rewards.models import CloudUsage, RewardAccount, RewardLot

    s = ds.scale
    at, ut, lt = RewardAccount.__table__, CloudUsage.__table__, RewardLot.__table__
    today = ds.today
    await copy_rows(
        conn,
        at,
        [
            {
                "id": await next_id(conn, at),
                "tenant_id": tenant_id,
                "currency": "USD",
                "on_premises": True,
                "region": "US",
                "sector": "COMMERCIAL",
                "order_number": "UC-BIG",
                "service_start": today - timedelta(days=800),
                "updated_at": ds.now,
            }
        ],
    )
    await fix_sequence(conn, at)
    uid = await next_id(conn, ut)
    services = [f"Service {k}" for k in range(s.usage_services)]

    def usage() -> Any:
        n = 0
        for sub in range(s.reward_subscriptions):
            for day in range(s.usage_days):
                for svc in services:
                    yield {
                        "id": uid + n,
                        "tenant_id": tenant_id,
                        "subscription": f"SUB-{sub:03d}",
                        "usage_date": today - timedelta(days=day + 1),
                        "service": svc,
                        "category": "IAAS" if n % 5 else "PAAS",
                        "unit_net_price": Decimal("0.125000"),
                        "quantity": Decimal(rng.randrange(1, 500)),
                    }
                    n += 1

    ds.rows[f"{BIG} cloud usage"] = await copy_rows(conn, ut, usage())
    await fix_sequence(conn, ut)
    lid = await next_id(conn, lt)
    lots = []
    months = 24
    for sub in range(s.reward_subscriptions):
        for m in range(months):
            y, mo = divmod(today.year * 12 + today.month - 2 - m, 12)
            first = date(y, mo + 1, 1)
            amount = _money(rng, 100, 5000)
            deposited = (first + timedelta(days=32)).replace(day=1)
            expires = deposited + timedelta(days=365)
            lots.append(
                {
                    "id": lid + len(lots),
                    "tenant_id": tenant_id,
                    "subscription": f"SUB-{sub:03d}",
                    "period": first.strftime("%Y-%m"),
                    "consumption": amount * 4,
                    "rate": Decimal("0.25"),
                    "currency": "USD",
                    "deposited_on": deposited,
                    "expires_on": expires,
                    "amount": amount,
                    "remaining": amount if expires > today else Decimal("0.00"),
                    "expired_amount": Decimal("0.00") if expires > today else amount,
                    "status": "ACTIVE" if expires > today else "EXPIRED",
                    "created_at": ds.now,
                }
            )
    ds.rows[f"{BIG} reward lots"] = await copy_rows(conn, lt, lots)
    await fix_sequence(conn, lt)


async def copy_big(conn: asyncpg.Connection, ds: Dataset, tenant_id: int, rng: Random) -> None:
    plugins = ds.extra.get("plugins", ())
    if "invoicing" in plugins:
        await copy_invoices(conn, ds, tenant_id, rng)
    if "rewards" in plugins:
        await copy_rewards(conn, ds, tenant_id, rng)
