"""The pytest plugin for plugin authors (and the product's own tests): the app over HTTP on a fresh,
migrated database per test — SQLite, and PostgreSQL when its binaries are installed — a movable
clock, a real SMTP sink, tokens per role and ``emit(event, payload)``.

Installed with the product and registered through the ``pytest11`` entry point, so a plugin's tests
need no conftest and no product checkout: ``pip install customer-center[dev]`` (or the product's
venv) and your plugin, then::

    import pytest
    pytestmark = pytest.mark.cc_plugins("support_sla")     # the plugin(s) under test, by entry-point name

    async def test_it(cc_app, cc_tenant):
        data = await cc_app.ok("{ viewer { enabledModules } }", as_=cc_tenant.people["ADMIN"])
        assert "support_sla" in data["viewer"]["enabledModules"]

The harness turns on pytest-asyncio's ``auto`` mode (async tests and fixtures need no marker) unless
the project configures ``asyncio_mode`` itself. Fixtures (all prefixed ``cc_``, so they never clash
with a project's own):

- ``cc_app`` — an :class:`Api` on a server that loaded the product's built-in plugins plus the
  plugins under test (``cc_plugins``), its database migrated with every branch; once per backend.
- ``cc_tenant`` — a :class:`TenantPeople` in that database (key ``acme``) with the plugins under test
  enabled and one person per role (FINANCE, TECHNICAL, EXECUTIVE, ADMIN, and none: ``MEMBER``).
- ``cc_tokens`` — a bearer token per role of ``cc_tenant`` (``{"ADMIN": "eyJ…", …}``).
- ``cc_clock`` — the server's :class:`~core.clock.FixedClock` (``set``, ``advance(days=…)``).
- ``cc_smtp`` — the :class:`Inbox` of a real local SMTP server the outbox sends to (``cc_app.run_jobs()``).
- ``cc_emit`` — ``await cc_emit(event, payload, tenant="acme")`` publishes a domain event in that
  tenant (committed), as the module declaring it would; ``cc_events`` — what was emitted.
- ``cc_plugins`` — the entry-point names under test: the nearest ``@pytest.mark.cc_plugins(...)``,
  else the ``cc_plugins`` ini option, else every plugin installed beside the built-in ones.
- ``cc_backend`` — ``"sqlite"`` or ``"postgres"`` (PostgreSQL tests skip without ``initdb``; with
  ``CI`` set they fail instead).
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import pool, text

from core.clock import FixedClock
from core.hookspecs import HOOK_VERSION, PluginManifest, hookimpl

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
"""Where every test's clock starts."""
BACKENDS = ["sqlite", "postgres"]
OPERATOR = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}
SWITCH = """mutation($t: String!, $m: String!, $e: Boolean!) {
  setModuleEnabled(tenantKey: $t, module: $m, enabled: $e) { key enabledModules } }"""
_counter = itertools.count()


# ------------------------------------------------------------------------------------ PostgreSQL
def find_pg_bin() -> Path | None:
    if shutil.which("pg_ctl") and shutil.which("initdb"):
        return Path(shutil.which("pg_ctl")).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """A throw-away PostgreSQL server on loopback for the test run (initdb + pg_ctl in a temp dir)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="cc-pg-"))
        self.port = free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        data = self.dir / "data"
        if self.as_root:
            shutil.chown(self.dir, "postgres")
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
        )

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{db}"


def start_pg() -> PgServer | None:
    """A started server, or None without PostgreSQL binaries (a failure under ``CI``)."""
    bindir = find_pg_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries not found, and CI must run the PostgreSQL tests")
        return None
    server = PgServer(bindir)
    server.start()
    return server


# ------------------------------------------------------------------------------------------ SMTP
class Inbox:
    """The messages a real local SMTP server (aiosmtpd) received."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, addr: str) -> list[Any]:
        return [m for m in self.messages if addr in (m["To"] or "") or addr in (m["Cc"] or "")]


def start_smtp() -> tuple[Any, Inbox]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, inbox


