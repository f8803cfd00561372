"""A broken plugin is refused at load with a message naming it and the problem, and the server runs on
with the others (issue 7): import errors, an incompatible hook spec version, unknown hooks, wrong hook
arguments, an unusable graph contribution or policy file."""

from __future__ import annotations

import textwrap
import types
from pathlib import Path

import pytest

from core.hookspecs import HOOK_VERSION, PluginManifest, hookimpl
from core.plugins import built_in_plugins, load_plugins
from tests.conftest import ACME
from tests.plugins.conftest import enable
from tests.plugins.doubles import bad_args, broken_graph, unknown_hook, wrong_version

VIEWER = "{ viewer { email enabledModules } modules { name enabled } }"


def install_fake_distribution(root: Path, name: str, module_source: str) -> None:
    """What ``pip install`` leaves behind for a plugin package: the module and a dist-info folder
    whose entry_points.txt names it in the ``customer_center.plugins`` group."""
    pkg = root / name
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "plugin.py").write_text(textwrap.dedent(module_source))
    dist = root / f"{name}-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text(f"[customer_center.plugins]\n{name} = {name}.plugin\n")


@pytest.fixture
def broken_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    install_fake_distribution(tmp_path, "cc_broken_import", "import numpyy_does_not_exist  # noqa\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return "cc_broken_import"


def test_each_kind_of_broken_plugin_is_refused_with_a_clear_reason(broken_distribution):
    # Only the product's own entry points and the broken one: plugins installed beside the product
    # (the examples, a reseller's) are not this test's business.
    only = (*built_in_plugins(), broken_distribution)
    registry = load_plugins([wrong_version, unknown_hook, bad_args, broken_graph], only=only)
    failures = registry.failures
    assert failures[broken_distribution] == (
        "cc_broken_import: import failed: ModuleNotFoundError: No module named 'numpyy_does_not_exist'"
    )
    assert failures[wrong_version.__name__].endswith(
        f"built for hook spec version {HOOK_VERSION + 1}, this server provides version {HOOK_VERSION}"
    )
    assert "unknown hook cc_on_events (did you mean cc_on_event?)" in failures[unknown_hook.__name__]
    assert "Argument(s) {'tenant'} are declared in the hookimpl but can not be found" in failures[bad_args.__name__]
    assert "cc_graph() failed: RuntimeError: graph module exploded" in failures[broken_graph.__name__]
    # none of them is half-registered, and every built-in plugin still loaded
    assert registry.names == ["invoicing", "renewals", "rewards", "sharing"]
    assert {p for p in registry.pm.get_plugins() if getattr(p, "MANIFEST", None)} == {
        registry.plugin(n) for n in registry.names
    }


def test_missing_manifest_bad_name_and_bad_policy_rows_are_refused(tmp_path):
    no_manifest = types.ModuleType("no_manifest")
    bad_name = types.ModuleType("bad_name")
    bad_name.MANIFEST = PluginManifest(name="Bad-Name", title="x", hook_version=HOOK_VERSION)
    bad_policy = types.ModuleType("bad_policy")
    bad_policy.MANIFEST = PluginManifest(name="bad_policy", title="x", hook_version=HOOK_VERSION)
    csv = tmp_path / "policy.csv"
    csv.write_text("p, ADMIN, *, thing\n")
    bad_policy.cc_policies = hookimpl(lambda: csv)
    no_folder = types.ModuleType("no_folder")
    no_folder.MANIFEST = PluginManifest(name="no_folder", title="x", hook_version=HOOK_VERSION)
    no_folder.cc_migrations = hookimpl(lambda: tmp_path / "nope")
    registry = load_plugins([no_manifest, bad_name, bad_policy, no_folder])
    assert registry.failures["no_manifest"] == "no_manifest: no MANIFEST = PluginManifest(...) found"
    assert "plugin name 'Bad-Name' must be lower-case" in registry.failures["bad_name"]
    assert "row 1: expected 'p, ROLE, TENANT|*, object, action'" in registry.failures["bad_policy"]
    assert "which is not a folder" in registry.failures["no_folder"]
    assert not {"bad_policy", "no_folder"} & set(registry.names)


def test_unmarked_hook_functions_are_reported_as_warnings():
    forgetful = types.ModuleType("forgetful")
    forgetful.MANIFEST = PluginManifest(name="forgetful", title="x", hook_version=HOOK_VERSION)

    async def cc_on_event(ctx, event, payload):  # noqa: ANN001, ANN202
        return None

    forgetful.cc_on_event = cc_on_event
    registry = load_plugins([forgetful])
    assert "forgetful" in registry.names
    assert registry.warnings["forgetful"] == [
        "forgetful: cc_on_event is not decorated with @hookimpl, so event dispatch ignores it"
    ]


async def test_the_server_keeps_serving_with_broken_plugins_around(plugin_api, broken_distribution):
    only = (*built_in_plugins(), broken_distribution)
    api = await plugin_api([wrong_version, unknown_hook, bad_args, broken_graph], plugins=only)
    await api.load({"tenants": [ACME]})
    data = await api.ok(VIEWER, as_="tech@acme.com")
    assert data["viewer"]["email"] == "tech@acme.com"
    assert {m["name"] for m in data["modules"]} == {"invoicing", "renewals", "rewards", "sharing"}
    # operators cannot enable what did not load
    err = await api.error(
        """mutation { setModuleEnabled(tenantKey: "acme", module: "future", enabled: true) { key } }""",
        as_="op@vendor.example",
        staff=["OPERATOR"],
    )
    assert err["extensions"]["code"] == "NOT_FOUND"
    assert "renewals" in await enable(api, "acme", "renewals")
    assert set(api.state.plugins.failures) >= {broken_distribution, wrong_version.__name__}


async def test_operators_see_plugin_failures_through_the_graph(plugin_api, broken_distribution):
    api = await plugin_api([wrong_version, unknown_hook], plugins=(*built_in_plugins(), broken_distribution))
    await api.load({"tenants": [ACME]})
    query = "{ pluginFailures { source reason } }"
    failures = {
        f["source"]: f["reason"]
        for f in (await api.ok(query, as_="op@vendor.example", staff=["OPERATOR"]))["pluginFailures"]
    }
    assert "import failed: ModuleNotFoundError" in failures[broken_distribution]
    assert "built for hook spec version" in failures[wrong_version.__name__]
    assert "unknown hook cc_on_events" in failures[unknown_hook.__name__]
    assert await api.code(query, as_="admin@acme.com") == "FORBIDDEN"
    assert await api.code(query, as_="rep@vendor.example", staff=["SALES_REP"]) == "FORBIDDEN"
