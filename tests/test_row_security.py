"""PostgreSQL row-level security per tenant (issue 20, defence in depth; core/rls.py), on by default:
the servers under test connect as the ordinary role ``db create-app-role`` makes, and a deliberately
unfiltered ``select`` of every tenant-owned table sees only the scope of whoever runs it — the
caller's tenant for a request, the permitted tenants for staff, the unit's tenant for a job, nothing
when nobody set a scope. The control, with the setting off, shows the same statements reaching
every tenant (R-T1)."""

from __future__ import annotations

import types
from collections.abc import AsyncIterator
from typing import Any

import pytest
import strawberry
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from strawberry.types import Info
from typer.testing import CliRunner

from core.db import Base, make_engine, tenant_session
from core.hookspecs import HOOK_VERSION, GraphContribution, Job, PluginManifest, hookimpl
from core.models import Tenant
from core.rls import ALL, DIRECTORY, bypass_reason, set_scope, tenant_tables
from core.testing import RESELLER_TENANTS, Api, app_role_url, fresh_database_url, make_api
from tests.conftest import ACME, GLOBEX

pytestmark = pytest.mark.postgres


# The database's own tables with a tenant_id column: every one there, whatever models another test
# of this process has imported (a plugin loaded in process registers its tables in Base.metadata,
# and this database need not have them).
_TENANT_OWNED = text(
    "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
    "WHERE a.attname = 'tenant_id' AND NOT a.attisdropped AND c.relkind IN ('r', 'p') "
    "AND c.relnamespace = current_schema()::regnamespace ORDER BY 1"
)


async def _tables(session: Any) -> list[str]:
    """The database's tenant-owned tables, the tenant directory aside (core/rls.py)."""
    return [name for (name,) in (await session.execute(_TENANT_OWNED)).all() if name not in DIRECTORY]


async def _visible(session: Any) -> dict[str, set[int]]:
    """Every tenant-owned table's tenants as an unfiltered ``select`` sees them (one statement)."""
    tables = await _tables(session)
    parts = [f"SELECT '{name}', tenant_id FROM (SELECT DISTINCT tenant_id FROM \"{name}\") t" for name in tables]
    seen: dict[str, set[int]] = {name: set() for name in tables}
    for name, tenant_id in (await session.execute(text(" UNION ALL ".join(parts)))).all():
        seen[name].add(tenant_id)
    return seen


@strawberry.type
class LeakQuery:
    @strawberry.field
    async def tenants_seen(self, info: Info) -> list[int | None]:
        """Forgets the tenant on purpose, on every tenant-owned table: only RLS stands."""
        seen = await _visible(info.context.session)
        return sorted({t for ids in seen.values() for t in ids}, key=lambda t: (t is None, t or 0))


@strawberry.type
class LeakMutation:
    @strawberry.mutation
    async def rename_everyone(self, info: Info) -> int:
        result = await info.context.session.execute(text("update people set first_name = 'Pwned'"))
        return result.rowcount


JOB_SAW: dict[int, set[int]] = {}


async def _leaky_job(ctx: Any) -> int:
    """A job's units, one per tenant, each reading every tenant-owned table unfiltered."""
    units = 0
    async with ctx.sessionmaker() as session:
        tenant_ids = (await session.execute(select(Tenant.id))).scalars().all()
    for tenant_id in tenant_ids:
        async with tenant_session(ctx.sessionmaker, tenant_id) as session:
            JOB_SAW[tenant_id] = {t for ids in (await _visible(session)).values() for t in ids}
        units += 1
    return units


def _leaky_plugin() -> types.ModuleType:
    plugin = types.ModuleType("leaky")
    plugin.MANIFEST = PluginManifest("leaky", "Unfiltered statements (test)", HOOK_VERSION)
    plugin.cc_graph = hookimpl(lambda: GraphContribution(query=[LeakQuery], mutation=[LeakMutation]))
    plugin.cc_jobs = hookimpl(lambda: [Job("leaky.read", _leaky_job, "reads unfiltered", dated=False)])
    return plugin


@pytest.fixture
async def rls_apis(templates: dict[str, Any], smtp_server: Any) -> AsyncIterator[dict[bool, Api]]:
    if "postgres" not in templates:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found; install the postgresql package")
    apis: dict[bool, Api] = {}
    for on in (True, False):
        api, _ = await make_api(
            "postgres", templates, smtp_server[0].port, extra_plugins=[_leaky_plugin()], row_level_security=on
        )
        await api.load({"tenants": [ACME, GLOBEX, *RESELLER_TENANTS]})
        apis[on] = api
    try:
        yield apis
    finally:
        for api in apis.values():
            await api.close()


async def _ids(api: Api) -> dict[str, int]:
    return dict(await api.sql("select key, id from tenants"))