# ------------------------------------------------------------------------------------- databases
async def _seed_rates(url: str) -> None:
    """Every test database starts with the seed exchange rates, as the demo does."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.db import make_engine
    from core.exchange import seed_rates

    engine = make_engine(url)
    async with engine.begin() as conn:
        async with AsyncSession(bind=conn) as session:
            await seed_rates(session, NOW)
    await engine.dispose()


def migrate_templates(pg: PgServer | None, plugins: Sequence[str], extra_plugins: Sequence[Any] = ()) -> dict[str, Any]:
    """Migrate one template database per backend with the installed plugins named in ``plugins``
    (plus ``extra_plugins`` modules); each test then gets a copy (file copy / CREATE DATABASE
    TEMPLATE). The dict is what :func:`fresh_database_url` and :func:`make_api` take."""
    from core.db import make_engine
    from core.migrate import upgrade
    from core.plugins import load_plugins

    registry = load_plugins(list(extra_plugins), only=plugins)
    tmp = Path(tempfile.mkdtemp(prefix="cc-sqlite-"))
    sqlite_template = tmp / "template.db"
    upgrade(f"sqlite+aiosqlite:///{sqlite_template}", registry)
    asyncio.run(_seed_rates(f"sqlite+aiosqlite:///{sqlite_template}"))
    n = next(_counter)
    out: dict[str, Any] = {"sqlite": sqlite_template, "tmp": tmp, "plugins": tuple(plugins), "pg_template": None}
    if pg is not None:
        name = "cc_template" if n == 0 else f"cc_template{n}"

        async def create() -> None:
            engine = make_engine(pg.url(), isolation_level="AUTOCOMMIT")
            async with engine.connect() as conn:
                await conn.execute(text(f"CREATE DATABASE {name}"))
            await engine.dispose()

        asyncio.run(create())
        upgrade(pg.url(name), registry, row_security=True)  # held only when a server connects as cc_app
        asyncio.run(_seed_rates(pg.url(name)))
        asyncio.run(_app_role(pg.url(name)))
        out["postgres"], out["pg_template"] = pg, name
    return out


APP_ROLE = "cc_app"
"""The ordinary role (``db create-app-role``) servers under test connect as with row-level security."""


async def _app_role(url: str) -> None:
    """The template as ``db upgrade`` and ``db create-app-role`` leave a production database: the
    policies on (core/rls.py) and the app's role granted; every copy inherits both."""
    from core.db import make_engine
    from core.rls import create_app_role

    engine = make_engine(url)
    try:
        await create_app_role(engine, APP_ROLE)  # the policies came with the migrations
    finally:
        await engine.dispose()


def app_role_url(url: str) -> str:
    """``url`` (a test database's, as the superuser) as the app's ordinary role."""
    return url.replace("postgresql+asyncpg://postgres@", f"postgresql+asyncpg://{APP_ROLE}@", 1)


