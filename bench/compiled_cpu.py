"""In-process CPU per request with the compiled reads on and off (issue 21, docs/performance.md).

A light stand-in for ``make bench`` on a shared machine: one throw-away PostgreSQL (tests/pg.py's
server), one app, the bench's own documents (``bench.plugin_workloads``) — the first page and the
deep page of 50 invoices with lines, and the dashboard as finance and as technical contact — sent
through the ASGI app in process, alternating rounds with ``CC_COMPILED_READS`` on and off (the two
schema caches of one state, so both read the same database). CPU is this process's
(``time.process_time``: the app and the in-process client, not PostgreSQL); the same responses are
checked on both sides.

    .venv/bin/python -m bench.compiled_cpu --invoices 3000 --requests 40 --rounds 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import date, timedelta
from typing import Any

from bench.plugin_workloads import DEEP_PAGE, dashboard_query, page_vars
from core.pagination import encode_cursor
from core.plugins import built_in_plugins
from core.testing import NOW, make_api, migrate_templates, start_pg
from schema.builder import SchemaCache

TENANT = {
    "key": "bigcorp",
    "name": "Big Corp",
    "country": "US",
    "domains": ["bigcorp.example"],
    "people": [
        {"email": "fin@bigcorp.example", "firstName": "F", "lastName": "In", "roles": ["FINANCE"]},
        {"email": "tech@bigcorp.example", "firstName": "T", "lastName": "Ech", "roles": ["TECHNICAL"]},
    ],
}


def _invoices(count: int) -> list[dict[str, Any]]:
    today = NOW.date()
    return [
        {
            "tenant": "bigcorp",
            "number": f"INV-{n:06d}",
            "invoiceDate": (today - timedelta(days=n % 400)).isoformat(),
            "currency": "USD",
            "country": "US",
            "orderNumber": f"ORD-{n}",
            "billingEmail": "fin@bigcorp.example",
            "lines": [
                {
                    "product": f"Product {k}",
                    "category": "SUPPORT_RENEWAL",
                    "productFamily": "DATABASE",
                    "preTaxAmount": "1000.00",
                    "taxAmount": "70.00",
                }
                for k in range(3)
            ],
        }
        for n in range(count)
    ]


def _renewals(count: int) -> list[dict[str, Any]]:
    today = NOW.date()
    return [
        {
            "tenant": "bigcorp",
            "supportNumber": f"SN-{n:05d}",
            "customer": "Big Corp",
            "endUser": "Plant",
            "startDate": (today + timedelta(days=5 + n % 80)).isoformat(),
            "endDate": (today + timedelta(days=370 + n % 80)).isoformat(),
            "serviceLevel": "Premier",
            "currency": "USD",
            "amount": "12000.00",
            "quoteTo": {
                "email": "tech@bigcorp.example",
                "firstName": "T",
                "lastName": "E",
                "address": "1",
                "phone": "1",
            },
            "salesRepEmail": "rep@vendor.example",
            "lines": [
                {"product": f"P{k}", "productFamily": "DATABASE", "salesOrderNumber": "SO", "amount": "2400.00"}
                for k in range(5)
            ],
        }
        for n in range(count)
    ]


def main(invoices: int, renewals: int, requests: int, rounds: int) -> dict[str, Any]:
    pg = start_pg()
    if pg is None:
        raise SystemExit("PostgreSQL binaries (initdb/pg_ctl) not found")
    try:
        templates = migrate_templates(pg, built_in_plugins())  # runs its own event loop
        return asyncio.run(measure(templates, invoices, renewals, requests, rounds))
    finally:
        pg.stop()


async def measure(
    templates: dict[str, Any], invoices: int, renewals: int, requests: int, rounds: int
) -> dict[str, Any]:
    api, client = await make_api("postgres", templates, 1, rate_limit_cost_per_minute=10**12)
    api.clock.set(NOW.date())
    await api.load({"tenants": [TENANT]})
    for start in range(0, invoices, 1000):
        await api.load({"invoices": _invoices(invoices)[start : start + 1000]})
    await api.load({"renewals": _renewals(renewals)})
    await api.analyze()
    compiled = api.state.schemas
    resolvers = SchemaCache(api.state.plugins, compiled.extensions, compiled_reads=False)
    deep_date = NOW.date() - timedelta(days=(invoices // 2) % 400)
    rows = await api.sql(
        "select invoice_date, id from invoicing_invoices order by invoice_date desc, id desc "
        f"offset {invoices // 2} limit 1"
    )
    deep_key = rows[0] if rows else (deep_date, 1)
    after = encode_cursor([date.fromisoformat(str(deep_key[0])), int(deep_key[1])])
    workloads = {
        "first page": ("fin@bigcorp.example", DEEP_PAGE, {"first": 50}),
        "deep page": ("fin@bigcorp.example", DEEP_PAGE, {"first": 50, "after": after}),
        "dashboard finance": (
            "fin@bigcorp.example",
            dashboard_query(["renewals", "invoicing", "rewards"]),
            page_vars(50),
        ),
        "dashboard technical": ("tech@bigcorp.example", dashboard_query(["renewals", "invoicing"]), page_vars(50)),
    }
    tokens = {email: api.token(email) for email, _, _ in workloads.values()}

    async def send(email: str, query: str, variables: dict[str, Any]) -> str:
        resp = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {tokens[email]}"},
        )
        body = resp.json()
        assert not body.get("errors"), body["errors"]
        body.pop("extensions", None)
        return json.dumps(body, sort_keys=True)

    results: dict[str, Any] = {}
    for name, (email, query, variables) in workloads.items():
        cpu: dict[str, list[float]] = {"on": [], "off": []}
        answers = {}
        for side, schemas in (("on", compiled), ("off", resolvers)):  # warm-up: plans, caches, sign-in
            api.state.schemas = schemas
            answers[side] = await send(email, query, variables)
            await send(email, query, variables)
        assert answers["on"] == answers["off"], f"{name}: the compiled answer differs"
        for _ in range(rounds):
            for side, schemas in (("on", compiled), ("off", resolvers)):
                api.state.schemas = schemas
                started = time.process_time()
                for _ in range(requests):
                    await send(email, query, variables)
                cpu[side].append((time.process_time() - started) * 1000 / requests)
        api.state.schemas = compiled
        on, off = statistics.median(cpu["on"]), statistics.median(cpu["off"])
        results[name] = {"cpu_ms_on": round(on, 2), "cpu_ms_off": round(off, 2), "ratio": round(on / off, 3)}
        print(f"{name:22} compiled {on:7.2f} ms  resolvers {off:7.2f} ms  ratio {on / off:.2f}", flush=True)
    await client.aclose()
    await api.state.engine.dispose()
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=3000)
    parser.add_argument("--renewals", type=int, default=300)
    parser.add_argument("--requests", type=int, default=40, help="per round and side")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    print(json.dumps(main(args.invoices, args.renewals, args.requests, args.rounds), indent=2))
