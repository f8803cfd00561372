"""Issue 21: PostgreSQL plans a compiled page's statement once, not at every execution.

A prepared statement is planned anew at each execution unless its generic plan (made without the
parameters' values) costs no more than the custom plans PostgreSQL made with them. With the page
size and the tenant as parameters it never did — a generic ``LIMIT $n`` is costed as a tenth of the
rows, and a tenant bigger than the average is costed apart — and planning the statement took as long
as running it. So the size is written into the statement and the tenant and the cursor are values the
planner does not see (``core.compiled_statement``); observed here from ``pg_prepared_statements``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event

from core.compiled_statement import SIZED_SHAPES
from core.testing import Api
from tests.test_compiled_reads import Paths, _invoice, _paths

pytestmark = pytest.mark.postgres

FINANCE = ("fin@acme.com", ())
GLOBEX = ("fin@globex.com", ())
PAGE = (
    "query($first: Int!, $after: String) { invoices(first: $first, after: $after) { pageInfo { endCursor } "
    "edges { node { number status total { amount currency } lines { product } } } } }"
)


async def _large_acme(api: Api) -> None:
    """acme far bigger than the average tenant, as a large customer is: PostgreSQL costs its custom
    plans apart from the generic one (which assumes the average tenant's rows)."""
    small = [_tenant(f"t{n:02d}") for n in range(40)]
    await api.load({"tenants": small})
    await api.load({"invoices": [_invoice(n, t["key"]) for t in small for n in range(1, 4)]})
    await api.load({"invoices": [_invoice(n, "acme") for n in range(31, 600)]})
    await api.analyze()


@pytest.fixture
async def paths(templates: dict[str, Any], smtp_server: Any) -> AsyncIterator[Paths]:
    if "postgres" not in templates:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found; install the postgresql package")
    async for made in _paths("postgres", templates, smtp_server, _large_acme):
        yield made


def _tenant(key: str) -> dict[str, Any]:
    person = {"email": f"fin@{key}.com", "firstName": "F", "lastName": "In", "roles": ["FINANCE"]}
    return {"key": key, "name": key, "country": "US", "domains": [f"{key}.com"], "people": [person]}


def _pages_sent(api: Api) -> list[tuple[str, tuple[Any, ...]]]:
    sent: list[tuple[str, tuple[Any, ...]]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if "cc_page_" in statement:
            sent.append((statement, tuple(parameters)))

    event.listen(api.state.engine.sync_engine, "before_cursor_execute", seen)
    return sent


async def _scoped(api: Api, tenant: str) -> asyncpg.Connection:
    """A connection of the app's role scoped to ``tenant`` as a request's is."""
    conn = await asyncpg.connect(api.state.settings.database_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    tenant_id = (await api.sql(f"SELECT id FROM tenants WHERE key = '{tenant}'"))[0][0]
    await conn.execute(f"SELECT set_config('app.tenant_id', '{int(tenant_id)}', false)")
    return conn


async def _custom_plan(api: Api, sql: str, parameters: tuple[Any, ...]) -> str:
    conn = await _scoped(api, "acme")
    try:
        await conn.execute("SET plan_cache_mode = force_custom_plan")
        return "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + sql, *parameters))
    finally:
        await conn.close()


async def _plans(api: Api, sql: str, parameters: tuple[Any, ...], executions: int = 10) -> tuple[int, int]:
    """(generic, custom) plans PostgreSQL made for ``sql`` prepared once and run ``executions``
    times as acme's."""
    conn = await _scoped(api, "acme")
    try:
        statement = await conn.prepare(sql)
        expected = None
        for _ in range(executions):
            rows = [tuple(r) for r in await statement.fetch(*parameters)]
            assert expected is None or rows == expected
            expected = rows
        generic, custom = await conn.fetchrow(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1", sql
        )
        return generic, custom
    finally:
        await conn.close()


@pytest.mark.parametrize("after", [False, True], ids=["first page", "after a cursor"])
async def test_a_pages_statement_keeps_its_generic_plan(paths: Paths, after: bool) -> None:
    sent = _pages_sent(paths.api)
    variables: dict[str, Any] = {"first": 20}
    if after:
        _, body, _ = await paths.post(PAGE, {"first": 100}, FINANCE)
        variables["after"] = body["data"]["invoices"]["pageInfo"]["endCursor"]
    got, expected = await paths.both(PAGE, variables, FINANCE)
    assert got == expected and got[0] == 200 and len(got[1]["data"]["invoices"]["edges"]) == 20
    sql, parameters = sent[-1]
    assert "LIMIT 21" in sql
    generic, custom = await _plans(paths.api, sql, parameters)
    # PostgreSQL makes five custom plans before it compares them with the generic one.
    assert (generic, custom) == (5, 5)
    # Why it keeps the generic one: a plan made with the values does not see the tenant (nor the
    # cursor), so it costs what the generic plan costs, for a large tenant as for a small one.
    plan = await _custom_plan(paths.api, sql, parameters)
    assert re.search(r"Index Cond: \(\(?tenant_id = \$\d+\)", plan), plan
    if after:
        assert re.search(r"ROW\(invoice_date, id\) < ROW\(\$\d+, \$\d+\)", plan), plan


async def test_page_sizes_past_the_written_ones_are_a_parameter(paths: Paths) -> None:
    """A client asking every size from 1 up fills the plan's sized statements; the sizes after
    those share one statement with ``LIMIT`` as a parameter, and every page is still the resolvers'."""
    sent = _pages_sent(paths.api)
    for first in range(1, SIZED_SHAPES + 4):
        got, expected = await paths.both(PAGE, {"first": first}, FINANCE)
        assert got == expected and len(got[1]["data"]["invoices"]["edges"]) == first
    sized = {sql for sql, _ in sent if "LIMIT $" not in sql}
    assert len(sized) == SIZED_SHAPES
    assert f"LIMIT {SIZED_SHAPES + 1}" not in sent[-1][0] and "LIMIT $" in sent[-1][0]


async def test_another_tenant_on_the_same_sized_statement_sees_only_its_own(paths: Paths) -> None:
    """The tenant now reaches the statement as a one-row subquery: globex's finance contact, on the
    statement acme's request prepared, gets globex's two invoices and nothing of acme's 599."""
    sent = _pages_sent(paths.api)
    await paths.post(PAGE, {"first": 20}, FINANCE)
    got, expected = await paths.both(PAGE, {"first": 20}, GLOBEX)
    assert got == expected and got[0] == 200
    numbers = [e["node"]["number"] for e in got[1]["data"]["invoices"]["edges"]]
    assert numbers and all(n.startswith("G-") for n in numbers) and len(numbers) == 2
    assert sent[0][0] == sent[-1][0]  # one statement text, each request's own tenant bound
