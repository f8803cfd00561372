"""PostgreSQL's CPU per read request and per statement, product and baseline, on the bench's dataset
(issue 21, docs/performance.md).

A light stand-in for ``make bench``'s ``pg ms`` column that also says where it goes: one throw-away
PostgreSQL with the bench's dataset (``bench.run.load_dataset``, statistics taken), the product
(connected as the app's ordinary role, row-level security on) and the baseline both served in this
process through their ASGI apps, one request at a time. For each read workload: the CPU of every
PostgreSQL process per request (``/proc``), product and baseline in alternating rounds; then each
of the product's statements for that request run again on one backend of the app's role, scoped to
the caller's tenant as the request was, with that backend's CPU per execution.

    .venv/bin/python -m bench.pg_cpu --scale small --requests 200 --rounds 3 --executions 1000

One request at a time: no root field waits beside another request's, so a query's root fields
borrow their own connections (core.driver); ``make bench`` with 8 clients mostly does not.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event

from bench import baseline
from bench.copy import asyncpg_dsn
from bench.data import SCALES, Dataset
from bench.run import APP_ROLE, JWT_SECRET, load_dataset, prepare_database
from bench.server import cpu_seconds, postgres_pids
from bench.workloads import Tokens, build
from core.settings import Settings
from core.testing import PgServer, find_pg_bin

READS = ("viewer", "dashboard_finance", "dashboard_technical", "first_page", "deep_page")
# The check-outs' scope statements (core.rls) are set again below, once per backend.
_SCOPE = re.compile(r"^SELECT set_config\('app\.")


async def _statement_cpu(url: str, email: str, statements: list[tuple[str, Any]], runs: int) -> list[float]:
    """Each statement's backend CPU per execution (ms), as the app's role scoped to ``email``'s tenant."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("SELECT set_config('app.tenant_id', COALESCE(cc_login_tenant($1)::text, ''), false)", email)
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        out = []
        for sql, params in statements:
            prepared = await conn.prepare(sql)
            for _ in range(6):  # past the custom plans PostgreSQL makes first
                await prepared.fetch(*params)
            before = cpu_seconds([pid])
            for _ in range(runs):
                await prepared.fetch(*params)
            out.append((cpu_seconds([pid]) - before) * 1000 / runs)
        return out
    finally:
        await conn.close()


def _label(sql: str) -> str:
    """A statement in a line: its outermost ``FROM`` on (what it reads, its conditions), the written
    JSON and the subqueries of its select list left out."""
    depth, start = 0, 0
    for i, ch in enumerate(sql):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and sql.startswith("FROM ", i) and sql[i - 1] in " \n":
            start = i
    return " ".join(sql[start:].split())[:160]


async def measure(ds: Dataset, pg_data: Path, url: str, requests: int, rounds: int, executions: int) -> dict[str, Any]:
    from core.app import create_app, create_state

    app_url = url.replace("://postgres@", f"://{APP_ROLE}@", 1)
    settings = Settings(
        database_url=app_url, jwt_secret=JWT_SECRET, row_level_security=True, rate_limit_cost_per_minute=10**12
    )
    state = create_state(settings)
    product = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url="http://product")
    baseline.settings = Settings(jwt_secret=JWT_SECRET)
    baseline.POOL["db"] = await asyncpg.create_pool(asyncpg_dsn(url), min_size=1, max_size=4)
    base = httpx.AsyncClient(transport=httpx.ASGITransport(app=baseline.app), base_url="http://baseline")
    sent: list[tuple[str, Any]] = []
    event.listen(state.engine.sync_engine, "before_cursor_execute", lambda c, cur, s, p, x, m: sent.append((s, p)))
    workloads = {w.key: w for w in build(ds, Tokens(Settings(jwt_secret=JWT_SECRET)))}
    results: dict[str, Any] = {}
    try:
        for key in READS:
            w = workloads[key]
            for _ in range(3):  # sign-in, plans, caches
                await w.product(product, 0)
                await w.baseline(base, 0)
            sent.clear()
            await w.product(product, 0)
            statements = [(s, p) for s, p in sent if not _SCOPE.match(s)]
            cpu: dict[str, list[float]] = {"product": [], "baseline": []}
            for _ in range(rounds):
                for side, client, send in (("product", product, w.product), ("baseline", base, w.baseline)):
                    pids = postgres_pids(pg_data)
                    before = cpu_seconds(pids)
                    for i in range(requests):
                        await send(client, i)
                    cpu[side].append((cpu_seconds(pids) - before) * 1000 / requests)
            p, b = statistics.median(cpu["product"]), statistics.median(cpu["baseline"])
            email = ds.people["TECHNICAL" if key == "dashboard_technical" else "FINANCE"]
            each = await _statement_cpu(app_url, email, statements, executions)
            rows = [{"cpu_ms": round(ms, 3), "sql": _label(s)} for ms, (s, _) in zip(each, statements, strict=True)]
            results[key] = {"pg_cpu_ms": {"product": round(p, 3), "baseline": round(b, 3)}, "statements": rows}
            print(f"{key}: PostgreSQL CPU per request, product {p:.2f} ms, baseline {b:.2f} ms", flush=True)
            for row in rows:
                print(f"  {row['cpu_ms']:6.3f} ms  {row['sql']}", flush=True)
    finally:
        await product.aclose()
        await base.aclose()
        await baseline.POOL.pop("db").close()
        await state.engine.dispose()
    return results


def main(scale: str, requests: int, rounds: int, executions: int, pg_server: PgServer | None = None) -> dict[str, Any]:
    """The figures per read workload; ``pg_server`` reuses a running PostgreSQL (the test suite's)."""
    pg = pg_server
    if pg is None:
        bindir = find_pg_bin()
        if bindir is None:
            raise SystemExit("PostgreSQL binaries (initdb, pg_ctl) not found: install the postgresql package")
        pg = PgServer(bindir)
        pg.start()
    try:
        url = prepare_database(pg, f"cc_pg_cpu_{os.getpid()}_{int(time.time())}")
        ds = asyncio.run(load_dataset(url, SCALES[scale]))
        return asyncio.run(measure(ds, pg.dir / "data", url, requests, rounds, executions))
    finally:
        if pg_server is None:
            pg.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="default")
    parser.add_argument("--requests", type=int, default=100, help="per round and side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--executions", type=int, default=1000, help="of each statement, for its CPU")
    args = parser.parse_args()
    main(args.scale, args.requests, args.rounds, args.executions)
