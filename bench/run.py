"""``python -m bench.run [--scale tiny|small|default]``: the whole benchmark in one command.

1. a throw-away PostgreSQL on loopback (tests/pg.py), migrated with the product's migrations;
2. the dataset (bench/data.py): tenants through the importer, the large tenants' volume by COPY;
3. three servers under uvicorn: the product (``core.asgi:app``, 2 workers), the hand-written
   baseline (``bench.baseline:app``, 2 workers) and the product with per-request counters
   (``bench.instrumented:app``, 1 worker, used only for statement counts and authorization time);
4. the workloads over HTTP with concurrent clients, a table on stdout and the figures as JSON in
   ``bench/results/<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench.data import SCALES, Dataset, Scale, generate
from bench.load import Run, drive, graphql_check
from bench.server import ROOT, Uvicorn, cpu_seconds, postgres_pids
from bench.workloads import Tokens, Workload, build
from core.app import create_state
from core.db import make_engine
from core.migrate import upgrade
from core.plugins import load_plugins
from core.settings import Settings
from tests.pg import PgServer, find_pg_bin

RESULTS = ROOT / "bench" / "results"
JWT_SECRET = "bench-secret-bench-secret-bench-secret-0123"
COUNT_SAMPLES = 5
ROUNDS = 4  # product/baseline alternations per workload (section 3 of ``measure``)
APP_ROLE = "cc_app"  # the ordinary role the product connects as, held by row-level security (core/rls.py)
RLS_WORKLOADS = 3  # read workloads timed with row-level security on and off (section 6 of ``measure``)


def log(msg: str) -> None:
    print(msg, flush=True)


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    pg = ""
    bindir = find_pg_bin()
    if bindir:
        pg = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgres": pg,
        "load_average_at_start": os.getloadavg(),
    }


# ------------------------------------------------------------------------------------ database
def prepare_database(pg: PgServer, name: str = "cc_bench") -> str:
    async def create() -> None:
        engine = make_engine(pg.url(), isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(f"CREATE DATABASE {name}"))
        await engine.dispose()

    asyncio.run(create())
    url = pg.url(name)
    upgrade(url, load_plugins(), row_security=True)
    asyncio.run(_row_security(url))
    return url


async def _row_security(url: str) -> None:
    """As ``db create-app-role`` leaves production (the policies came with the migrations)."""
    from core.rls import create_app_role

    engine = make_engine(url)
    try:
        await create_app_role(engine, APP_ROLE)
    finally:
        await engine.dispose()


async def load_dataset(url: str, scale: Scale) -> Dataset:
    state = create_state(Settings(database_url=url, jwt_secret=JWT_SECRET))
    try:
        ds = await generate(state, scale, log)
        async with state.engine.connect() as conn:
            await conn.execute(text("COMMIT"))
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await state.engine.dispose()
    return ds


# ------------------------------------------------------------------------------------ measuring
async def compare_json(w: Workload, product: httpx.AsyncClient, baseline: httpx.AsyncClient) -> dict[str, Any]:
    a = (await w.product(product, 0)).json()
    b = (await w.baseline(baseline, 0)).json()
    same = a == {"data": b.get("data")} or a.get("data") == b.get("data")
    out: dict[str, Any] = {"same_json": same}
    if not same:
        out["product_sample"] = json.dumps(a)[:400]
        out["baseline_sample"] = json.dumps(b)[:400]
    return out


async def count_requests(
    client: httpx.AsyncClient, send: Any, samples: int = COUNT_SAMPLES, start: int = 0
) -> dict[str, Any]:
    """Sequential requests to the instrumented server; median statements, authorization share.
    One unrecorded request first: a principal's first request records its sign-in (R-A4)."""
    await send(client, start + samples)
    await client.get("/__bench/requests")
    for i in range(samples):
        resp = await send(client, start + i)
        if not resp.is_success:
            return {"error": f"HTTP {resp.status_code}: {resp.text[:200]}"}
    records = (await client.get("/__bench/requests")).json()
    if not records:
        return {"error": "no records"}
    sql = [r["sql"] for r in records]
    authz = sum(r["authz_ms"] for r in records)
    server = sum(r["server_ms"] for r in records)
    return {
        "sql_per_request": statistics.median(sql),
        "sql_min": min(sql),
        "sql_max": max(sql),
        "authz_ms": round(authz / len(records), 3),
        "server_ms": round(server / len(records), 2),
        "authz_share": round(authz / server, 4) if server else None,
        "statements": records[-1]["statements"],
    }


