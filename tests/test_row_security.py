"""PostgreSQL row-level security per tenant (issue 20, defence in depth; core/rls.py): with
``row_level_security`` on and the app connected as an ordinary role, a deliberately unfiltered query
in a request acting for Acme sees and changes Acme's rows only; ordinary queries and mutations work
as before. The control, with the setting off, shows the same query reaching every tenant."""

from __future__ import annotations

import types
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import strawberry
from sqlalchemy import func, select, text
from strawberry.types import Info

from core.app import create_app, create_state
from core.clock import FixedClock
from core.db import Base, make_engine
from core.hookspecs import HOOK_VERSION, GraphContribution, PluginManifest, hookimpl
from core.models import Person
from core.rls import apply_row_security, tenant_tables
from core.settings import Settings
from core.testing import NOW, Api, fresh_database_url
from tests.conftest import ACME, GLOBEX

APP_ROLE = "cc_app_rls"


@strawberry.type
class LeakQuery:
    @strawberry.field
    async def people_everywhere(self, info: Info) -> int:
        """Forgets the tenant on purpose: the ORM filter is skipped, only RLS stands."""
        stmt = select(func.count()).select_from(Person).execution_options(skip_tenant_filter=True)
        return (await info.context.session.execute(stmt)).scalar_one()


@strawberry.type
class LeakMutation:
    @strawberry.mutation
    async def rename_everyone(self, info: Info) -> int:
        result = await info.context.session.execute(text("update people set first_name = 'Pwned'"))
        return result.rowcount


def _leaky_plugin() -> types.ModuleType:
    plugin = types.ModuleType("leaky")
    plugin.MANIFEST = PluginManifest("leaky", "Unfiltered statements (test)", HOOK_VERSION)
    plugin.cc_graph = hookimpl(lambda: GraphContribution(query=[LeakQuery], mutation=[LeakMutation]))
    return plugin


async def _as_app_role(templates: dict[str, Any]) -> tuple[str, str]:
    """A fresh database with the policies applied; (superuser URL, ordinary role's URL)."""
    url = await fresh_database_url("postgres", templates)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN "
                f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$"
            )
        )
        await conn.execute(text(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"))
        await conn.execute(text(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}"))
    assert await apply_row_security(engine, Base.metadata) == len(tenant_tables(Base.metadata)) > 10
    await engine.dispose()
    return url, url.replace("postgresql+asyncpg://postgres@", f"postgresql+asyncpg://{APP_ROLE}@")


@pytest.fixture
async def rls_apis(templates: dict[str, Any]) -> AsyncIterator[dict[bool, Api]]:
    if "postgres" not in templates:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found; install the postgresql package")
    apis: dict[bool, Api] = {}
    for on in (True, False):
        _, url = await _as_app_role(templates)
        state = create_state(
            Settings(database_url=url, row_level_security=on), clock=FixedClock(NOW), extra_plugins=[_leaky_plugin()]
        )
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url="http://test")
        apis[on] = Api(state, client, state.clock, "postgres")
        await apis[on].load({"tenants": [ACME, GLOBEX]})
    try:
        yield apis
    finally:
        for api in apis.values():
            await api.close()


@pytest.mark.postgres
async def test_an_unfiltered_query_sees_only_the_callers_tenant(rls_apis: dict[bool, Api]) -> None:
    on, off = rls_apis[True], rls_apis[False]
    acme_people, all_people = len(ACME["people"]), len(ACME["people"]) + len(GLOBEX["people"])
    assert (await off.ok("{ peopleEverywhere }", as_="fin@acme.com"))["peopleEverywhere"] == all_people  # control
    assert (await on.ok("{ peopleEverywhere }", as_="fin@acme.com"))["peopleEverywhere"] == acme_people
    assert (await on.ok("{ peopleEverywhere }", as_="fin@globex.com"))["peopleEverywhere"] == len(GLOBEX["people"])
    # writes too: an unfiltered UPDATE changes the caller's tenant only
    assert (await on.ok("mutation { renameEveryone }", as_="admin@acme.com"))["renameEveryone"] == acme_people
    names = await on.sql("select t.key, p.first_name from people p join tenants t on t.id = p.tenant_id")
    assert {k for k, name in names if name == "Pwned"} == {"acme"}


@pytest.mark.postgres
async def test_queries_and_mutations_work_as_before_under_row_security(rls_apis: dict[bool, Api]) -> None:
    api = rls_apis[True]
    assert (await api.ok("{ viewer { email } }", as_="fin@acme.com"))["viewer"]["email"] == "fin@acme.com"
    invited = await api.ok('mutation { inviteUser(input: {email: "new@acme.com"}) { email } }', as_="admin@acme.com")
    assert invited["inviteUser"]["email"] == "new@acme.com"
    users = await api.ok("{ users(first: 50) { nodes { email } } }", as_="admin@acme.com")
    emails = {n["email"] for n in users["users"]["nodes"]}
    assert "new@acme.com" in emails and not any(e.endswith("@globex.com") for e in emails)
    # a second request on a pooled connection is not held to the first one's tenant
    assert (await api.ok("{ viewer { email } }", as_="fin@globex.com"))["viewer"]["email"] == "fin@globex.com"
