"""The dashboard's counts are answered from indexes, not by scanning the tenant's rows (issue 21,
docs/performance.md): on PostgreSQL, with thousands of paid invoices and accepted renewals beside a
few open ones, every invoice count the dashboard and ``invoiceCounts`` send, and the pending renewals' count, is
planned as an Index Only Scan, never a Seq Scan."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event as sa_event

from plugins.invoicing.models import Invoice
from plugins.renewals.models import Renewal
from tests.invoicing.test_api import invoice
from tests.renewals.helpers import load as load_renewals
from tests.renewals.helpers import renewal

DASHBOARD = """{
  renewals(list: PENDING, first: 10) { totalCount nodes { supportNumber } }
  overdue: invoices(status: OVERDUE, first: 5) { totalCount nodes { number } }
  open: invoices(status: OPEN, first: 5) { totalCount nodes { number } }
  invoiceCounts { overdue open closed }
  renewalDashboard { pendingCount historyCount futureCount sharedCount }
}"""
COPIES = 20_000


async def _copy_rows(api: Any, table: Any, key: str, extra: dict[str, str]) -> None:
    """COPIES copies of the tenant's first row of ``table``: ``key`` numbered, ``extra`` columns set."""
    cols = [c.name for c in table.columns if c.name != "id"]
    values = [extra.get(c, f"{key} || '-' || g" if c == key else c) for c in cols]
    await api.sql(
        f"insert into {table.name} ({', '.join(cols)}) select {', '.join(values)} "
        f"from (select * from {table.name} order by id limit 1) t, generate_series(1, {COPIES}) g"
    )


@pytest.fixture
async def big_tenant(api: Any) -> Any:
    if api.backend != "postgres":
        pytest.skip("plans are PostgreSQL's")
    await load_renewals(api, renewal("R-1", 10), renewal("R-2", 200))
    await api.load({"invoices": [invoice("A-1", "100.00"), invoice("A-2", "50.00", when="2026-09-01")]})
    # The history: paid invoices and accepted renewals, most of the tenant's rows.
    await _copy_rows(api, Invoice.__table__, "number", {"balance": "0", "source_key": "null"})
    await _copy_rows(api, Renewal.__table__, "support_number", {"accepted_at": "now()"})
    return api


async def _vacuum(api: Any) -> None:
    async with api.state.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("VACUUM ANALYZE invoicing_invoices")
        await conn.exec_driver_sql("VACUUM ANALYZE renewal_renewals")


async def _plans(api: Any, query: str, who: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    sent: list[tuple[str, Any]] = []

    def before(conn: Any, cursor: Any, stmt: str, params: Any, *args: Any) -> None:
        sent.append((stmt, params))

    headers = api.headers(who)
    await api.client.post("/graphql", json={"query": query}, headers=headers)  # sign-in record
    sa_event.listen(api.state.engine.sync_engine, "before_cursor_execute", before)
    try:
        resp = await api.client.post("/graphql", json={"query": query}, headers=headers)
    finally:
        sa_event.remove(api.state.engine.sync_engine, "before_cursor_execute", before)
    body = resp.json()
    assert not body.get("errors"), body
    plans = []
    async with api.state.engine.connect() as conn:
        # One tenant holds all the rows here, where reading the whole table is the cheaper plan; with
        # a thousand tenants (the bench) it is not. Seq scans off, so the plan shows whether an index
        # can answer at all.
        await conn.exec_driver_sql("SET enable_seqscan = off")
        for stmt, params in sent:
            if not stmt.lstrip().lower().startswith("select"):
                continue
            rows = (await conn.exec_driver_sql("EXPLAIN " + stmt, params)).all()
            plans.append((stmt, "\n".join(r[0] for r in rows)))
    return body["data"], plans


async def test_dashboard_counts_are_index_only_scans(big_tenant):
    api = big_tenant
    await _vacuum(api)
    data, plans = await _plans(api, DASHBOARD, "tech@acme.com")
    # The answers first: the copies are paid / accepted, so they count only as closed / history.
    assert data["renewals"]["totalCount"] == 1 and data["renewalDashboard"]["pendingCount"] == 1
    assert data["renewalDashboard"]["futureCount"] == 1
    assert data["renewalDashboard"]["historyCount"] == COPIES
    fin_data, fin_plans = await _plans(api, DASHBOARD.replace("renewals(", "r: renewals("), "fin@acme.com")
    counts = fin_data["invoiceCounts"]
    assert counts["closed"] == COPIES and counts["open"] + counts["overdue"] == 2
    assert fin_data["open"]["totalCount"] == counts["open"] and fin_data["overdue"]["totalCount"] == counts["overdue"]
    for stmt, plan in plans + fin_plans:
        # Renewal history (renewalDashboard.historyCount) is counted over the caller's visible rows,
        # an OR of owner and grant that no index answers: not covered yet (docs/performance.md).
        counted = "count(" in stmt.lower() or "sum(case" in stmt.lower()
        if counted and ("invoicing_invoices" in stmt or "accepted_at IS NOT NULL" not in stmt):
            assert "Index Only Scan" in plan, f"{stmt}\n{plan}"
            assert "Seq Scan" not in plan, f"{stmt}\n{plan}"


async def test_product_connections_run_without_jit(api):
    """JIT compilation cost the 100,000-row summary export 2.2 of its 2.7 s (issue 21): off for every
    connection of the product's engine."""
    if api.backend != "postgres":
        pytest.skip("PostgreSQL's setting")
    async with api.state.engine.connect() as conn:
        assert (await conn.exec_driver_sql("SHOW jit")).scalar_one() == "off"