async def rss_peak_during(server: Uvicorn, send: Any, client: httpx.AsyncClient) -> dict[str, Any]:
    """Run one request while sampling the workers' RSS every 5 ms; peak above the level before."""
    before = server.rss_mb()
    server.reset_peak()
    peak = before
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, server.rss_mb())
            await asyncio.sleep(0.005)

    sampler = asyncio.create_task(sample())
    t0 = time.perf_counter()
    nbytes = 0
    rows = 0
    try:
        resp = await send(client, 0)
        body = resp.content
        nbytes = len(body)
        rows = max(0, body.count(b"\n") - 1)
        status = resp.status_code
    finally:
        done.set()
        await sampler
    seconds = time.perf_counter() - t0
    hwm = server.peak_mb()
    return {
        "status": status,
        "seconds": round(seconds, 3),
        "bytes": nbytes,
        "rows": rows,
        "rss_before_mb": round(before, 1),
        "rss_peak_mb": round(max(peak, hwm), 1),
        "peak_increase_mb": round(max(peak, hwm) - before, 1),
    }


KEEPALIVE_SAMPLES = 30


async def connection_latency(url: str, send: Any, samples: int = KEEPALIVE_SAMPLES) -> dict[str, Any]:
    """One client, one request at a time: over one keep-alive connection, then each on a fresh
    connection. Equal medians mean no response waits for the client's delayed ACK (TCP_NODELAY on the
    accepted socket, core/serving.py; uvicorn #3149 made keep-alive ~40 ms slower under --workers)."""
    timeout = httpx.Timeout(60.0)

    async def timed(client: httpx.AsyncClient, i: int) -> float:
        t0 = time.perf_counter()
        resp = await send(client, 30_000_000 + i)
        resp.raise_for_status()
        return (time.perf_counter() - t0) * 1000

    async with httpx.AsyncClient(base_url=url, timeout=timeout) as client:
        await timed(client, -1)  # connect and warm up
        keep_alive = [await timed(client, i) for i in range(samples)]
    fresh = []
    for i in range(samples):
        async with httpx.AsyncClient(
            base_url=url, timeout=timeout, limits=httpx.Limits(max_keepalive_connections=0)
        ) as c:
            fresh.append(await timed(c, samples + i))
    ka, fr = statistics.median(keep_alive), statistics.median(fresh)
    return {
        "samples": samples,
        "keep_alive_p50_ms": round(ka, 2),
        "fresh_p50_ms": round(fr, 2),
        "ratio": round(ka / fr, 2),
    }


