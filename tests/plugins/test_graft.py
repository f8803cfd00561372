"""Fields grafted onto existing types (``GraphContribution.type_extensions``) exist only in the schema of
tenants that enable the plugin, introspection included, from the next request (R-T3); resolvers get
the parent object; interface implementations survive the rebuild; a clashing plugin is left out."""

from __future__ import annotations

import types

import strawberry

from core.hookspecs import HOOK_VERSION, GraphContribution, PluginManifest, hookimpl
from core.plugins import load_plugins
from schema.builder import SchemaCache, build_schema
from tests.conftest import ACME, GLOBEX
from tests.plugins.conftest import enable
from tests.plugins.doubles import badges, clash, dup

VIEWER_BADGE = "{ viewer { email badgeLetters badgeBudget { amount currency } tenant { key badgeMotto } } }"
TYPE_FIELDS = '{ __type(name: "%s") { name fields { name } } }'
ALL_TYPES = "{ __schema { types { name } } }"


def _fields(data: dict) -> set[str]:
    t = data["__type"]
    return {f["name"] for f in t["fields"]} if t else set()


async def test_grafted_fields_only_for_the_enabling_tenant_introspection_included(plugin_api):
    api = await plugin_api([badges])
    await api.load({"tenants": [ACME, GLOBEX]})
    await enable(api, "acme", "badges")

    data = await api.ok(VIEWER_BADGE, as_="tech@acme.com")
    assert data["viewer"]["badgeLetters"] == len("tech@acme.com")  # resolver received the Viewer
    assert data["viewer"]["badgeBudget"] == {"amount": "12.35", "currency": "USD"}
    assert data["viewer"]["tenant"] == {"key": "acme", "badgeMotto": "acme rocks"}  # strawberry.Parent works too
    assert "Viewer" in badges.SEEN_PARENTS

    acme_viewer = _fields(await api.ok(TYPE_FIELDS % "Viewer", as_="tech@acme.com"))
    globex_viewer = _fields(await api.ok(TYPE_FIELDS % "Viewer", as_="tech@globex.com"))
    assert {"badgeLetters", "badgeBudget"} <= acme_viewer
    assert not {"badgeLetters", "badgeBudget"} & globex_viewer
    assert acme_viewer - globex_viewer == {"badgeLetters", "badgeBudget"}
    assert "badgeMotto" in _fields(await api.ok(TYPE_FIELDS % "Tenant", as_="tech@acme.com"))
    assert "badgeMotto" not in _fields(await api.ok(TYPE_FIELDS % "Tenant", as_="tech@globex.com"))

    acme_types = {t["name"] for t in (await api.ok(ALL_TYPES, as_="tech@acme.com"))["__schema"]["types"]}
    globex_types = {t["name"] for t in (await api.ok(ALL_TYPES, as_="tech@globex.com"))["__schema"]["types"]}
    assert {"Gadget", "Widget"} <= acme_types and not {"Gadget", "Widget"} & globex_types
    # carrier types are an implementation detail: never visible
    assert not {n for n in acme_types | globex_types if n.startswith("Badges") and "Extension" in n}

    err = await api.error(VIEWER_BADGE, as_="tech@globex.com")
    assert err["extensions"] == {"code": "MODULE_NOT_ENABLED", "module": "badges"}


async def test_disabling_removes_grafted_fields_on_the_next_request(plugin_api):
    api = await plugin_api([badges])
    await api.load({"tenants": [ACME]})
    await enable(api, "acme", "badges")
    assert (await api.ok("{ viewer { badgeLetters } }", as_="fin@acme.com"))["viewer"]["badgeLetters"] == 12
    assert "badges" not in await enable(api, "acme", "badges", on=False)
    err = await api.error("{ viewer { badgeLetters } }", as_="fin@acme.com")
    assert err["extensions"]["code"] == "MODULE_NOT_ENABLED"
    assert "badgeLetters" not in _fields(await api.ok(TYPE_FIELDS % "Viewer", as_="fin@acme.com"))
    await enable(api, "acme", "badges")
    assert (await api.ok("{ viewer { badgeLetters } }", as_="fin@acme.com"))["viewer"]["badgeLetters"] == 12