async def fresh_database_url(backend: str, templates: dict[str, Any]) -> str:
    from core.db import make_engine

    n = next(_counter)
    if backend == "sqlite":
        path = templates["tmp"] / f"test{n}.db"
        shutil.copy(templates["sqlite"], path)
        return f"sqlite+aiosqlite:///{path}"
    pg: PgServer = templates["postgres"]
    engine = make_engine(pg.url(), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.execute(text(f"CREATE DATABASE cc_test{n} TEMPLATE {templates['pg_template']}"))
    await engine.dispose()
    return pg.url(f"cc_test{n}")


# ------------------------------------------------------------------------------------------ API
class Api:
    """The product over HTTP, as a portal or an internal tool would call it."""

    def __init__(self, state: Any, client: httpx.AsyncClient, clock: FixedClock, backend: str) -> None:
        self.state, self.client, self.clock, self.backend = state, client, clock, backend
        # The tables' owner's URL (migrations); the server may connect as the app's ordinary role.
        self.owner_url: str = state.settings.database_url
        self._tokens: dict[tuple[str, tuple[str, ...]], str] = {}

    def token(self, email: str, staff: tuple[str, ...] | list[str] = ()) -> str:
        """One token per person per test, as a signed-in portal would reuse it (a new token is a new
        sign-in, which writes last-sign-in and would disturb statement counts)."""
        from core.auth import issue_token

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
        """POST /graphql as ``as_`` (an email; None = anonymous); the body with ``_status`` added."""
        resp = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers(as_, staff, tenant)
        )
        body = resp.json()
        body["_status"] = resp.status_code
        return body

    async def ok(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """``data`` of a request that must succeed."""
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
        """Load import-format data directly (docs/import-format.md), in one transaction."""
        from core.importer import import_data
        from core.rls import EVERY_TENANT

        async with self.state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
            await import_data(session, data, self.state)

    async def enable(self, tenant: str, module: str, on: bool = True) -> list[str]:
        """Switch a plugin for a tenant as an OPERATOR would (``setModuleEnabled``); its modules after."""
        data = await self.ok(SWITCH, {"t": tenant, "m": module, "e": on}, **OPERATOR)
        return data["setModuleEnabled"]["enabledModules"]

    async def run_jobs(self, name: str | None = None) -> dict[str, int]:
        """Run every due job (or the one named) once, as ``customer-center jobs run`` does: units done per job."""
        from core.jobs import run_jobs

        return await run_jobs(self.state, name)

    async def sql(self, statement: str, **params: Any) -> list[Any]:
        """Run SQL as the test's own inspection: over every tenant (core/rls.py's scope)."""
        from core.rls import EVERY_TENANT

        async with self.state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
            result = await session.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []

    async def as_owner(self, *statements: str) -> None:
        """Run ``statements`` as the tables' owner, each on its own (autocommit: ``VACUUM`` may not
        run in a transaction): what the app's ordinary role may not do (core/rls.py)."""
        from core.db import make_engine

        engine = make_engine(self.owner_url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
        try:
            async with engine.connect() as conn:
                for statement in statements:
                    await conn.exec_driver_sql(statement)
        finally:
            await engine.dispose()

    async def analyze(self, *tables: str) -> None:
        """``VACUUM ANALYZE`` (the named tables, or all) as the tables' owner, as a production database's
        autovacuum leaves them: the app's role may not, and PostgreSQL then skips every table with a
        warning only, so a plan test would read plans made without statistics. SQLite: ``ANALYZE``."""
        if self.backend != "postgres":
            await self.sql("ANALYZE")
            return
        await self.as_owner(*([f'VACUUM ANALYZE "{t}"' for t in tables] or ["VACUUM ANALYZE"]))

    @contextmanager
    def count_statements(self) -> Iterator[list[str]]:
        """The SQL statements run inside the block (a page of 10 and of 100 must cost the same)."""
        statements: list[str] = []

        def before(conn: Any, cursor: Any, stmt: str, *args: Any) -> None:
            statements.append(stmt)

        sa_event.listen(self.state.engine.sync_engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa_event.remove(self.state.engine.sync_engine, "before_cursor_execute", before)

    @staticmethod
    def scope_statements(statements: Sequence[str]) -> list[str]:
        """The row-level security statements among ``statements`` (core/rls.py): the sign-in's scope
        and one per transaction begun — PostgreSQL's cost of the policies, counted apart."""
        return [s for s in statements if s.startswith("SELECT set_config('app.")]

    async def close(self) -> None:
        await self.client.aclose()
        await self.state.engine.dispose()


async def make_api(
    backend: str,
    templates: dict[str, Any],
    smtp_port: int,
    extra_plugins: list[Any] | None = None,
    *,
    plugins: Sequence[str] | None = None,
    **settings: Any,
) -> tuple[Api, httpx.AsyncClient]:
    """A server on a fresh copy of the backend's template, loading the template's installed plugins
    (or those named in ``plugins``) and ``extra_plugins`` modules (whose migrations the caller
    applies), with a clock at :data:`NOW`."""
    from core.app import create_app, create_state
    from core.settings import Settings

    url = await fresh_database_url(backend, templates)
    clock = FixedClock(NOW)
    cfg = Settings(database_url=url, smtp_port=smtp_port, outbox_backoff_seconds=1, **settings)
    if backend == "postgres" and cfg.row_level_security:
        # As production runs it: an ordinary role the policies hold (the superuser skips them).
        cfg = cfg.model_copy(update={"database_url": app_role_url(url)})
    only = plugins if plugins is not None else templates.get("plugins")
    state = create_state(cfg, clock=clock, extra_plugins=extra_plugins, plugins=only)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url="http://test")
    api = Api(state, client, clock, backend)
    api.owner_url = url
    return api, client


# ---------------------------------------------------------------------------------------- events
class EventRecorder:
    """A plugin that keeps every domain event it receives, as ``(event, payload)``; ``veto`` makes it
    refuse them (``CONFLICT``), as a handler vetoing a change would."""

    MANIFEST = PluginManifest(name="event_recorder", title="Event recorder (tests)", hook_version=HOOK_VERSION)
    __name__ = "event_recorder"

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.veto: str | None = None

    @hookimpl
    async def cc_on_event(self, ctx: Any, event: str, payload: dict[str, Any]) -> None:
        if self.veto:
            from core.errors import Conflict

            raise Conflict(self.veto)
        self.events.append((event, payload))


async def emit(api: Api, event: str, payload: dict[str, Any], *, tenant: str) -> None:
    """Publish ``event`` in ``tenant`` through ``ctx.emit`` (the system actor's context) and commit:
    every plugin enabled there reacts, as when the declaring module emits it."""
    from sqlalchemy import select

    from core.context import context_of
    from core.db import tenant_session
    from core.models import Tenant

    async with api.state.sessionmaker() as session:
        tenant_id = (await session.execute(select(Tenant.id).where(Tenant.key == tenant))).scalar_one()
    async with tenant_session(api.state.sessionmaker, tenant_id) as session:
        ctx = await context_of(session, tenant_id)
        await ctx.emit(event, payload)


# ------------------------------------------------------------------------------------------ data
# Resellers and their customers (import format): reseller A owns customer tenant a-cust; reseller B owns
# b-cust; direct is a vendor direct customer.
RESELLER_TENANTS = [
    {
        "key": "reseller-a",
        "name": "Alpha Resale",
        "domains": ["alpha-resale.com"],
        "reseller": True,
        "people": [
            {"email": "boss@alpha-resale.com", "roles": ["ADMIN", "FINANCE"]},
            {"email": "tech@alpha-resale.com", "roles": ["TECHNICAL"]},
        ],
    },
    {
        "key": "reseller-b",
        "name": "Beta Resale",
        "domains": ["beta-resale.com"],
        "reseller": True,
        "people": [{"email": "boss@beta-resale.com", "roles": ["ADMIN", "FINANCE"]}],
    },
    {
        "key": "a-cust",
        "name": "Alpha's Customer",
        "domains": ["a-cust.com"],
        "resellerKey": "reseller-a",
        "people": [
            {"email": "tech@a-cust.com", "roles": ["TECHNICAL"]},
            {"email": "fin@a-cust.com", "roles": ["FINANCE"]},
        ],
    },
    {
        "key": "b-cust",
        "name": "Beta's Customer",
        "domains": ["b-cust.com"],
        "resellerKey": "reseller-b",
        "people": [{"email": "tech@b-cust.com", "roles": ["TECHNICAL"]}],
    },
    {
        "key": "direct",
        "name": "Direct Customer",
        "domains": ["direct.com"],
        "people": [{"email": "tech@direct.com", "roles": ["TECHNICAL"]}],
    },
]


# -------------------------------------------------------------------------------------- fixtures
ROLES = ("FINANCE", "TECHNICAL", "EXECUTIVE", "ADMIN", "MEMBER")


@dataclass(frozen=True)
class TenantPeople:
    """A tenant of the test database and one person per role (``people["ADMIN"]`` is an email)."""

    key: str
    domain: str
    people: dict[str, str] = field(default_factory=dict)

    def import_item(self, plugins: Sequence[str]) -> dict[str, Any]:
        roles = {"ADMIN": ["TECHNICAL", "ADMIN"], "MEMBER": []}
        return {
            "key": self.key,
            "name": f"{self.key.title()} Corp",
            "domains": [self.domain],
            "plugins": list(plugins),
            "people": [{"email": email, "roles": roles.get(role, [role])} for role, email in self.people.items()],
        }


def tenant_people(key: str = "acme", domain: str = "acme.com") -> TenantPeople:
    names = {"FINANCE": "fin", "TECHNICAL": "tech", "EXECUTIVE": "exec", "ADMIN": "admin", "MEMBER": "plain"}
    return TenantPeople(key, domain, {role: f"{names[role]}@{domain}" for role in ROLES})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("cc_plugins", "Customer Center plugins (entry-point names) under test", type="linelist", default=[])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cc_plugins(*names): the Customer Center plugins under test (core.testing)")
    # The fixtures and a plugin's tests are async: pytest-asyncio's auto mode, unless the project chose.
    if getattr(config.option, "asyncio_mode", None) is None and not _configures(config, "asyncio_mode"):
        config.option.asyncio_mode = "auto"


def _configures(config: pytest.Config, name: str) -> bool:
    """Whether the project's own ini file sets ``name`` (``getini`` cannot tell a default from a choice)."""
    path = config.inipath
    if path is None or not path.is_file():
        return False
    if path.suffix == ".toml":
        import tomllib

        return name in tomllib.loads(path.read_text()).get("tool", {}).get("pytest", {}).get("ini_options", {})
    import configparser

    parser = configparser.ConfigParser()
    parser.read(path)
    return any(parser.has_option(section, name) for section in ("pytest", "tool:pytest") if parser.has_section(section))


@pytest.fixture(scope="session")
def cc_pg() -> Iterator[PgServer | None]:
    """The run's PostgreSQL server, or None without its binaries."""
    server = start_pg()
    yield server
    if server is not None:
        server.stop()


@pytest.fixture(scope="session")
def cc_smtp_server() -> Iterator[tuple[Any, Inbox]]:
    controller, inbox = start_smtp()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def cc_smtp(cc_smtp_server: tuple[Any, Inbox]) -> Inbox:
    _, inbox = cc_smtp_server
    inbox.messages.clear()
    return inbox


@pytest.fixture(scope="session")
def _cc_templates(cc_pg: PgServer | None) -> Callable[[Sequence[str]], dict[str, Any]]:
    """Templates migrated once per set of plugins."""
    made: dict[tuple[str, ...], dict[str, Any]] = {}

    def get(plugins: Sequence[str]) -> dict[str, Any]:
        key = tuple(sorted(plugins))
        if key not in made:
            made[key] = migrate_templates(cc_pg, key)
        return made[key]

    return get


@pytest.fixture
def cc_plugins(request: pytest.FixtureRequest) -> tuple[str, ...]:
    from core.plugins import ENTRY_POINT_GROUP, built_in_plugins

    marker = request.node.get_closest_marker("cc_plugins")
    if marker is not None:
        return tuple(marker.args)
    configured = request.config.getini("cc_plugins")
    if configured:
        return tuple(configured)
    from importlib.metadata import entry_points

    built_in = set(built_in_plugins())
    return tuple(sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name not in built_in))


@pytest.fixture(params=BACKENDS)
def cc_backend(request: pytest.FixtureRequest, cc_pg: PgServer | None) -> str:
    if request.param == "postgres" and cc_pg is None:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found; install the postgresql package")
    return request.param


@pytest.fixture
def cc_recorder() -> EventRecorder:
    return EventRecorder()


@pytest.fixture
def cc_templates(
    cc_plugins: tuple[str, ...], _cc_templates: Callable[[Sequence[str]], dict[str, Any]]
) -> dict[str, Any]:
    """The template databases migrated with the built-in plugins and those under test (a sync
    fixture: migrating runs its own event loop)."""
    from core.plugins import built_in_plugins

    return _cc_templates((*built_in_plugins(), *cc_plugins))


@pytest.fixture
async def cc_app(
    cc_backend: str,
    cc_plugins: tuple[str, ...],
    cc_templates: dict[str, Any],
    cc_smtp_server: tuple[Any, Inbox],
    cc_recorder: EventRecorder,
) -> AsyncIterator[Api]:
    templates = cc_templates
    missing = [p for p in cc_plugins if p not in templates["plugins"]]
    controller, _ = cc_smtp_server
    api, _client = await make_api(cc_backend, templates, controller.port, extra_plugins=[cc_recorder])
    unloaded = [p for p in cc_plugins if p not in api.state.plugins.names] + missing
    if unloaded:
        failures = "; ".join(api.state.plugins.failures.values())
        await api.close()
        message = f"plugin(s) {unloaded} are not installed or failed to load: {failures or 'no entry point'}"
        if failures or os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message + " (pip install your plugin into this environment)")
    try:
        yield api
    finally:
        await api.close()


@pytest.fixture
async def cc_tenant(cc_app: Api, cc_plugins: tuple[str, ...]) -> TenantPeople:
    tenant = tenant_people()
    plugins = [*cc_app.state.plugins.default_enabled(), *cc_plugins]
    await cc_app.load({"tenants": [tenant.import_item(sorted(set(plugins)))]})
    return tenant


@pytest.fixture
def cc_tokens(cc_app: Api, cc_tenant: TenantPeople) -> dict[str, str]:
    return {role: cc_app.token(email) for role, email in cc_tenant.people.items()}


@pytest.fixture
def cc_clock(cc_app: Api) -> FixedClock:
    return cc_app.clock


@pytest.fixture
def cc_events(cc_recorder: EventRecorder) -> list[tuple[str, dict[str, Any]]]:
    return cc_recorder.events


@pytest.fixture
def cc_emit(cc_app: Api) -> Callable[..., Awaitable[None]]:
    async def fire(event: str, payload: dict[str, Any], *, tenant: str = "acme") -> None:
        await emit(cc_app, event, payload, tenant=tenant)

    return fire
