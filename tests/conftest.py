"""Fixtures of the product's own tests: the harness itself (the app over HTTP on a fresh, migrated
database per test on SQLite and PostgreSQL, a movable clock, a real local SMTP server, a SQL
statement counter) is the shipped pytest plugin ``core.testing``; this file gives it the names the
product's tests use and loads only the product's built-in plugins, whatever else is installed."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import core.app
from core.exchange import RATES_FILE, RateTable, read_rates
from core.plugins import built_in_plugins
from core.testing import BACKENDS, NOW, Api, Inbox, PgServer, fresh_database_url, make_api, migrate_templates
from tests.redisserver import RedisServer, find_redis_server

# The product's tests load only the built-in plugins, also where a test builds its own state: a plugin
# installed beside them (the examples, `make install`) would add its models to the shared metadata,
# whose tables the product's test databases do not have. Patched before the test modules import it.
every_installed_plugin_state = core.app.create_state  # for the tests of installing a plugin


def _built_in_state(*args: Any, plugins: Any = None, **kwargs: Any) -> Any:
    return every_installed_plugin_state(*args, plugins=built_in_plugins() if plugins is None else plugins, **kwargs)


core.app.create_state = _built_in_state

__all__ = ["BACKENDS", "NOW", "Api", "Inbox", "fresh_database_url", "make_api"]

# The seed rates every test database starts with, as a table for the rules' unit tests.
SEED_RATES = RateTable(read_rates(RATES_FILE))


@pytest.fixture(scope="session")
def smtp_server(cc_smtp_server: tuple[Any, Inbox]) -> tuple[Any, Inbox]:
    return cc_smtp_server


@pytest.fixture
def smtp(cc_smtp: Inbox) -> Inbox:
    return cc_smtp


@pytest.fixture(scope="session")
def pg(cc_pg: PgServer | None) -> PgServer | None:
    return cc_pg


@pytest.fixture(scope="module")
async def pg_engine(pg: PgServer | None) -> AsyncIterator[Any]:
    """An engine on the tests' PostgreSQL server (its default database) for SQL rules checked against
    their Python twins; skipped without the PostgreSQL binaries."""
    from sqlalchemy.pool import NullPool

    from core.db import make_engine

    if pg is None:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found; install the postgresql package")
    engine = make_engine(pg.url(), poolclass=NullPool)
    yield engine
    await engine.dispose()


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
    """Migrate once per backend with the built-in plugins only (plugins installed beside them, such
    as the examples, are not the product's); each test then gets a copy."""
    return migrate_templates(pg, built_in_plugins())


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