async def test_an_unfiltered_select_of_every_table_sees_only_the_callers_tenant(rls_apis: dict[bool, Api]) -> None:
    on, off = rls_apis[True], rls_apis[False]
    ids = await _ids(on)
    async with on.state.sessionmaker() as session:
        tables = await _tables(session)
    # Each of them a model's, core's or a plugin's: the policies' own list (tenant_tables) covers them.
    assert len(tables) > 40 and set(tables) <= {t.name for t in tenant_tables(Base.metadata)}
    everyone = set((await _ids(off)).values())
    assert set((await off.ok("{ tenantsSeen }", as_="fin@acme.com"))["tenantsSeen"]) == everyone  # control
    assert (await on.ok("{ tenantsSeen }", as_="fin@acme.com"))["tenantsSeen"] == [ids["acme"]]
    assert (await on.ok("{ tenantsSeen }", as_="fin@globex.com"))["tenantsSeen"] == [ids["globex"]]
    # A reseller's person acting in a customer (X-Tenant) sees that customer only.
    seen = await on.ok("{ tenantsSeen }", as_="boss@alpha-resale.com", tenant="a-cust")
    assert seen["tenantsSeen"] == [ids["a-cust"]]
    # Writes too: an unfiltered UPDATE changes the caller's tenant only.
    assert (await on.ok("mutation { renameEveryone }", as_="admin@acme.com"))["renameEveryone"] == len(ACME["people"])
    names = await on.sql("select t.key, p.first_name from people p join tenants t on t.id = p.tenant_id")
    assert {k for k, name in names if name == "Pwned"} == {"acme"}


async def test_staff_see_the_tenants_they_may_and_a_job_its_units_tenant(rls_apis: dict[bool, Api]) -> None:
    api = rls_apis[True]
    ids = await _ids(api)
    # Vendor staff without X-Tenant work across every tenant; with it, in that one only.
    seen = (await api.ok("{ tenantsSeen }", as_="op@vendor.example", staff=["OPERATOR"]))["tenantsSeen"]
    assert set(seen) >= set(ids.values())
    seen = await api.ok("{ tenantsSeen }", as_="op@vendor.example", staff=["OPERATOR"], tenant="globex")
    assert seen["tenantsSeen"] == [ids["globex"]]
    JOB_SAW.clear()
    assert (await api.run_jobs("leaky.read"))["leaky.read"] == len(ids)
    assert JOB_SAW == {tenant_id: {tenant_id} for tenant_id in ids.values()}


async def test_a_reseller_across_its_customers_and_an_unscoped_session_see_only_their_scope(
    rls_apis: dict[bool, Api],
) -> None:
    from core.rls import scope_to_reseller

    api = rls_apis[True]
    ids = await _ids(api)
    async with api.state.sessionmaker() as session, session.begin():
        assert (await session.execute(text("select count(*) from people"))).scalar_one() == 0  # nobody scoped it
        await scope_to_reseller(session, ids["reseller-a"])
        assert set().union(*(await _visible(session)).values()) == {ids["reseller-a"], ids["a-cust"]}
        await set_scope(session, None)
        assert (await session.execute(text("select count(*) from people"))).scalar_one() == 0
        await set_scope(session, ALL)
        assert (await session.execute(text("select count(*) from people"))).scalar_one() > 0
    # Unscoped, a write is refused by the policy's check, not stamped into some tenant.
    with pytest.raises(DBAPIError, match="row-level security"):
        async with api.state.sessionmaker() as session, session.begin():
            await session.execute(
                text(
                    "insert into policy_rules (tenant_id, ptype, v0, v1, v2, v3, v4) "
                    "values (:t, 'p', '', '', '', '', '')"
                ),
                {"t": ids["acme"]},
            )
    # The scope is transaction-local: a pooled connection's next transaction starts with none.
    async with api.state.sessionmaker() as session:
        async with session.begin():
            await set_scope(session, ALL)
        async with api.state.sessionmaker() as other, other.begin():
            assert (await other.execute(text("select count(*) from people"))).scalar_one() == 0


async def test_the_app_role_cannot_bypass_row_security(rls_apis: dict[bool, Api], templates: dict[str, Any]) -> None:
    api = rls_apis[True]
    async with api.state.engine.connect() as conn:
        row = (
            await conn.execute(
                text("select current_user, rolsuper, rolbypassrls from pg_roles where rolname = current_user")
            )
        ).one()
        assert row == ("cc_app", False, False)
        assert await bypass_reason(conn) is None
        # Only the login function's one answer crosses tenants: an id, for a known email.
        found = await conn.execute(text("select cc_login_tenant('fin@globex.com'), cc_login_tenant('nobody@x.org')"))
        assert found.one() == ((await _ids(api))["globex"], None)
    owner = make_engine(await fresh_database_url("postgres", templates))
    async with owner.connect() as conn:
        assert await bypass_reason(conn) == "role postgres is a superuser"
    await owner.dispose()


