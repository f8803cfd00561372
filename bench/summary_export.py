"""The renewals summary export of 100,000 rows, in process, written by PostgreSQL (``COPY``) and by
Python (issue 21, docs/performance.md).

A light stand-in for the bench's ``export_100k`` workload on a shared machine: one throw-away
PostgreSQL (core.testing's server, the app connecting as its ordinary role under row-level
security), one tenant whose technical contact is quoted ``--renewals`` renewals (through
``bench.plugin_data.copy_renewals``: pending and history, every 20th shared), and
``/renewals/report/summary.csv?source=pending_and_history`` fetched through the ASGI app in
alternating rounds with ``Settings.database_csv`` on and off; both bodies must be the same bytes.
Wall time and this process's CPU (``time.process_time``: app and in-process client, not
PostgreSQL) per export; then, apart, the peak of Python's traced memory while one export's body is
streamed without being kept (the route's own iterator, as the server would send it).

    .venv/bin/python -m bench.summary_export --renewals 100000 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import tracemalloc
from random import Random
from typing import Any

import asyncpg

from bench.copy import asyncpg_dsn
from bench.data import Dataset
from bench.plugin_data import copy_grants, copy_renewals
from core.plugins import built_in_plugins
from core.testing import NOW, make_api, migrate_templates, start_pg

KEY, DOMAIN = "hugecorp", "hugecorp.example"
PATH = "/renewals/report/summary.csv?source=pending_and_history"
TENANT = {
    "key": KEY,
    "name": "Huge Corp",
    "country": "US",
    "domains": [DOMAIN],
    "people": [
        {"email": f"fin@{DOMAIN}", "firstName": "F", "lastName": "In", "roles": ["FINANCE"]},
        {"email": f"tech@{DOMAIN}", "firstName": "T", "lastName": "Ech", "roles": ["TECHNICAL"]},
    ],
}


def main(renewals: int, rounds: int) -> dict[str, Any]:
    pg = start_pg()
    if pg is None:
        raise SystemExit("PostgreSQL binaries (initdb/pg_ctl) not found")
    try:
        templates = migrate_templates(pg, built_in_plugins())  # runs its own event loop
        return asyncio.run(measure(templates, renewals, rounds))
    finally:
        pg.stop()


async def measure(templates: dict[str, Any], renewals: int, rounds: int) -> dict[str, Any]:
    api, client = await make_api("postgres", templates, 1, rate_limit_cost_per_minute=10**12)
    api.clock.set(NOW.date())
    await api.load({"tenants": [TENANT]})
    tenant_id = (await api.sql("SELECT id FROM tenants WHERE key = :k", k=KEY))[0][0]
    ds = Dataset(scale=None, today=NOW.date(), now=NOW)  # type: ignore[arg-type]
    conn = await asyncpg.connect(asyncpg_dsn(api.owner_url))
    try:
        await copy_renewals(conn, ds, tenant_id, KEY, DOMAIN, renewals, 1, Random(7))
        await copy_grants(conn, ds, tenant_id, KEY, DOMAIN, renewals)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    headers = {"Authorization": f"Bearer {api.token(f'tech@{DOMAIN}')}"}
    settings = api.state.settings

    async def export(database: bool) -> tuple[bytes, float, float]:
        settings.database_csv = database
        wall, cpu = time.perf_counter(), time.process_time()
        resp = await client.get(PATH, headers=headers)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert resp.status_code == 200, resp.text
        return resp.content, wall, cpu

    await export(True), await export(False)  # warm: plans, pools, caches
    sides: dict[str, dict[str, list[float]]] = {"database": {"wall": [], "cpu": []}, "python": {"wall": [], "cpu": []}}
    body: dict[str, bytes] = {}
    for _ in range(rounds):
        for side in ("database", "python"):
            body[side], wall, cpu = await export(side == "database")
            sides[side]["wall"].append(wall)
            sides[side]["cpu"].append(cpu)
    assert body["database"] == body["python"], "the two paths wrote different bytes"
    rows = body["database"].count(b"\r\n") - 1  # no cell of this data holds a line break
    out: dict[str, Any] = {"renewals": rows, "bytes": len(body["database"]), "rounds": rounds}
    for side, t in sides.items():
        out[side] = {
            "wall_s": [round(w, 3) for w in t["wall"]],
            "rows_per_s": round(rows / statistics.median(t["wall"])),
            "python_cpu_s": [round(c, 3) for c in t["cpu"]],
            "peak_traced_mb": await _peak_traced(api, side == "database"),
        }
    await api.close()
    return out


async def _peak_traced(api: Any, database: bool) -> float:
    """Python's peak traced memory while one export's body is streamed and dropped chunk by chunk."""
    from core.app import principal_for_email
    from core.models import Tenant
    from core.rls import EVERY_TENANT
    from plugins.renewals import downloads

    api.state.settings.database_csv = database
    async with api.state.sessionmaker(info=EVERY_TENANT) as session:
        principal = await principal_for_email(api.state, session, f"tech@{DOMAIN}")
        tenant = await session.get(Tenant, principal.tenant_id)
        session.info["tenant_id"] = tenant.id
        ctx = await api.state.context_for(session, principal, tenant)

        class Request:
            query_params = {"source": "pending_and_history"}

        response = await downloads.summary_report(ctx, Request())
        tracemalloc.start()
        try:
            async for _chunk in response.body_iterator:
                pass
            return round(tracemalloc.get_traced_memory()[1] / 1e6, 2)
        finally:
            tracemalloc.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renewals", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(main(args.renewals, args.rounds), indent=2))
