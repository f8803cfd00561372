"""The read paths that keep a page's cost flat (issue 8, docs/performance.md): plain records for
lists, a page's lines loaded with the page, and the collector settled once a server has started."""

from __future__ import annotations

import gc
from typing import Any

import pytest
import strawberry
from sqlalchemy import select

from core.app import settle_heap
from core.db import as_records, is_postgres, one_of, records
from core.models import Person
from core.pagination import selects_node_field
from core.rls import EVERY_TENANT  # the test's own inspection: every tenant (core/rls.py)
from tests.conftest import ACME
from tests.invoicing.test_api import counted, invoice, load


# ------------------------------------------------------------------------- selects_node_field
@strawberry.type
class Node:
    x: int
    y: int


@strawberry.type
class Edge:
    node: Node


@strawberry.type
class Page:
    edges: list[Edge]
    nodes: list[Node]
    count: int


ASKED: list[bool] = []


@strawberry.type
class Query:
    @strawberry.field
    def page(self, info: strawberry.Info) -> Page:
        ASKED.append(selects_node_field(info, "x"))
        node = Node(x=1, y=2)
        return Page(edges=[Edge(node=node)], nodes=[node], count=1)


SCHEMA = strawberry.Schema(Query)


def asks_for_x(query: str) -> bool:
    ASKED.clear()
    result = SCHEMA.execute_sync(query)
    assert result.errors is None, result.errors
    return ASKED == [True]


def test_selects_node_field_through_edges_nodes_and_fragments() -> None:
    assert asks_for_x("{ page { edges { node { x } } } }")
    assert asks_for_x("{ page { nodes { x } } }")
    assert asks_for_x("{ page { count ...P } } fragment P on Page { edges { node { ...N } } } fragment N on Node { x }")
    assert asks_for_x("{ page { ... on Page { edges { node { ... on Node { x } } } } } }")
    assert asks_for_x("{ page { edges { node { renamed: x } } } }")


def test_selects_node_field_is_false_when_the_nodes_do_not_ask() -> None:
    assert not asks_for_x("{ page { edges { node { y } } } }")
    assert not asks_for_x("{ page { count nodes { y } } }")
    assert not asks_for_x("{ page { count } }")


# ------------------------------------------------------------------------- records
async def test_records_are_tenant_filtered_like_entities(two_tenants) -> None:
    """R-T1: ``records(Model)`` goes through the central tenant filter as ``select(Model)`` does."""
    api = two_tenants
    acme_id = (await api.sql("select id from tenants where key = 'acme'"))[0][0]
    async with api.state.sessionmaker(info=EVERY_TENANT) as session:
        session.info["tenant_id"] = acme_id
        rows = as_records(await session.execute(records(Person)))
        entities = (await session.execute(select(Person))).scalars().all()
    assert rows and sorted(r.email for r in rows) == sorted(p.email for p in entities)
    assert all(r.tenant_id == acme_id and r.email.endswith("@acme.com") for r in rows)
    assert {c.key for c in Person.__mapper__.column_attrs} <= set(rows[0]._fields)


# ------------------------------------------------------------------------- page lines
PAGE = """query($first: Int) { invoices(first: $first) { edges { node { number ...L } } } }
fragment L on Invoice { lines { product preTaxAmount { amount } } }"""
ONE = "query($n: String!) { invoice(number: $n) { number lines { product preTaxAmount { amount } } } }"


async def test_a_page_loads_its_lines_with_the_page_and_one_invoice_still_has_its_own(two_tenants) -> None:
    """R-I21 lines on every invoice, whether the page loads them up front (the page asks for them
    through a fragment here) or a single invoice loads its own; statements do not grow with the page."""
    api = two_tenants
    await load(api, *[invoice(f"A-{i}", f"{100 + i}.00") for i in range(12)])
    headers = api.headers("fin@acme.com")
    await counted(api, PAGE, {"first": 1}, headers)  # the sign-in of a first request
    small, n_small = await counted(api, PAGE, {"first": 2}, headers)
    large, n_large = await counted(api, PAGE, {"first": 12}, headers)
    assert n_small == n_large
    lines = {e["node"]["number"]: e["node"]["lines"] for e in large["invoices"]["edges"]}
    assert len(lines) == 12 and lines["A-3"] == [{"product": "Database support", "preTaxAmount": {"amount": "103.00"}}]
    one = (await api.ok(ONE, {"n": "A-3"}, as_="fin@acme.com"))["invoice"]
    assert one["lines"] == lines["A-3"]


# ------------------------------------------------------------------------- the collector
def test_settle_heap_freezes_the_started_heap_and_makes_young_collections_rarer(api) -> None:
    before: Any = gc.get_threshold()
    try:
        settle_heap(api.state)
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold()[0] == api.state.settings.gc_gen0_threshold
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


