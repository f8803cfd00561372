"""Dataset generation: tenants and people through the product's importer; the large tenants' volume
through the models with COPY (bench/copy.py). Deterministic (seeded) so runs are comparable."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from core.importer import import_data

BIG = "bigcorp"
BIG_DOMAIN = "bigcorp.example"
HUGE = "hugecorp"  # holds the 100,000-renewal export of the memory-flatness check
HUGE_DOMAIN = "hugecorp.example"


@dataclass(frozen=True)
class Scale:
    name: str
    tenants: int
    big_renewals: int
    renewal_lines: int
    big_invoices: int
    invoice_lines: int
    huge_renewals: int
    small_renewals: int  # per ordinary tenant, through the importer
    small_invoices: int
    reward_subscriptions: int  # of the large tenant
    usage_days: int
    usage_services: int
    deep_offset: int  # the deep page starts after this many invoices
    export_rows: int
    concurrency: int
    requests: int
    seconds: float
    count_samples: int = 5  # sequential requests per workload on the counting server


SCALES = {
    "tiny": Scale("tiny", 6, 120, 5, 600, 3, 400, 2, 2, 2, 10, 3, 300, 100, 2, 6, 5, 2),
    "small": Scale("small", 50, 1_000, 5, 6_000, 3, 5_000, 2, 4, 5, 30, 5, 5_000, 1_000, 4, 60, 6, 3),
    "default": Scale("default", 1_000, 10_000, 5, 100_000, 3, 100_000, 3, 6, 40, 365, 25, 50_000, 10_000, 8, 400, 25),
}


@dataclass
class Dataset:
    scale: Scale
    today: date
    now: datetime
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)  # FINANCE/TECHNICAL/... of the large tenant
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def tenant_doc(i: int) -> dict[str, Any]:
    key = f"t{i:05d}"
    dom = f"{key}.example"
    return {
        "key": key,
        "name": f"Tenant {i}",
        "country": "US",
        "domains": [dom],
        "people": [
            {"email": f"fin@{dom}", "firstName": "F", "lastName": str(i), "roles": ["FINANCE"]},
            {"email": f"tech@{dom}", "firstName": "T", "lastName": str(i), "roles": ["TECHNICAL"]},
            {"email": f"admin@{dom}", "firstName": "A", "lastName": str(i), "roles": ["TECHNICAL", "ADMIN"]},
        ],
    }


def big_tenant_doc(key: str, domain: str, name: str) -> dict[str, Any]:
    return {
        "key": key,
        "name": name,
        "country": "US",
        "domains": [domain],
        "people": [
            {"email": f"fin@{domain}", "firstName": "Fay", "lastName": "Finance", "roles": ["FINANCE"]},
            {"email": f"tech@{domain}", "firstName": "Ted", "lastName": "Technical", "roles": ["TECHNICAL"]},
            {"email": f"exec@{domain}", "firstName": "Eve", "lastName": "Exec", "roles": ["EXECUTIVE"]},
            {"email": f"admin@{domain}", "firstName": "Ann", "lastName": "Admin", "roles": ["TECHNICAL", "ADMIN"]},
        ],
    }


async def import_chunks(state: Any, docs: list[dict[str, Any]]) -> None:
    """Run the product's importer once per chunk (each chunk one transaction, as the CLI would)."""
    for doc in docs:
        async with state.sessionmaker() as session, session.begin():
            await import_data(session, doc, state)


async def generate(state: Any, scale: Scale, log: Any = print) -> Dataset:
    now = datetime.now(UTC).replace(microsecond=0)
    ds = Dataset(scale=scale, today=now.date(), now=now)
    rng = random.Random(8)
    t0 = time.perf_counter()
    tenants = [big_tenant_doc(BIG, BIG_DOMAIN, "Big Corp"), big_tenant_doc(HUGE, HUGE_DOMAIN, "Huge Corp")]
    tenants += [tenant_doc(i) for i in range(scale.tenants - 2)]
    chunk = 100
    docs = [{"tenants": tenants[i : i + chunk]} for i in range(0, len(tenants), chunk)]
    await import_chunks(state, docs)
    ds.rows["tenants"] = len(tenants)
    ds.rows["people"] = sum(len(t["people"]) for t in tenants)
    ds.seconds["import tenants"] = time.perf_counter() - t0
    log(f"  {len(tenants)} tenants imported in {ds.seconds['import tenants']:.1f}s")
    ds.people = {
        "FINANCE": f"fin@{BIG_DOMAIN}",
        "TECHNICAL": f"tech@{BIG_DOMAIN}",
        "HUGE_TECHNICAL": f"tech@{HUGE_DOMAIN}",
    }
    from bench import plugin_data

    ds.extra["plugins"] = sorted(state.plugins.names)

    await plugin_data.generate(state, ds, tenants, rng, log)
    return ds
