"""Issue 21: a query's independent root fields are not serialised behind each other on the request's
one connection (``core.driver.apart``). On PostgreSQL each compiled root field after the first runs
its statements on a connection of its own, scoped at its check-out as the request is, while no other
request holds a connection (and at most half the pool is in use); beside others they share the
request's connection.

Observed from PostgreSQL itself: with the invoices table locked, a dashboard's two invoice lists
wait for the lock side by side (two backends), not one after the other — and the answer is the
resolvers' answer once the lock goes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from core.testing import Api
from tests.test_compiled_reads import Paths, _paths, difference

pytestmark = pytest.mark.postgres

FINANCE = ("fin@acme.com", ())
DASHBOARD = (
    "{ viewer { email } renewals(list: PENDING, first: 5) { totalCount edges { node { supportNumber } } } "
    "overdue: invoices(status: OVERDUE, first: 5) { totalCount edges { node { number lines { product } } } } "
    "open: invoices(status: OPEN, first: 5) { totalCount pageInfo { endCursor } edges { node { number } } } "
    "rewards { balance { amount currency } } }"
)
WAITING = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%invoicing_invoices%'
"""


@pytest.fixture
async def paths(templates: dict[str, Any], smtp_server: Any) -> AsyncIterator[Paths]:
    if "postgres" not in templates:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found; install the postgresql package")
    async for made in _paths("postgres", templates, smtp_server):
        yield made


async def _owner(api: Api) -> asyncpg.Connection:
    return await asyncpg.connect(api.owner_url.replace("postgresql+asyncpg://", "postgresql://", 1))


async def _waiting_while_locked(paths: Paths, hold: int) -> tuple[list[int], Any]:
    """The dashboard sent while another connection holds the invoices table exclusively (and
    ``hold`` of the pool's connections are checked out): how many of its statements waited for
    the lock at once, sampled until the count stays put, and its response once the lock goes."""
    engine = paths.api.state.engine
    held = [await engine.connect() for _ in range(hold)]
    locker, watcher = await _owner(paths.api), await _owner(paths.api)
    try:
        locking = locker.transaction()
        await locking.start()
        await locker.execute("LOCK TABLE invoicing_invoices IN ACCESS EXCLUSIVE MODE")
        request = asyncio.ensure_future(paths.post(DASHBOARD, None, FINANCE))
        seen: list[int] = []
        for _ in range(200):
            seen.append(await watcher.fetchval(WAITING))
            if seen[-1] and len(seen) >= 20 and seen[-10:] == [seen[-1]] * 10:
                break
            await asyncio.sleep(0.02)
        await locking.rollback()
        return seen, await request
    finally:
        for connection in held:
            await connection.close()
        await locker.close()
        await watcher.close()


async def test_a_querys_root_fields_wait_side_by_side_and_answer_as_the_resolvers(paths: Paths) -> None:
    """Issue 21 (independent root fields not serialised): both invoice lists wait for the lock at
    once, each on its own backend; the answer is the resolvers' (every field, its order)."""
    seen, got = await _waiting_while_locked(paths, hold=0)
    assert max(seen) == 2, seen
    state = paths.api.state
    state.schemas = paths.resolvers
    try:
        expected = await paths.post(DASHBOARD, None, FINANCE)
    finally:
        state.schemas = paths.compiled
    assert got == expected, difference(got, expected)
    assert got[0] == 200 and "errors" not in got[1]
    assert got[1]["data"]["overdue"]["totalCount"] + got[1]["data"]["open"]["totalCount"] == 30


@pytest.mark.parametrize("hold", ["one", "half"])
async def test_beside_another_request_root_fields_share_the_requests_connection(paths: Paths, hold: str) -> None:
    """Beside another request (one connection of the pool held by someone else, or half of it) the
    request's root fields take no more of the pool: one statement waits at a time."""
    pool = paths.api.state.engine.sync_engine.pool
    seen, got = await _waiting_while_locked(paths, hold=1 if hold == "one" else pool.size() // 2)
    assert max(seen) == 1, seen
    assert got[0] == 200 and "errors" not in got[1]


async def test_a_root_fields_connection_leaves_no_scope_behind(paths: Paths) -> None:
    """A root field's own connection holds the caller's tenant at session level: whoever checks it
    out next (here every pooled connection at once, unscoped) sees no tenant's row."""
    for _ in range(3):
        status, body, _ = await paths.post(DASHBOARD, None, FINANCE)
        assert status == 200 and "errors" not in body
    pool = paths.api.state.engine.sync_engine.pool
    assert pool.checkedin() >= 3  # the request's connection and its fields' own are back in the pool
    sessions = [paths.api.state.sessionmaker() for _ in range(pool.checkedin())]
    seen = []
    try:
        for session in sessions:  # each holds its connection until closed: every pooled one in turn
            seen.append((await session.execute(text("SELECT count(*) FROM invoicing_invoices"))).scalar_one())
    finally:
        for session in sessions:
            await session.close()
    assert seen == [0] * len(sessions)
    rows = await paths.api.sql("SELECT count(*) FROM invoicing_invoices")
    assert rows[0][0] == 32  # the rows are there, for a scope of every tenant


async def test_many_aliased_root_fields_take_at_most_half_the_pool(paths: Paths) -> None:
    """An attacker's query of a dozen aliases of one list cannot drain the pool: the fields borrow
    while at most half of it is checked out, the rest share the request's connection."""
    from sqlalchemy import event

    pool = paths.api.state.engine.sync_engine.pool
    most: list[int] = []

    def checked_out(*_: Any) -> None:
        most.append(pool.checkedout())

    aliases = " ".join(f"i{n}: invoices(first: 1) {{ totalCount edges {{ node {{ number }} }} }}" for n in range(12))
    event.listen(pool, "checkout", checked_out)
    try:
        status, body, _ = await paths.post("{ " + aliases + " }", None, FINANCE)
    finally:
        event.remove(pool, "checkout", checked_out)
    assert status == 200 and "errors" not in body, body
    assert {body["data"][f"i{n}"]["totalCount"] for n in range(12)} == {30}
    assert 1 < max(most) <= pool.size() // 2, most