async def test_db_create_app_role_makes_a_role_the_policies_hold(rls_apis: dict[bool, Api]) -> None:
    import asyncio

    from core.cli import app

    url = rls_apis[False].state.settings.database_url  # the owner's (superuser's), with data
    run = CliRunner().invoke
    result = await asyncio.to_thread(run, app, ["db", "create-app-role", "cc_ops_app", "--database-url", url])
    assert result.exit_code == 0, result.output
    bad = await asyncio.to_thread(run, app, ["db", "create-app-role", "x; drop table people", "--database-url", url])
    assert bad.exit_code == 1 and "not a plain SQL identifier" in bad.output
    engine = make_engine(app_role_url(url).replace("cc_app@", "cc_ops_app@"))
    async with engine.connect() as conn:
        assert await bypass_reason(conn) is None
        assert (await conn.execute(text("select count(*) from tenants"))).scalar_one() > 3  # granted
        assert (await conn.execute(text("select count(*) from people"))).scalar_one() == 0  # held
    await engine.dispose()


async def test_an_autocommit_read_leaves_no_scope_on_its_pooled_connection(rls_apis: dict[bool, Api]) -> None:
    """A query runs without a transaction, so its scope lives in the connection's session (core/rls.py):
    the pool's check-in clears it — every idle connection after staff (every tenant's role) and a
    customer read is the app's own role with no tenant, and sees no row."""
    from contextlib import AsyncExitStack

    api = rls_apis[True]
    assert (await api.ok("{ tenantsSeen }", as_="op@vendor.example", staff=["OPERATOR"]))["tenantsSeen"]
    assert (await api.ok("{ tenantsSeen }", as_="fin@acme.com"))["tenantsSeen"]
    idle = api.state.engine.pool.checkedin()
    assert idle >= 1
    async with AsyncExitStack() as stack:
        for _ in range(idle):
            conn = await stack.enter_async_context(api.state.engine.connect())
            row = (
                await conn.execute(
                    text(
                        "select current_user, coalesce(current_setting('app.tenant_id', true), ''),"
                        " coalesce(current_setting('app.tenant_ids', true), ''), (select count(*) from people)"
                    )
                )
            ).one()
            assert tuple(row) == ("cc_app", "", "", 0)


async def test_a_persons_read_is_scoped_by_its_connections_check_out_whatever_scope_it_held(
    rls_apis: dict[bool, Api],
) -> None:
    """Issue 21: a person's read has its login scope set by its connection's check-out statement
    (core.rls.ready_for_checkout) — the person's tenant, no list, no role, one round trip — in place
    of the clear and a statement of its own. Whatever scope the pooled connection held last (vendor
    staff's every-tenant role, another tenant's person), the read sees its own tenant only; an
    unknown email sees nothing."""
    api = rls_apis[True]
    ids = await _ids(api)
    before = [
        {"as_": "op@vendor.example", "staff": ["OPERATOR"]},
        {"as_": "fin@globex.com"},
        {"as_": "boss@alpha-resale.com", "tenant": "a-cust"},
    ]
    await api.ok("{ tenantsSeen }", as_="fin@acme.com")  # signed in (R-A4 writes, then scopes again)
    for caller in before:
        assert (await api.ok("{ tenantsSeen }", **caller))["tenantsSeen"]
        assert api.state.engine.pool.checkedin() == 1  # the next request gets that very connection
        with api.count_statements() as statements:
            seen = (await api.ok("{ tenantsSeen }", as_="fin@acme.com"))["tenantsSeen"]
        assert seen == [ids["acme"]], caller
        scoped = api.scope_statements(statements)
        assert len(scoped) == 1 and "set_config('role', 'none', false)" in scoped[0], statements
    assert await api.code("{ tenantsSeen }", as_="nobody@acme.com") == "FORBIDDEN"
    assert (await api.ok("{ tenantsSeen }", as_="fin@acme.com"))["tenantsSeen"] == [ids["acme"]]


async def test_a_mutation_carries_on_in_its_sign_ins_transaction_scoped_as_its_caller(
    rls_apis: dict[bool, Api],
) -> None:
    """Issue 21 (core.caller.commit_sign_in): a mutation whose sign-in wrote nothing runs in the
    sign-in's transaction — one scope statement, the sign-in's, no second transaction's — and its
    unfiltered write still reaches the caller's tenant only; a reseller's person acting in a customer
    (X-Tenant) has that transaction's scope switched to the customer before anything runs."""
    api = rls_apis[True]
    rename = "mutation { renameEveryone }"
    await api.ok("{ tenantsSeen }", as_="admin@acme.com")  # signed in (R-A4 writes in its own transaction)
    with api.count_statements() as statements:
        assert (await api.ok(rename, as_="admin@acme.com"))["renameEveryone"] == len(ACME["people"])
    assert len(api.scope_statements(statements)) == 1, statements
    await api.ok("{ tenantsSeen }", as_="boss@alpha-resale.com", tenant="a-cust")
    with api.count_statements() as statements:
        assert (await api.ok(rename, as_="boss@alpha-resale.com", tenant="a-cust"))["renameEveryone"] >= 1
    assert len(api.scope_statements(statements)) == 2, statements  # the sign-in's, then the customer's
    names = await api.sql("select t.key, p.first_name from people p join tenants t on t.id = p.tenant_id")
    assert {k for k, name in names if name == "Pwned"} == {"acme", "a-cust"}
