"""Fixtures: a fresh, migrated database per test on SQLite and PostgreSQL, the app over HTTP
(httpx + ASGI), a movable clock, a real local SMTP server and a SQL statement counter."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.app import AppState, create_app, create_state
from core.auth import issue_token
from core.clock import FixedClock
from core.db import make_engine
from core.exchange import RATES_FILE, RateTable, read_rates, seed_rates
from core.importer import import_data
from core.jobs import run_jobs
from core.migrate import upgrade
from core.plugins import load_plugins
from core.settings import Settings
from tests.pg import PgServer, find_pg_bin, free_port
from tests.redisserver import RedisServer, find_redis_server

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# The seed rates every test database starts with, as a table for the rules' unit tests.
SEED_RATES = RateTable(read_rates(RATES_FILE))
_counter = itertools.count()


# ------------------------------------------------------------------------------------------ SMTP
class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        from email import message_from_bytes, policy

        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(msg)
        return "250 OK"

    def to(self, addr: str) -> list[Any]:
        return [m for m in self.messages if addr in (m["To"] or "") or addr in (m["Cc"] or "")]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def smtp(smtp_server: tuple[Controller, Inbox]) -> Inbox:
    _, inbox = smtp_server
    inbox.messages.clear()
    return inbox


# ------------------------------------------------------------------------------------ databases
@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer | None]:
    bindir = find_pg_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries not found, and CI must run the PostgreSQL tests")
        yield None
        return
    server = PgServer(bindir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    binary = find_redis_server()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server not found, and CI must run the Redis tests")
        pytest.skip("redis-server not found; install the redis-server package")
    server = RedisServer(binary)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def templates(pg: PgServer | None) -> dict[str, Any]:
    """Migrate once per backend; each test then gets a copy (file copy / CREATE DATABASE TEMPLATE)."""
    registry = load_plugins()
    tmp = Path(tempfile.mkdtemp(prefix="cc-sqlite-"))
    sqlite_template = tmp / "template.db"
    upgrade(f"sqlite+aiosqlite:///{sqlite_template}", registry)
    asyncio.run(_seed_rates(f"sqlite+aiosqlite:///{sqlite_template}"))
    out: dict[str, Any] = {"sqlite": sqlite_template, "tmp": tmp}
    if pg is not None:

        async def create() -> None:
            engine = make_engine(pg.url(), isolation_level="AUTOCOMMIT")
            async with engine.connect() as conn:
                await conn.execute(text("CREATE DATABASE cc_template"))
            await engine.dispose()

        asyncio.run(create())
        upgrade(pg.url("cc_template"), registry)
        asyncio.run(_seed_rates(pg.url("cc_template")))
        out["postgres"] = pg
    return out


async def _seed_rates(url: str) -> None:
    """Every test database starts with the seed rates (core/data/exchange_rates.csv), as the demo does;
    tests of the rate table add or correct rates through the API."""
    engine = make_engine(url)
    async with engine.begin() as conn:
        async with AsyncSession(bind=conn) as session:
            await seed_rates(session, NOW)
    await engine.dispose()


async def fresh_database_url(backend: str, templates: dict[str, Any]) -> str:
    n = next(_counter)
    if backend == "sqlite":
        path = templates["tmp"] / f"test{n}.db"
        shutil.copy(templates["sqlite"], path)
        return f"sqlite+aiosqlite:///{path}"
    pg: PgServer = templates["postgres"]
    engine = make_engine(pg.url(), isolation_level="AUTOCOMMIT", poolclass=__import__("sqlalchemy").pool.NullPool)
    async with engine.connect() as conn:
        await conn.execute(text(f"CREATE DATABASE cc_test{n} TEMPLATE cc_template"))
    await engine.dispose()
    return pg.url(f"cc_test{n}")


# ------------------------------------------------------------------------------------------ API
class Api:
    """The product over HTTP, as a portal or an internal tool would call it."""

    def __init__(self, state: AppState, client: httpx.AsyncClient, clock: FixedClock, backend: str) -> None:
        self.state, self.client, self.clock, self.backend = state, client, clock, backend
        self._tokens: dict[tuple[str, tuple[str, ...]], str] = {}

    def token(self, email: str, staff: tuple[str, ...] | list[str] = ()) -> str:
        """One token per person per test, as a signed-in portal would reuse it (a new token is a new
        sign-in, which writes last-sign-in and would disturb statement counts)."""
        key = (email, tuple(sorted(staff)))
        if key not in self._tokens:
            self._tokens[key] = issue_token(self.state.settings, email, staff_roles=list(staff))
        return self._tokens[key]

    def headers(
        self, as_: str | None, staff: tuple[str, ...] | list[str] = (), tenant: str | None = None
    ) -> dict[str, str]:
        headers: dict[str, str] = {}
        if as_:
            headers["Authorization"] = f"Bearer {self.token(as_, staff)}"
        if tenant:
            headers["X-Tenant"] = tenant
        return headers

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: str | None,
        staff: tuple[str, ...] | list[str] = (),
        tenant: str | None = None,
    ) -> dict[str, Any]:
        resp = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers(as_, staff, tenant)
        )
        body = resp.json()
        body["_status"] = resp.status_code
        return body

    async def ok(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        body = await self.gql(query, variables, **kw)
        assert not body.get("errors"), body.get("errors")
        return body["data"]

    async def error(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """The first error of a request that must fail; its ``code`` is ``error["extensions"]["code"]``."""
        body = await self.gql(query, variables, **kw)
        assert body.get("errors"), f"expected an error, got {body}"
        return body["errors"][0]

    async def code(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> str:
        return (await self.error(query, variables, **kw)).get("extensions", {}).get("code")

    async def get(
        self, path: str, *, as_: str | None, staff: tuple[str, ...] = (), tenant: str | None = None
    ) -> httpx.Response:
        return await self.client.get(path, headers=self.headers(as_, staff, tenant))

    async def load(self, data: dict[str, Any]) -> None:
        """Load import-format data directly (the importer is tested through the API separately)."""
        async with self.state.sessionmaker() as session, session.begin():
            await import_data(session, data, self.state)

    async def run_jobs(self, name: str | None = None) -> dict[str, int]:
        return await run_jobs(self.state, name)

    async def sql(self, statement: str, **params: Any) -> list[Any]:
        async with self.state.sessionmaker() as session, session.begin():
            result = await session.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []

    @contextmanager
    def count_statements(self) -> Iterator[list[str]]:
        statements: list[str] = []

        def before(conn: Any, cursor: Any, stmt: str, *args: Any) -> None:
            statements.append(stmt)

        event.listen(self.state.engine.sync_engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(self.state.engine.sync_engine, "before_cursor_execute", before)


async def make_api(
    backend: str, templates: dict[str, Any], smtp_port: int, extra_plugins: list[Any] | None = None, **settings: Any
) -> tuple[Api, httpx.AsyncClient]:
    url = await fresh_database_url(backend, templates)
    clock = FixedClock(NOW)
    cfg = Settings(database_url=url, smtp_port=smtp_port, outbox_backoff_seconds=1, **settings)
    state = create_state(cfg, clock=clock, extra_plugins=extra_plugins)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url="http://test")
    return Api(state, client, clock, backend), client


BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
async def api(request: pytest.FixtureRequest, templates: dict[str, Any], smtp_server: Any) -> AsyncIterator[Api]:
    backend = request.param
    if backend == "postgres" and "postgres" not in templates:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found; install the postgresql package")
    controller, _ = smtp_server
    api, client = await make_api(backend, templates, controller.port)
    try:
        yield api
    finally:
        await client.aclose()
        await api.state.engine.dispose()


def link_path(url: str | None) -> str | None:
    """A signed download link (core/links.py) without its origin and signature: the route it opens."""
    if url is None:
        return None
    from urllib.parse import parse_qsl, urlencode, urlsplit

    parts = urlsplit(url)
    assert parts.scheme in ("http", "https") and parts.netloc, f"not an absolute link: {url}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "sig"]
    assert len(query) == len(parse_qsl(parts.query, keep_blank_values=True)) - 1, f"not signed: {url}"
    return parts.path + ("?" + urlencode(query) if query else "")


# ------------------------------------------------------------------------------- common data
ACME = {
    "key": "acme",
    "name": "Acme Corp",
    "country": "US",
    "domains": ["acme.com"],
    "people": [
        {"email": "fin@acme.com", "firstName": "Fay", "lastName": "Fin", "roles": ["FINANCE"]},
        {"email": "tech@acme.com", "firstName": "Ted", "lastName": "Tech", "roles": ["TECHNICAL"]},
        {"email": "exec@acme.com", "firstName": "Eve", "lastName": "Exec", "roles": ["EXECUTIVE"]},
        {"email": "admin@acme.com", "firstName": "Ann", "lastName": "Admin", "roles": ["TECHNICAL", "ADMIN"]},
        {"email": "plain@acme.com", "firstName": "Pat", "lastName": "Plain", "roles": []},
    ],
}
GLOBEX = {
    "key": "globex",
    "name": "Globex Inc",
    "country": "DE",
    "domains": ["globex.com"],
    "people": [
        {"email": "fin@globex.com", "roles": ["FINANCE"]},
        {"email": "tech@globex.com", "roles": ["TECHNICAL"]},
        {"email": "admin@globex.com", "roles": ["TECHNICAL", "ADMIN"]},
    ],
}


@pytest.fixture
async def two_tenants(api: Api) -> Api:
    """Acme and Globex with one person of each contact kind (plus an admin) in each."""
    await api.load({"tenants": [ACME, GLOBEX]})
    return api