async def test_interface_implementations_survive_grafting(plugin_api):
    api = await plugin_api([badges])
    await api.load({"tenants": [ACME]})
    await enable(api, "acme", "badges")
    data = await api.ok("{ gadgets { name ... on Widget { size doubleSize } } }", as_="tech@acme.com")
    assert data["gadgets"] == [{"name": "w1", "size": 3, "doubleSize": 6}]
    data = await api.ok('{ __type(name: "Gadget") { possibleTypes { name } } }', as_="tech@acme.com")
    assert data["__type"]["possibleTypes"] == [{"name": "Widget"}]


async def test_a_clashing_extension_is_left_out_and_reported_while_the_tenant_keeps_working(plugin_api):
    api = await plugin_api([badges, clash])
    await api.load({"tenants": [ACME]})
    await enable(api, "acme", "clash")
    await enable(api, "acme", "badges")
    data = await api.ok("{ viewer { email badgeLetters } }", as_="tech@acme.com")
    assert data["viewer"] == {"email": "tech@acme.com", "badgeLetters": 13}  # never the forged email
    reason = api.state.plugins.failures["clash"]
    assert "Viewer.email already exists" in reason and "ClashViewerExtension" in reason


def test_schemas_are_cached_per_plugin_set_and_do_not_leak_into_each_other():
    registry = load_plugins([badges])
    cache = SchemaCache(registry)
    with_badges = cache.get(frozenset({"badges", "renewals"}))
    without = cache.get(frozenset({"renewals"}))
    assert cache.get(frozenset({"renewals", "badges"})) is with_badges
    assert "badgeLetters" in with_badges.as_str() and "badgeLetters" not in without.as_str()
    # building again after the grafted one still yields a clean core type
    assert "badgeLetters" not in build_schema(registry, frozenset()).as_str()


def test_extension_onto_a_type_absent_from_the_schema_is_skipped():
    @strawberry.type(name="GhostExtension")
    class Ghost:
        @strawberry.field
        def boo(self) -> int:
            return 1

    ghostly = types.ModuleType("ghostly")
    ghostly.MANIFEST = PluginManifest(name="ghostly", title="Ghostly", hook_version=HOOK_VERSION)
    ghostly.cc_graph = hookimpl(lambda: GraphContribution(type_extensions={"Renewalz": [Ghost]}))
    registry = load_plugins([ghostly])
    assert "ghostly" in registry.names
    sdl = build_schema(registry, frozenset({"ghostly"})).as_str()
    assert "boo" not in sdl and "GhostExtension" not in sdl


def test_extension_fields_need_resolvers():
    @strawberry.type(name="PlainExtension")
    class Plain:
        secret: str = "x"

    plain = types.ModuleType("plain")
    plain.MANIFEST = PluginManifest(name="plain", title="Plain", hook_version=HOOK_VERSION)
    plain.cc_graph = hookimpl(lambda: GraphContribution(type_extensions={"Viewer": [Plain]}))
    registry = load_plugins([plain])
    assert "plain" not in registry.names
    assert "field 'secret' of PlainExtension needs a resolver" in registry.failures["plain"]


def test_a_plugin_reusing_a_type_name_is_left_out_of_the_schema_and_reported():
    registry = load_plugins([dup])
    schema = SchemaCache(registry).get(frozenset({"renewals", "dup"}))
    sdl = schema.as_str()
    assert "fakeRenewal" not in sdl and "supportNumber" in sdl  # the built-in Renewal survives
    assert registry.failures["dup"].startswith("dup: schema: ")
    assert "Renewal" in registry.failures["dup"]


def test_two_independently_broken_plugins_are_both_left_out():
    registry = load_plugins([dup, clash, badges])
    schema = SchemaCache(registry).get(frozenset({"renewals", "dup", "clash", "badges"}))
    sdl = schema.as_str()
    assert "badgeLetters" in sdl and "supportNumber" in sdl and "fakeRenewal" not in sdl
    assert {"dup", "clash"} <= set(registry.failures) and "badges" not in registry.failures
