"""The maintained count of closed invoices (core.counters, issue 21) equals ``count(*)`` of the
tenant's invoices with nothing left to pay (R-I1) after any sequence of changes through the GraphQL
API: imports (new invoices, paid ones, money received in the import), card payments in full and in
part, payments recorded by billing support, disputes cancelled or rebilled — and ``invoiceCounts``
answers it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.testing import OPERATOR
from tests.invoicing.test_api import BS, COUNTS, PAY, RECORD, invoice, pay_input
from tests.invoicing.test_disputes import OPEN, RESOLVE

IMPORT = "mutation($j: String!) { importData(json: $j) { tenants } }"
STAFF = {"as_": BS[0], "staff": ["BILLING_SUPPORT"], "tenant": "acme"}

ACTIONS = st.one_of(
    st.tuples(st.just("import"), st.sampled_from(["100.00", "250.00"]), st.booleans()),
    st.tuples(st.just("card"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("record"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("dispute"), st.integers(0, 30), st.sampled_from(["CANCEL", "REBILL"])),
)


async def _counts(api: Any) -> tuple[int, int, int]:
    """(closed invoices by count(*), the counter, invoiceCounts.closed) of tenant acme."""
    (closed,) = (
        await api.sql(
            "select count(*) from invoicing_invoices i join tenants t on t.id = i.tenant_id "
            "where t.key = 'acme' and i.balance <= 0"
        )
    )[0]
    rows = await api.sql(
        "select c.value from core_counters c join tenants t on t.id = c.tenant_id "
        "where t.key = 'acme' and c.name = 'invoicing.closed'"
    )
    answered = (await api.ok(COUNTS, as_="fin@acme.com"))["invoiceCounts"]["closed"]
    return int(closed), int(rows[0][0]) if rows else 0, answered


async def _open_numbers(api: Any) -> list[str]:
    rows = await api.sql(
        "select i.number from invoicing_invoices i join tenants t on t.id = i.tenant_id "
        "where t.key = 'acme' and i.balance > 0 and not i.cancelled order by i.id"
    )
    return [r[0] for r in rows]


async def _run(api: Any, action: tuple[Any, ...], serial: list[int]) -> None:
    kind = action[0]
    serial[0] += 1
    n = serial[0]
    if kind == "import":
        item = invoice(f"P-{n}", action[1])
        if action[2]:  # money received with the import: a paid invoice from the start
            item["payments"] = [{"reference": f"IMP-{n}", "amount": action[1]}]
        await api.ok(IMPORT, {"j": json.dumps({"invoices": [item]})}, **OPERATOR)
        return
    numbers = await _open_numbers(api)
    if not numbers:
        return
    number = numbers[action[1] % len(numbers)]
    if kind == "card":
        kw = {"invoices": [{"invoiceNumber": number, "amount": "10.00"}]} if action[2] else {}
        await api.ok(PAY, {"input": {**pay_input(number)["input"], **kw}}, as_="fin@acme.com")
    elif kind == "record":
        amount = "10.00" if action[2] else "1000.00"  # in part, or more than due (credit, R-I19)
        rec = {"invoices": [{"invoiceNumber": number}], "method": "WIRE", "reference": f"B-{n}", "amount": amount}
        await api.ok(RECORD, {"input": rec}, **STAFF)
    else:
        opened = await api.client.post(
            "/graphql",
            json={"query": OPEN, "variables": {"n": number, "r": "wrong"}},
            headers=api.headers("fin@acme.com"),
        )
        dispute = (opened.json().get("data") or {}).get("openInvoiceDispute")
        if dispute is None:  # already disputed: a CONFLICT that changes nothing
            return
        resolve: dict[str, Any] = {"disputeNumber": dispute["number"], "outcome": action[2]}
        if action[2] == "REBILL":
            resolve["rebillLines"] = [{"position": 0, "preTaxAmount": "50.00"}]
        await api.ok(RESOLVE, {"input": resolve}, **STAFF)


async def test_closed_counter_equals_count_after_any_changes(two_tenants):
    api = two_tenants
    sequences: list[list[tuple[Any, ...]]] = []

    @settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
    @given(st.lists(ACTIONS, min_size=3, max_size=7))
    def draw(actions: list[tuple[Any, ...]]) -> None:
        sequences.append(actions)

    draw()  # hypothesis drives a sync function: draw the sequences, then run them through the API
    serial = [0]
    kinds: set[str] = set()
    for actions in sequences:
        for action in actions:
            await _run(api, action, serial)
            kinds.add(action[0])
        closed, counter, answered = await _counts(api)
        assert closed == counter == answered, (actions, closed, counter, answered)
    assert kinds == {"import", "card", "record", "dispute"}
    assert closed > 0


async def test_counter_follows_bulk_sql_and_tenant_removal(two_tenants):
    """Rows written or deleted by plain SQL (the benchmark's COPY, a cleanup) move the counter too:
    the triggers count, not the services; deleting a tenant takes its counters with it."""
    api = two_tenants
    item = invoice("B-1", "100.00")
    item["payments"] = [{"reference": "IMP-B", "amount": "100.00"}]
    await api.ok(IMPORT, {"j": json.dumps({"invoices": [item, invoice("B-2", "10.00")]})}, **OPERATOR)
    assert await _counts(api) == (1, 1, 1)
    await api.sql("update invoicing_invoices set balance = 0 where number = 'B-2'")
    assert await _counts(api) == (2, 2, 2)
    await api.sql("update invoicing_invoices set balance = 5 where number = 'B-1'")
    assert await _counts(api) == (1, 1, 1)
    await api.sql("delete from invoicing_invoices where number = 'B-2'")
    assert await _counts(api) == (0, 0, 0)
    await api.sql("delete from tenants where key = 'acme'")
    assert (await api.sql("select count(*) from core_counters c where c.tenant_id not in (select id from tenants)"))[0][
        0
    ] == 0


async def test_migration_backfills_the_counter(two_tenants):
    """The counter's migration counts the invoices there already are: taken back (triggers and values
    gone), rows written meanwhile, applied again — the counter equals count(*)."""
    from alembic import command

    from core.migrate import alembic_config, upgrade

    api = two_tenants
    paid = invoice("C-1", "100.00")
    paid["payments"] = [{"reference": "IMP-C", "amount": "100.00"}]
    await api.ok(IMPORT, {"j": json.dumps({"invoices": [paid, invoice("C-2", "10.00")]})}, **OPERATOR)
    url, registry = api.owner_url, api.state.plugins  # migrations run as the tables' owner (core/rls.py)
    await api.state.engine.dispose()  # SQLite: no connection of the app holds the file meanwhile
    await asyncio.to_thread(command.downgrade, alembic_config(url, registry), "d5e8b2c1f4a6")
    assert (await api.sql("select count(*) from core_counters"))[0][0] == 0
    await api.sql("update invoicing_invoices set balance = 0 where number = 'C-2'")  # no trigger counts it
    await asyncio.to_thread(upgrade, url, registry)
    assert await _counts(api) == (2, 2, 2)
    await api.sql("update invoicing_invoices set balance = 1 where number = 'C-1'")  # triggers back
    assert await _counts(api) == (1, 1, 1)
