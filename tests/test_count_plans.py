"""The dashboard's counts are answered from indexes, not by scanning the tenant's rows (issue 21,
docs/performance.md): on PostgreSQL, with thousands of paid invoices and accepted renewals beside a
few open ones, every count the dashboard and ``invoiceCounts`` send reads a few rows: the caller's own renewals, the
unpaid invoices, a maintained counter (core.counters) — never a Seq Scan or the tenant's history."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import event as sa_event

from plugins.invoicing.models import Invoice
from plugins.renewals.models import Renewal
from tests.invoicing.test_api import invoice
from tests.renewals.helpers import grant, renewal
from tests.renewals.helpers import load as load_renewals

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
    await load_renewals(
        api,
        renewal("R-1", 10),
        renewal("R-2", 200),
        renewal("H-1", -30),  # the caller's own history
        renewal("H-2", -30, quote_to="fin@acme.com"),  # shared with the caller (R-S2)
        renewal("H-3", -30),  # the caller's own and shared with them: counted once
    )
    await api.sql("update renewal_renewals set accepted_at = now() where support_number like 'H-%'")
    await grant(api, "H-2", "tech@acme.com", "VIEWER")
    await grant(api, "H-3", "tech@acme.com", "PARTICIPANT")
    await api.load({"invoices": [invoice("A-1", "100.00"), invoice("A-2", "50.00", when="2026-09-01")]})
    # The tenant's history, someone else's: paid invoices and renewals accepted by another contact.
    await _copy_rows(api, Invoice.__table__, "number", {"balance": "0", "source_key": "null"})
    await _copy_rows(
        api, Renewal.__table__, "support_number", {"accepted_at": "now()", "quote_to_email": "'other@acme.com'"}
    )
    return api


async def _vacuum(api: Any) -> None:
    await api.analyze("invoicing_invoices", "renewal_renewals")


BIG = ("invoicing_invoices", "renewal_renewals")


def rows_read(plan: dict[str, Any]) -> tuple[int, list[str]]:
    """Rows the plan read from the big tables (returned, filtered out, fetched from the heap), and
    their scan nodes' types."""
    read, kinds = 0, []
    if plan.get("Relation Name") in BIG:
        kinds.append(plan["Node Type"])
        per_loop = plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
        read += per_loop * plan.get("Actual Loops", 1) + plan.get("Heap Fetches", 0)
    for child in plan.get("Plans", []):
        more, more_kinds = rows_read(child)
        read, kinds = read + more, kinds + more_kinds
    return read, kinds


async def _plans(api: Any, query: str, who: str) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
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
            rows = (await conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + stmt, params)).all()
            plan = rows[0][0]
            plans.append((stmt, (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]))
    return body["data"], plans


def _counted(stmt: str) -> bool:
    low = stmt.lower()
    return "count(" in low or "sum(case" in low or "core_counters" in low


async def test_dashboard_counts_read_no_tenant_history(big_tenant):
    """Every count the dashboard and invoiceCounts send reads a handful of rows (the caller's own, the
    unpaid invoices, a counter) while the tenant holds 20,000 paid invoices and 20,000 accepted
    renewals: no Seq Scan, no walk over the tenant's index entries."""
    api = big_tenant
    await _vacuum(api)
    data, plans = await _plans(api, DASHBOARD, "tech@acme.com")
    # The answers first: the copies are paid / someone else's history.
    assert data["renewals"]["totalCount"] == 1 and data["renewalDashboard"]["pendingCount"] == 1
    assert data["renewalDashboard"]["futureCount"] == 1
    assert data["renewalDashboard"]["historyCount"] == 3  # H-1, H-2 (shared), H-3 (both) once
    assert data["renewalDashboard"]["sharedCount"] == 2
    fin_data, fin_plans = await _plans(api, DASHBOARD.replace("renewals(", "r: renewals("), "fin@acme.com")
    counts = fin_data["invoiceCounts"]
    assert counts["closed"] == COPIES and counts["open"] + counts["overdue"] == 2
    assert fin_data["open"]["totalCount"] == counts["open"] and fin_data["overdue"]["totalCount"] == counts["overdue"]
    assert fin_data["renewalDashboard"]["historyCount"] == 1  # H-2, quoted to fin
    checked = 0
    for stmt, plan in plans + fin_plans:
        if not _counted(stmt):
            continue
        read, kinds = rows_read(plan)
        assert "Seq Scan" not in kinds, f"{stmt}\n{plan}"
        assert read <= 20, f"{read} rows read\n{stmt}\n{json.dumps(plan, indent=1)}"
        checked += 1
    # tech: the renewals list's totalCount and renewalDashboard (invoices are not a technical
    # contact's); fin: both invoice lists' totalCount, invoiceCounts, and the renewal counts.
    assert checked >= 6, checked


async def test_product_connections_run_without_jit(api):
    """JIT compilation cost the 100,000-row summary export 2.2 of its 2.7 s (issue 21): off for every
    connection of the product's engine."""
    if api.backend != "postgres":
        pytest.skip("PostgreSQL's setting")
    async with api.state.engine.connect() as conn:
        assert (await conn.exec_driver_sql("SHOW jit")).scalar_one() == "off"


async def test_a_large_tenants_open_and_overdue_pages_read_about_a_page(api: Any) -> None:
    """A tenant with 20,000 unpaid invoices, open and overdue, newest first: each list's page of 50
    reads about a page of the unpaid index (ix_invoicing_invoices_unpaid_list), not every open or
    overdue invoice sorted. PostgreSQL costs the tenant as the average one (the tenant is a value it
    does not see, core.compiled_statement): on the bench's dataset, beside an index by due date, it
    sorted all of a large tenant's open invoices for a page of them (docs/performance.md)."""
    if api.backend != "postgres":
        pytest.skip("plans are PostgreSQL's")
    await load_renewals(api)  # the tenants
    await api.load({"invoices": [invoice("A-1", "100.00")]})
    # Alternating: even copies due in 2099 (open), odd ones due in 2000 (overdue), all unpaid.
    due = "CASE WHEN g % 2 = 0 THEN DATE '2099-01-01' ELSE DATE '2000-01-01' END"
    when = "DATE '2026-11-01' - (g % 1000)"
    await _copy_rows(api, Invoice.__table__, "number", {"source_key": "null", "due_date": due, "invoice_date": when})
    # Costed as production's thousand tenants would have it: this one a thousandth of the table.
    await api.as_owner("ALTER TABLE invoicing_invoices ALTER COLUMN tenant_id SET (n_distinct = 1000)")
    await api.analyze("invoicing_invoices")
    page = "(first: 50) { nodes { number total { amount } lines { product } } }"
    query = "{ overdue: invoices(status: OVERDUE, " + page[1:] + " open: invoices(status: OPEN, " + page[1:] + " }"
    data, plans = await _plans(api, query, "fin@acme.com")
    assert len(data["overdue"]["nodes"]) == 50 and len(data["open"]["nodes"]) == 50
    pages = [(stmt, plan) for stmt, plan in plans if "invoicing_invoices" in stmt and "LIMIT" in stmt]
    assert len(pages) == 2, [s[:80] for s, _ in plans]
    for stmt, plan in pages:
        read, kinds = rows_read(plan)
        assert "Sort" not in json.dumps(plan), f"{stmt}\n{json.dumps(plan, indent=1)}"
        assert read <= 60, f"{read} rows read\n{stmt}\n{json.dumps(plan, indent=1)}"