async def measure(
    ds: Dataset,
    workloads: list[Workload],
    product: Uvicorn,
    baseline: Uvicorn,
    counted: Uvicorn,
    *,
    no_rls: Uvicorn | None = None,
    concurrency: int,
    requests: int,
    seconds: float,
    pg_data: Path | None = None,
) -> dict[str, Any]:
    # CPU per request from /proc (issue 21): steadier than latency on a shared VM. Before and after
    # each target's round: the target's workers and every PostgreSQL process (only that target sends
    # load then; background writers and autovacuum are counted too). Warm-up requests are included.
    cpu: dict[tuple[str, str], list[float]] = {}

    def snapshot(server: Uvicorn) -> tuple[float, float]:
        return cpu_seconds(server.worker_pids()), cpu_seconds(postgres_pids(pg_data)) if pg_data else 0.0

    def spent(key: tuple[str, str], before: tuple[float, float], server: Uvicorn) -> None:
        after = snapshot(server)
        acc = cpu.setdefault(key, [0.0, 0.0])
        acc[0] += after[0] - before[0]
        acc[1] += after[1] - before[1]

    def cpu_per_request(key: tuple[str, str], n: int) -> dict[str, float | None]:
        acc = cpu.get(key)
        if not acc or not n:
            return {"server_cpu_ms": None, "pg_cpu_ms": None}
        return {
            "server_cpu_ms": round(acc[0] * 1000 / n, 2),
            "pg_cpu_ms": round(acc[1] * 1000 / n, 2) if pg_data else None,
        }

    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    timeout = httpx.Timeout(300.0)
    out: dict[str, Any] = {"workloads": {}, "exports": {}}
    async with (
        httpx.AsyncClient(base_url=product.url, limits=limits, timeout=timeout) as pc,
        httpx.AsyncClient(base_url=baseline.url, limits=limits, timeout=timeout) as bc,
        httpx.AsyncClient(base_url=counted.url, timeout=timeout) as cc,
    ):
        # 1. Same answers, before any mutation changes the data.
        for w in workloads:
            entry = out["workloads"].setdefault(w.key, {"title": w.title})
            if w.baseline is not None and w.compare:
                entry.update(await compare_json(w, pc, bc))
        # 2. Statements and authorization time, with variants (page size, tenant size).
        for w in workloads:
            if w.key.startswith("export"):
                continue
            entry = out["workloads"][w.key]
            entry["counted"] = await count_requests(cc, w.product, samples=ds.scale.count_samples, start=10_000_000)
            for label, send in w.variants.items():
                entry.setdefault("variants", {})[label] = await count_requests(
                    cc, send, samples=min(2, ds.scale.count_samples), start=20_000_000
                )
        # 3. Timed runs, one workload at a time. With a baseline, product and baseline alternate in
        #    ROUNDS rounds, so a change in the machine's speed during the run (a shared VM's steal
        #    time) weighs on both sides of the ratio alike.
        for w in workloads:
            entry = out["workloads"][w.key]
            n = requests if not w.key.startswith("export") else max(2, requests // 50)
            conc = concurrency if not w.key.startswith("export") else min(2, concurrency)
            # Both sides' answers are read back alike: parsing only the product's (tens of kilobytes a
            # page) spent the shared CPUs' time on its side alone, inflating its latency under load.
            check = graphql_check if w.graphql else None
            rounds = ROUNDS if w.baseline is not None else 1
            per, budget = max(1, n // rounds), seconds / rounds
            run = Run(name=w.key, target="product", concurrency=conc)
            brun = Run(name=w.key, target="baseline", concurrency=conc)
            log(
                f"  {w.title}: product" + (f" and baseline, {rounds} alternating rounds" if rounds > 1 else "") + " ..."
            )
            for r in range(rounds):
                before = snapshot(product)
                run.absorb(
                    await drive(
                        pc,
                        w.key,
                        "product",
                        w.product,
                        concurrency=conc,
                        requests=per,
                        max_seconds=budget,
                        check=check,
                        keep_headers=("x-authz-checks",),
                        warmup=0 if (w.mutation or r) else 2,
                        start=r * per,
                    )
                )
                spent((w.key, "product"), before, product)
                if w.baseline is not None:
                    before = snapshot(baseline)
                    brun.absorb(
                        await drive(
                            bc,
                            w.key,
                            "baseline",
                            w.baseline,
                            concurrency=conc,
                            requests=per,
                            max_seconds=budget,
                            check=check,
                            warmup=0 if r else 2,
                            start=r * per,
                        )
                    )
                    spent((w.key, "baseline"), before, baseline)
            entry["product"] = run.summary() | cpu_per_request((w.key, "product"), len(run.latencies))
            checks = [int(h["x-authz-checks"]) for h in run.headers if h.get("x-authz-checks")]
            if checks:
                entry["authz_checks_per_request"] = statistics.median(checks)
            if w.baseline is not None:
                entry["baseline"] = brun.summary() | cpu_per_request((w.key, "baseline"), len(brun.latencies))
                p_cpu, b_cpu = entry["product"]["server_cpu_ms"], entry["baseline"]["server_cpu_ms"]
                if p_cpu and b_cpu:
                    entry["server_cpu_ratio_to_baseline"] = round(p_cpu / b_cpu, 2)
                if run.pct(50) and brun.pct(50):
                    entry["p50_ratio_to_baseline"] = round(run.pct(50) / brun.pct(50), 2)
        # 4. Latency of one client over a keep-alive connection against fresh connections.
        first = next((w for w in workloads if w.graphql and not w.mutation and not w.key.startswith("export")), None)
        if first is not None:
            out["keep_alive"] = {"workload": first.key, **await connection_latency(product.url, first.product)}
        # 5. Export memory: each export alone, RSS sampled.
        for w in workloads:
            if w.key.startswith("export"):
                out["exports"][w.key] = await rss_peak_during(product, w.product, pc)
        # 6. The cost of row-level security: the same reads with the policies (the product as its
        #    ordinary role) and without (CC_ROW_LEVEL_SECURITY=false), alternating rounds.
        if no_rls is not None:
            reads = [w for w in workloads if w.graphql and not w.mutation and not w.key.startswith("export")]
            async with httpx.AsyncClient(base_url=no_rls.url, limits=limits, timeout=timeout) as nc:
                out["row_security"] = {}
                for w in reads[:RLS_WORKLOADS]:
                    log(f"  {w.title}: row-level security on and off, {ROUNDS} alternating rounds ...")
                    runs = {"on": Run(w.key, "rls_on", concurrency), "off": Run(w.key, "rls_off", concurrency)}
                    pairs = {"on": (product, pc), "off": (no_rls, nc)}
                    per = max(1, requests // ROUNDS)
                    for r in range(ROUNDS):
                        for side, (server, client) in pairs.items():
                            before = snapshot(server)
                            runs[side].absorb(
                                await drive(
                                    client,
                                    w.key,
                                    f"rls_{side}",
                                    w.product,
                                    concurrency=concurrency,
                                    requests=per,
                                    max_seconds=seconds / ROUNDS,
                                    check=graphql_check,
                                    warmup=0 if r else 2,
                                    start=r * per,
                                )
                            )
                            spent((w.key, f"rls_{side}"), before, server)
                    out["row_security"][w.key] = _rls_entry(
                        w.title,
                        {
                            side: run.summary() | cpu_per_request((w.key, f"rls_{side}"), len(run.latencies))
                            for side, run in runs.items()
                        },
                    )
    return out


def _rls_entry(title: str, sides: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One workload with row-level security on and off, and on/off ratios where both were measured."""
    entry: dict[str, Any] = {"title": title, **sides}
    for figure in ("p50_ms", "server_cpu_ms", "pg_cpu_ms"):
        on, off = sides["on"].get(figure), sides["off"].get(figure)
        entry[f"{figure}_ratio"] = round(on / off, 2) if on and off else None
    return entry


# ------------------------------------------------------------------------------------ report
def _fmt(x: Any, spec: str = ".1f") -> str:
    if x is None or x == "":
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "NO"
    if isinstance(x, float | int):
        return format(x, spec)
    return str(x)


def table(report: dict[str, Any]) -> str:
    head = (
        f"{'workload':34} {'target':8} {'n':>5} {'c':>3} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'req/s':>7} {'SQL/req':>7} {'authz %':>7} {'x base':>6} {'same':>5} {'cpu ms':>7} {'pg ms':>6} "
        f"{'cpu x':>5}"
    )
    lines = [head, "-" * len(head)]
    for e in report["results"]["workloads"].values():
        counted = e.get("counted", {})
        for target in ("product", "baseline"):
            s = e.get(target)
            if not s:
                continue
            share = counted.get("authz_share") if target == "product" else None
            lines.append(
                f"{e['title'][:34]:34} {target:8} {s['requests']:>5} {s['concurrency']:>3} {_fmt(s['p50_ms']):>8} "
                f"{_fmt(s['p95_ms']):>8} {_fmt(s['p99_ms']):>8} {_fmt(s['rps']):>7} "
                f"{_fmt(counted.get('sql_per_request') if target == 'product' else None, 'g'):>7} "
                f"{_fmt(share * 100 if share is not None else None):>7} "
                f"{_fmt(e.get('p50_ratio_to_baseline') if target == 'product' else None, '.2f'):>6} "
                f"{_fmt(e.get('same_json') if target == 'product' else None):>5} "
                f"{_fmt(s.get('server_cpu_ms'), '.2f'):>7} {_fmt(s.get('pg_cpu_ms'), '.2f'):>6} "
                f"{_fmt(e.get('server_cpu_ratio_to_baseline') if target == 'product' else None, '.2f'):>5}"
            )
            if s["errors"]:
                lines.append(f"    {s['errors']} errors, e.g. {s['first_errors'][:1]}")
    if report["results"]["exports"]:
        lines.append("")
        lines.append(f"{'export':34} {'rows':>8} {'MB':>7} {'seconds':>8} {'RSS before':>10} {'peak +MB':>9}")
        for key, e in report["results"]["exports"].items():
            lines.append(
                f"{key:34} {e['rows']:>8} {e['bytes'] / 1e6:>7.1f} {e['seconds']:>8.2f} "
                f"{e['rss_before_mb']:>10.1f} {e['peak_increase_mb']:>9.1f}"
            )
    rls = report["results"].get("row_security") or {}
    if rls:
        lines.append("")
        lines.append(
            f"{'row-level security on / off':34} {'p50 on':>8} {'p50 off':>8} {'x':>5} {'cpu on':>7} "
            f"{'cpu off':>7} {'x':>5} {'pg on':>6} {'pg off':>6} {'x':>5}"
        )
        for e in rls.values():
            on, off = e["on"], e["off"]
            lines.append(
                f"{e['title'][:34]:34} {_fmt(on['p50_ms']):>8} {_fmt(off['p50_ms']):>8} "
                f"{_fmt(e['p50_ms_ratio'], '.2f'):>5} {_fmt(on.get('server_cpu_ms'), '.2f'):>7} "
                f"{_fmt(off.get('server_cpu_ms'), '.2f'):>7} {_fmt(e['server_cpu_ms_ratio'], '.2f'):>5} "
                f"{_fmt(on.get('pg_cpu_ms'), '.2f'):>6} {_fmt(off.get('pg_cpu_ms'), '.2f'):>6} "
                f"{_fmt(e['pg_cpu_ms_ratio'], '.2f'):>5}"
            )
    ka = report["results"].get("keep_alive")
    if ka:
        lines.append("")
        lines.append(
            f"keep-alive vs fresh connection ({ka['workload']}, one client, {ka['samples']} requests each): "
            f"p50 {ka['keep_alive_p50_ms']} ms vs {ka['fresh_p50_ms']} ms (ratio {ka['ratio']})"
        )
    inv = report.get("invariants", {})
    if inv:
        lines.append("")
        for name, v in inv.items():
            lines.append(f"invariant {name}: {v}")
    goals = report.get("goals", {})
    if goals:
        lines.append("")
        for name, v in goals.items():
            lines.append(f"goal {name}: {v}")
    return "\n".join(lines)


def invariants(results: dict[str, Any]) -> dict[str, Any]:
    """Statements per request must not depend on page size or tenant size."""
    out: dict[str, Any] = {}
    for key, e in results["workloads"].items():
        variants = e.get("variants") or {}
        if not variants:
            continue
        counts = {label: v.get("sql_per_request") for label, v in variants.items()}
        counts["main"] = e.get("counted", {}).get("sql_per_request")
        out[f"{key}: statements per request"] = {"counts": counts, "constant": len(set(counts.values())) == 1}
    return out


def goals(results: dict[str, Any]) -> dict[str, Any]:
    from bench.plugin_workloads import goals as plugin_goals

    return plugin_goals(results)


def run_bench(
    scale: Scale,
    *,
    concurrency: int | None = None,
    requests: int | None = None,
    seconds: float | None = None,
    out_dir: Path | None = RESULTS,
    pg_server: PgServer | None = None,
    workers: int = 2,
) -> dict[str, Any]:
    """The whole benchmark; ``pg_server`` reuses a running PostgreSQL (the test suite's) instead of
    starting a throw-away one."""
    started = time.perf_counter()
    bindir = find_pg_bin()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries (initdb, pg_ctl) not found: install the postgresql package")
    own_pg = pg_server is None
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": asdict(scale),
        "machine": machine(),
    }
    pg = pg_server or PgServer(bindir)
    servers: list[Uvicorn] = []
    try:
        if own_pg:
            log(f"PostgreSQL on 127.0.0.1:{pg.port} ...")
            pg.start()
        t0 = time.perf_counter()
        url = prepare_database(pg, f"cc_bench_{os.getpid()}_{int(time.time())}")
        report["migrate_seconds"] = round(time.perf_counter() - t0, 1)
        log(f"migrated in {report['migrate_seconds']}s; generating the {scale.name} dataset ...")
        t0 = time.perf_counter()
        ds = asyncio.run(load_dataset(url, scale))
        report["dataset"] = {
            "rows": ds.rows,
            "total_rows": ds.total_rows,
            "seconds": {k: round(v, 1) for k, v in ds.seconds.items()},
            "generate_seconds": round(time.perf_counter() - t0, 1),
        }
        log(f"dataset: {ds.total_rows:,} rows in {report['dataset']['generate_seconds']}s")
        env = {
            "CC_DATABASE_URL": url,
            "CC_JWT_SECRET": JWT_SECRET,
            "CC_LOG_LEVEL": "WARNING",
            # The benchmark measures serving cost, not the per-principal throttle (docs/performance.md).
            "CC_RATE_LIMIT_COST_PER_MINUTE": str(10**12),
        }
        # The product as production runs it: an ordinary role held by row-level security; the same
        # product without it (as the owner, policies off) only for section 6's comparison.
        app_env = {
            **env,
            "CC_DATABASE_URL": url.replace("://postgres@", f"://{APP_ROLE}@", 1),
            "CC_ROW_LEVEL_SECURITY": "true",
        }
        product = Uvicorn("core.asgi:app", app_env, workers=workers, name="product")
        baseline = Uvicorn("bench.baseline:app", env, workers=workers, name="baseline")
        counted = Uvicorn("bench.instrumented:app", app_env, workers=1, name="instrumented")
        no_rls = Uvicorn("core.asgi:app", {**env, "CC_ROW_LEVEL_SECURITY": "false"}, workers=workers, name="no_rls")
        servers = [product, baseline, counted, no_rls]
        t0 = time.perf_counter()
        for s in servers:
            s.launch()
        for s in servers:
            s.wait_ready()
        report["server_start_seconds"] = round(time.perf_counter() - t0, 1)
        log("servers up: " + ", ".join(f"{s.name} {s.url}" for s in servers))
        tokens = Tokens(Settings(jwt_secret=JWT_SECRET))
        workloads = build(ds, tokens)
        # What was asked for, so a reader (and the smoke test) can tell a workload that never ran from one
        # that ran cleanly.
        report["plan"] = {
            w.key: {
                "baseline": w.baseline is not None,
                "compare": w.baseline is not None and w.compare,
                "variants": sorted(w.variants),
                "export": w.key.startswith("export"),
            }
            for w in workloads
        }
        results = asyncio.run(
            measure(
                ds,
                workloads,
                product,
                baseline,
                counted,
                no_rls=no_rls,
                concurrency=concurrency or scale.concurrency,
                requests=requests or scale.requests,
                seconds=seconds or scale.seconds,
                pg_data=pg.dir / "data",
            )
        )
        report["results"] = results
        report["invariants"] = invariants(results)
        report["goals"] = goals(results)
    finally:
        for s in servers:
            s.stop()
        if own_pg:
            pg.stop()
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{scale.name}.json"
        path.write_text(json.dumps(report, indent=2, default=str))
        report["json_path"] = str(path)
    return report


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="default", help="dataset size (default: default)")
    parser.add_argument("--concurrency", type=int, help="concurrent clients per workload")
    parser.add_argument("--requests", type=int, help="requests per workload and target")
    parser.add_argument("--seconds", type=float, help="time bound per workload and target")
    parser.add_argument("--no-json", action="store_true", help="do not write bench/results/<timestamp>.json")
    args = parser.parse_args(argv)
    # SIGTERM (e.g. a CI timeout) unwinds like Ctrl-C, so the servers and PostgreSQL are stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    report = run_bench(
        SCALES[args.scale],
        concurrency=args.concurrency,
        requests=args.requests,
        seconds=args.seconds,
        out_dir=None if args.no_json else RESULTS,
    )
    print()
    m = report["machine"]
    print(f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB")
    print(f"dataset: {report['dataset']['total_rows']:,} rows ({args.scale}); total {report['total_seconds']}s")
    print()
    print(table(report))
    if report.get("json_path"):
        print(f"\nfigures: {report['json_path']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
