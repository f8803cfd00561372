"""A GraphQL query only reads (docs/performance.md: queries run on an autocommit connection): a
resolver of a query that tries to write is refused before the database, and nothing changes; the same
write in a mutation goes through. The caller's sign-in (R-A4) is still recorded by a query."""

from __future__ import annotations

import types

import strawberry
from sqlalchemy import select, update
from strawberry.types import Info

from core.hookspecs import HOOK_VERSION, GraphContribution, PluginManifest, hookimpl
from core.models import Person
from tests.conftest import ACME
from tests.plugins.conftest import enable


async def _rename(info: Info, name: str) -> str:
    ctx = info.context
    person = (await ctx.session.execute(select(Person).where(Person.email == ctx.principal.email))).scalar_one()
    person.first_name = name
    await ctx.session.flush()
    return person.first_name


async def _bump(info: Info, name: str) -> str:
    ctx = info.context
    await ctx.session.execute(update(Person).where(Person.email == ctx.principal.email).values(first_name=name))
    return name


@strawberry.type
class WriterQuery:
    @strawberry.field
    async def rename_in_query(self, info: Info) -> str:
        return await _rename(info, "Flushed")

    @strawberry.field
    async def bump_in_query(self, info: Info) -> str:
        return await _bump(info, "Bumped")


@strawberry.type
class WriterMutation:
    @strawberry.mutation
    async def rename_in_mutation(self, info: Info) -> str:
        return await _rename(info, "Renamed")


def _writer_plugin() -> types.ModuleType:
    plugin = types.ModuleType("writer")
    plugin.MANIFEST = PluginManifest("writer", "Writes from queries (test)", HOOK_VERSION, default_enabled=False)
    plugin.cc_graph = hookimpl(lambda: GraphContribution(query=[WriterQuery], mutation=[WriterMutation]))
    return plugin


async def test_queries_cannot_write_and_mutations_can(plugin_api) -> None:
    api = await plugin_api([_writer_plugin()])
    await api.load({"tenants": [ACME]})
    await enable(api, "acme", "writer")
    first_name = "select first_name from people where email = 'fin@acme.com'"
    signed_in = "select last_sign_in_at from people where email = 'fin@acme.com'"
    assert (await api.sql(signed_in))[0][0] is None
    assert await api.code("{ renameInQuery }", as_="fin@acme.com") == "INTERNAL_SERVER_ERROR"
    assert (await api.sql(signed_in))[0][0] is not None  # R-A4: the query's sign-in stands
    assert await api.code("{ bumpInQuery }", as_="fin@acme.com") == "INTERNAL_SERVER_ERROR"
    assert (await api.sql(first_name))[0][0] == "Fay"
    done = await api.ok("mutation { renameInMutation }", as_="fin@acme.com")
    assert done == {"renameInMutation": "Renamed"} and (await api.sql(first_name))[0][0] == "Renamed"
