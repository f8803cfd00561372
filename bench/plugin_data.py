"""Plugin data of the benchmark dataset.

- ordinary tenants: renewals, invoices and rewards through the product's importer (the documented
  sections of docs/import/*.md), a few items each, in chunks;
- the large tenant (``bigcorp``) and the export tenant (``hugecorp``): through the plugins' models
  with COPY (bench/copy.py) — 10,000 renewals × 5 lines, 100,000 invoices × 3 lines, reward lots and
  a year of daily cloud usage at the default scale.

Dates are relative to today (the servers run on the system clock): renewals start between 600
days ago and 120 days ahead, so they are in the pending or history list (R-R1); invoices span the
last ~3 years, the recent unpaid ones open or overdue (R-I1).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from random import Random
from typing import Any

import asyncpg
from sqlalchemy import select

from bench.copy import asyncpg_dsn, copy_rows, fix_sequence, next_id
from bench.data import BIG, BIG_DOMAIN, HUGE, HUGE_DOMAIN, Dataset, import_chunks
from core.models import ObjectGrant, Tenant

FAMILIES = ("DATABASE", "MIDDLEWARE", "JAVA", "MYSQL", "LINUX")
PAST_DAYS, AHEAD_DAYS = 600, 120
HISTORY_BEFORE = 30  # renewals that started more than this many days ago are accepted (history)


def _money(rng: Random, lo: int, hi: int) -> Decimal:
    return Decimal(rng.randrange(lo * 100, hi * 100)) / 100


def _start(i: int, n: int, today: date) -> date:
    return today - timedelta(days=PAST_DAYS) + timedelta(days=(i * (PAST_DAYS + AHEAD_DAYS)) // max(1, n))


# ------------------------------------------------------------------------------------ importer
def renewal_items(tenant: dict[str, Any], count: int, today: date, rng: Random) -> list[dict[str, Any]]:
    domain = tenant["domains"][0]
    items = []
    for j in range(count):
        # Pending (R-R1), quote-to alternating between the finance and technical contacts, so both
        # see a non-empty first page (the statements-per-request comparison needs rows on both sides).
        start = today + timedelta(days=10 + 5 * j)
        lines = [
            {
                "product": f"Product {k}",
                "productFamily": FAMILIES[k % len(FAMILIES)],
                "quantity": "1",
                "amount": str(_money(rng, 100, 2000)),
            }
            for k in range(2)
        ]
        items.append(
            {
                "tenant": tenant["key"],
                "supportNumber": f"{tenant['key'].upper()}-{j:04d}",
                "customer": tenant["name"],
                "startDate": start.isoformat(),
                "endDate": (start + timedelta(days=364)).isoformat(),
                "currency": "USD",
                "amount": str(sum(Decimal(x["amount"]) for x in lines)),
                "quoteTo": {"email": f"{('fin', 'tech')[j % 2]}@{domain}", "firstName": "T", "lastName": "Tech"},
                "status": "OPEN",
                "lines": lines,
            }
        )
    return items


async def import_small_tenants(state: Any, ds: Dataset, tenants: list[dict[str, Any]], rng: Random, log: Any) -> None:
    from bench import plugin_sections

    t0 = time.perf_counter()
    small = [t for t in tenants if t["key"] not in (BIG, HUGE)]
    sections = {s.key for r in state.plugins.pm.hook.cc_import_sections() for s in (r or [])}
    chunk = 100
    counts: dict[str, int] = {}
    docs = []
    for i in range(0, len(small), chunk):
        doc: dict[str, Any] = {}
        for t in small[i : i + chunk]:
            for key, items in plugin_sections.items_for(t, ds, rng, sections).items():
                doc.setdefault(key, []).extend(items)
                counts[key] = counts.get(key, 0) + len(items) + sum(len(x.get("lines", [])) for x in items)
        if doc:
            docs.append(doc)
    await import_chunks(state, docs)
    for key, n in counts.items():
        ds.rows[f"import {key} (+lines)"] = n
    ds.seconds["import plugin sections"] = time.perf_counter() - t0
    log(f"  {sum(counts.values()):,} plugin rows imported for {len(small)} tenants in {time.perf_counter() - t0:.1f}s")


# ------------------------------------------------------------------------------------ COPY
async def copy_renewals(
    conn: asyncpg.Connection,
    ds: Dataset,
    tenant_id: int,
    key: str,
    domain: str,
    n: int,
    lines: int,
    rng: Random,
    finance_extra: int = 0,
) -> None:
    """``n`` renewals quoted to the technical contact (the export's rows) and ``finance_extra`` more
    quoted to the finance contact, spread over the pending and history lists."""
    from plugins.renewals.models import Renewal, RenewalLine

    rt, lt = Renewal.__table__, RenewalLine.__table__
    rid, lid = await next_id(conn, rt), await next_id(conn, lt)
    today, now = ds.today, ds.now
    renewals, line_rows = [], []
    total = n + finance_extra
    for i in range(total):
        start = _start(i % n if i < n else (i - n) * 10, n, today)
        accepted = start < today - timedelta(days=HISTORY_BEFORE)
        amounts = [_money(rng, 100, 5000) for _ in range(lines)]
        owner = f"tech@{domain}" if i < n else f"fin@{domain}"
        renewals.append(
            {
                "id": rid + i,
                "tenant_id": tenant_id,
                "support_number": f"{key.upper()}-{i:07d}",
                "quote_number": f"Q-{key.upper()}-{i:07d}",
                "customer": f"{key} customer",
                "end_user": f"{key} end user {i % 50}",
                "start_date": start,
                "end_date": start + timedelta(days=364),
                "service_level": "PREMIER",
                "currency": "USD",
                "amount": sum(amounts),
                "status": "ACCEPTED" if accepted else "OPEN",
                "customer_reference": f"REF-{i}",
                "quote_to_email": owner,
                "quote_to_first_name": "Ted",
                "quote_to_last_name": "Technical",
                "sales_rep_email": "rep@vendor.example",
                "accepted_at": now - timedelta(days=60) if accepted else None,
                "accepted_by": owner if accepted else None,
                "po_number": f"PO-{i}" if accepted else None,
                "last_updated_by": "import",
                "auto_renew": i % 7 == 0,
            }
        )
        for k, amount in enumerate(amounts):
            line_rows.append(
                {
                    "id": lid + i * lines + k,
                    "tenant_id": tenant_id,
                    "renewal_id": rid + i,
                    "line_no": k + 1,
                    "product": f"Product {k}",
                    "product_family": FAMILIES[k % len(FAMILIES)],
                    "service_level": "PREMIER",
                    "csi_number": f"CSI{i:07d}{k}",
                    "quantity": Decimal(1 + k),
                    "serial_number": f"SN-{i}-{k}",
                    "installed_at": "Data center 1",
                    "sales_order_number": f"SO-{i}",
                    "amount": amount,
                }
            )
    ds.rows[f"{key} renewals"] = await copy_rows(conn, rt, renewals)
    ds.rows[f"{key} renewal lines"] = await copy_rows(conn, lt, line_rows)
    await fix_sequence(conn, rt)
    await fix_sequence(conn, lt)


async def copy_grants(conn: asyncpg.Connection, ds: Dataset, tenant_id: int, key: str, domain: str, n: int) -> None:
    """Shares (R-S2): every 20th renewal of the technical contact is shared with the finance contact."""
    t = ObjectGrant.__table__
    gid = await next_id(conn, t)
    rows = [
        {
            "id": gid + j,
            "tenant_id": tenant_id,
            "object_type": "renewal",
            "object_id": f"{key.upper()}-{i:07d}",
            "grantee_email": f"fin@{domain}",
            "role": "VIEWER" if i % 40 else "PARTICIPANT",
            "granted_by": f"tech@{domain}",
            "created_at": ds.now,
        }
        for j, i in enumerate(i for i in range(n) if i % 20 == 0)
    ]
    ds.rows[f"{key} shares"] = await copy_rows(conn, t, rows)
    await fix_sequence(conn, t)


async def generate(state: Any, ds: Dataset, tenants: list[dict[str, Any]], rng: Random, log: Any) -> None:
    from bench import plugin_sections

    await import_small_tenants(state, ds, tenants, rng, log)
    async with state.sessionmaker() as session:
        ids = dict((await session.execute(select(Tenant.key, Tenant.id))).all())
    ds.extra["tenant_ids"] = ids
    s = ds.scale
    t0 = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(str(state.engine.url.render_as_string(hide_password=False))))
    try:
        async with conn.transaction():
            if "renewals" in state.plugins.names:
                await copy_renewals(
                    conn, ds, ids[BIG], BIG, BIG_DOMAIN, s.big_renewals, s.renewal_lines, rng, s.big_renewals // 10
                )
                await copy_renewals(conn, ds, ids[HUGE], HUGE, HUGE_DOMAIN, s.huge_renewals, 1, rng)
                await copy_grants(conn, ds, ids[BIG], BIG, BIG_DOMAIN, s.big_renewals)
            await plugin_sections.copy_big(conn, ds, ids[BIG], rng)
    finally:
        await conn.close()
    ds.seconds["copy large tenants"] = time.perf_counter() - t0
    log(f"  large tenants copied in {ds.seconds['copy large tenants']:.1f}s")


def utc(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)