async def test_a_page_with_its_lines_keeps_tenants_roles_and_input_apart(two_tenants) -> None:
    """R-T1, SPEC §6: the record-based page with up-front lines shows only the caller's tenant,
    refuses a person without invoice access and a bad page size with typed errors, changing nothing."""
    api = two_tenants
    await load(api, invoice("A-1", "100.00"), invoice("G-1", "999.00", tenant="globex"))
    before = await api.sql("select count(*) from invoicing_invoices")
    acme = (await api.ok(PAGE, {"first": 10}, as_="fin@acme.com"))["invoices"]["edges"]
    assert [e["node"]["number"] for e in acme] == ["A-1"]
    assert acme[0]["node"]["lines"] == [{"product": "Database support", "preTaxAmount": {"amount": "100.00"}}]
    globex = (await api.ok(PAGE, {"first": 10}, as_="fin@globex.com"))["invoices"]["edges"]
    assert [e["node"]["number"] for e in globex] == ["G-1"]
    assert await api.code(PAGE, {"first": 10}, as_="plain@acme.com") == "FORBIDDEN"
    assert await api.code(PAGE, {"first": 101}, as_="fin@acme.com") == "BAD_USER_INPUT"
    assert await api.sql("select count(*) from invoicing_invoices") == before


# ------------------------------------------------------------------------- cursors
def test_page_cursors_encode_each_key_when_read(monkeypatch) -> None:
    """A page's cursors are encoded on demand (most pages show only the end cursor), and read the
    same as encoding every key up front."""
    import core.pagination as pagination

    keys = [("2026-11-0" + str(d), d) for d in range(1, 6)]
    encoded: list[Any] = []
    real = pagination.encode_cursor
    monkeypatch.setattr(pagination, "encode_cursor", lambda k: encoded.append(k) or real(k))
    cursors = pagination.PageCursors(keys)
    info = pagination.PageInfo(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None)
    page = pagination.connection(list("abcde"), info, 5, cursors)
    assert encoded == [] and len(cursors) == 5
    assert page.edges[2].cursor == real(keys[2]) and encoded == [keys[2]]
    assert cursors[1:3] == [real(k) for k in keys[1:3]]
    assert [pagination.decode_cursor(c, [None, None]) for c in cursors] == [list(k) for k in keys]
    with pytest.raises(ValueError, match="a cursor for every node"):
        pagination.connection(list("ab"), info, 2, cursors)


# ------------------------------------------------------------------------- the pool's ping
@pytest.mark.parametrize("api", ["postgres"], indirect=True)
async def test_a_read_request_opens_no_transaction_and_pings_a_dead_connection_away(api, monkeypatch) -> None:
    """A query's connection is checked with one statement (no BEGIN … ROLLBACK around the ping) and
    runs without a transaction; a connection the server has closed is still found by the ping and
    replaced, so the request after it succeeds."""
    import asyncpg
    import asyncpg.transaction

    await api.load({"tenants": [ACME]})
    await api.ok("{ viewer { email } }", as_="fin@acme.com")  # the first request records the sign-in
    begun: list[object] = []
    real_start = asyncpg.transaction.Transaction.start

    async def start(self: Any) -> None:
        begun.append(self)
        await real_start(self)

    monkeypatch.setattr(asyncpg.transaction.Transaction, "start", start)
    assert (await api.ok("{ viewer { email } }", as_="fin@acme.com"))["viewer"]["email"] == "fin@acme.com"
    assert begun == []
    killer = await asyncpg.connect(api.state.settings.database_url.replace("postgresql+asyncpg", "postgresql", 1))
    try:
        killed = await killer.fetchval(
            # The app's own backends: an autovacuum worker here is a superuser's, not the app's to end.
            "select count(pg_terminate_backend(pid)) from pg_stat_activity"
            " where pid <> pg_backend_pid() and datname = current_database() and usename = current_user"
        )
    finally:
        await killer.close()
    assert killed >= 1  # the pooled connection the next request would use is dead
    assert (await api.ok("{ viewer { email } }", as_="fin@acme.com"))["viewer"]["email"] == "fin@acme.com"


# ------------------------------------------------------------------------- one_of
async def test_one_of_finds_what_in_finds_with_one_parameter_on_postgres(two_tenants) -> None:
    """``core.db.one_of``: the rows of ``column IN values`` (none for no values), still tenant-filtered;
    on PostgreSQL one array parameter whatever the number of values."""
    api = two_tenants
    acme_id = (await api.sql("select id from tenants where key = 'acme'"))[0][0]
    ids = [row[0] for row in await api.sql("select id from people order by id")]  # both tenants' people
    async with api.state.sessionmaker(info=EVERY_TENANT) as session:
        session.info["tenant_id"] = acme_id
        with api.count_statements() as statements:
            found = (await session.execute(select(Person.email).where(one_of(session, Person.id, ids)))).scalars()
            found = sorted(found)
        expected = sorted((await session.execute(select(Person.email).where(Person.id.in_(ids)))).scalars())
        nothing = (await session.execute(select(Person.email).where(one_of(session, Person.id, [])))).all()
    assert found == expected and found and all(e.endswith("@acme.com") for e in found)
    assert nothing == []
    if is_postgres(api.state.engine):
        statements = [s for s in statements if s not in api.scope_statements(statements)]  # RLS's, apart
        assert "ANY" in statements[0].upper() and statements[0].count("$") == 2  # the tenant and the array
