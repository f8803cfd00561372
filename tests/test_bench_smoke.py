"""Smoke run of the benchmark (issue 8): the tiny dataset on the suite's PostgreSQL, the product,
the baseline and the counting server under real uvicorn processes, every workload over HTTP.

No timing is asserted (CI machines vary); what is asserted: every request succeeded, the product
and the hand-written baseline return the same JSON, and the SQL statements per request do not
depend on the page size or on the tenant's size (the no-N+1 invariant of the issue).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.data import SCALES
from bench.run import run_bench, table
from tests.pg import PgServer


@pytest.fixture(scope="module")
def report(pg: PgServer | None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if pg is None:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found; install the postgresql package")
    out: Path = tmp_path_factory.mktemp("bench")
    return run_bench(SCALES["tiny"], out_dir=out, pg_server=pg, workers=1)


def test_every_workload_answers_without_errors(report: dict[str, Any]) -> None:
    plan, workloads = report["plan"], report["results"]["workloads"]
    assert {"viewer", "first_page", "deep_page", "pay_invoice"} <= set(plan), sorted(plan)
    assert set(workloads) == set(plan)  # every planned workload was measured
    for key, planned in plan.items():
        entry = workloads[key]
        targets = ["product", "baseline"] if planned["baseline"] else ["product"]
        for target in targets:
            assert entry[target]["requests"] > 0, (key, target)
            assert entry[target]["errors"] == 0, (key, target, entry[target]["first_errors"])
            if not key.startswith("export"):  # issue 21: CPU per request of the server and of PostgreSQL
                # Measured, not asserted positive: /proc counts in 10 ms ticks, and the baseline's
                # four smoke requests can all fit in one tick (a CI run read 0.0).
                cost = entry[target]
                assert cost["server_cpu_ms"] is not None and cost["server_cpu_ms"] >= 0, (key, cost)
                assert cost["pg_cpu_ms"] is not None, (key, cost)
        if not planned["export"]:
            assert entry["counted"].get("sql_per_request"), (key, entry["counted"])
    assert Path(report["json_path"]).exists()
    keep_alive = report["results"]["keep_alive"]  # measured; its ratio is read in the bench, not asserted
    assert keep_alive["keep_alive_p50_ms"] > 0 and keep_alive["fresh_p50_ms"] > 0
    assert "p50 ms" in table(report)


def test_row_level_security_cost_is_measured(report: dict[str, Any]) -> None:
    """Issue 20: the same reads with row-level security on (the product as its ordinary role) and
    off, each answered without error; the ratio is read in the bench, not asserted."""
    measured = report["results"]["row_security"]
    assert measured, "no workload was timed with row-level security on and off"
    for key, entry in measured.items():
        for side in ("on", "off"):
            assert entry[side]["requests"] > 0 and entry[side]["errors"] == 0, (key, side, entry[side])
            assert entry[side]["server_cpu_ms"] is not None, (key, side)
        assert entry["p50_ms_ratio"] is not None, (key, entry)
    assert "row-level security on / off" in table(report)


def test_baseline_returns_the_same_json(report: dict[str, Any]) -> None:
    compared = [key for key, planned in report["plan"].items() if planned["compare"]]
    assert compared
    for key in compared:
        entry = report["results"]["workloads"][key]
        assert entry["same_json"] is True, (key, entry.get("product_sample"), entry.get("baseline_sample"))


def test_statements_per_request_do_not_depend_on_page_or_tenant_size(report: dict[str, Any]) -> None:
    with_variants = [key for key, planned in report["plan"].items() if planned["variants"]]
    assert with_variants and len(report["invariants"]) == len(with_variants)
    for name, inv in report["invariants"].items():
        assert None not in inv["counts"].values() and len(inv["counts"]) >= 2, (name, inv["counts"])
        assert inv["constant"], (name, inv["counts"])


def test_exports_stream(report: dict[str, Any]) -> None:
    exports = report["results"]["exports"]
    assert exports
    for key, e in exports.items():
        assert e["status"] == 200, key
        assert e["rows"] > 0, key


async def test_sibling_root_fields_share_the_request_session(two_tenants: Any) -> None:
    """A dashboard asks several root fields at once; graphql-core resolves them concurrently on the
    request's one session (core/db.py SerialAsyncSession runs their statements one at a time)."""
    api = two_tenants
    query = "{ viewer { email } users(first: 5) { edges { node { email } } } a: viewer { firstName } }"
    for _ in range(3):
        data = await api.ok(query, as_="admin@acme.com")
        assert data["viewer"]["email"] == "admin@acme.com"
        assert {e["node"]["email"] for e in data["users"]["edges"]} >= {"admin@acme.com"}


def test_pg_cpu_names_each_read_requests_statements(pg: PgServer | None) -> None:
    """bench.pg_cpu (docs/performance.md) on the tiny dataset: PostgreSQL's CPU per request on both
    sides for every read workload, and each of the product's statements with its own."""
    if pg is None:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found; install the postgresql package")
    from bench import pg_cpu

    results = pg_cpu.main("tiny", requests=2, rounds=1, executions=2, pg_server=pg)
    assert set(results) == set(pg_cpu.READS)
    for key, figures in results.items():
        assert set(figures["pg_cpu_ms"]) == {"product", "baseline"}, key
        assert all(v >= 0 for v in figures["pg_cpu_ms"].values()), key
        assert figures["statements"][0]["sql"].startswith("FROM people"), key  # the caller first
    pages = [s["sql"] for s in results["first_page"]["statements"]]
    assert len(pages) == 2 and pages[1].startswith("FROM invoicing_invoices"), pages
