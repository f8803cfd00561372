"""One plugin contract (docs/writing-a-plugin.md "The shape of a plugin"): every built-in plugin has the
same files with the same exported names; its graph modules only translate (they never query the
database) and no plugin reaches into another plugin's internals (only its ``api`` module)."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.hookspecs import GraphContribution, ImportSection, Job

PLUGINS_DIR = Path(__file__).resolve().parents[2] / "plugins"
BUILT_IN = ("renewals", "invoicing", "rewards", "sharing")
REQUIRED = (
    "plugin.py",
    "models.py",
    "api.py",
    "service/__init__.py",
    "graph/__init__.py",
    "graph/types.py",
    "graph/queries.py",
    "graph/mutations.py",
    "policy.csv",
    "migrations",
)
# What each optional module must export when a plugin has it.
EXPORTS = {
    "jobs": ("JOBS",),
    "importer": ("SECTIONS",),
    "downloads": ("ROUTES",),
    "demo": ("add_demo_data",),
    "graph": ("Query", "Mutation", "TYPES"),
    "api": ("EVENTS",),
}
# A module name a plugin may use beside the contract's (a section inside service/ or graph/ is free).
ALLOWED_TOP_LEVEL = (
    {p.split("/")[0].removesuffix(".py") for p in REQUIRED}
    | set(EXPORTS)
    | {
        "__init__",
        "templates",
        "locale",
        "gateway",  # invoicing: the card gateway port
        "exclusions.json",  # rewards: R-W1 regions and sectors, kept as data
        "__pycache__",
    }
)


def modules(plugin: str, under: str = "") -> Iterator[Path]:
    yield from sorted((PLUGINS_DIR / plugin / under).rglob("*.py"))


def imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # "from plugins.x import api" is plugins.x.api
                yield node.lineno, f"{node.module}.{alias.name}"


@pytest.mark.parametrize("plugin", BUILT_IN)
def test_every_plugin_has_the_same_files(plugin):
    root = PLUGINS_DIR / plugin
    missing = [p for p in REQUIRED if not (root / p).exists()]
    assert not missing, f"{plugin} lacks {missing}"
    extra = sorted(p.name for p in root.iterdir() if p.name.removesuffix(".py") not in ALLOWED_TOP_LEVEL)
    assert not extra, f"{plugin} has files outside the contract: {extra}"


@pytest.mark.parametrize("plugin", BUILT_IN)
def test_every_plugin_exports_the_same_names(plugin):
    for module, names in EXPORTS.items():
        if module != "graph" and not (PLUGINS_DIR / plugin / f"{module}.py").exists():
            continue
        mod = importlib.import_module(f"plugins.{plugin}.{module}")
        for name in names:
            assert hasattr(mod, name), f"plugins.{plugin}.{module} does not export {name}"
    if (PLUGINS_DIR / plugin / "jobs.py").exists():
        assert all(isinstance(j, Job) for j in importlib.import_module(f"plugins.{plugin}.jobs").JOBS)
    if (PLUGINS_DIR / plugin / "importer.py").exists():
        sections = importlib.import_module(f"plugins.{plugin}.importer").SECTIONS
        assert sections and all(isinstance(s, ImportSection) for s in sections)
    demo = importlib.import_module(f"plugins.{plugin}.demo").add_demo_data
    assert inspect.iscoroutinefunction(demo)
    assert list(inspect.signature(demo).parameters) == ["session", "tenant_id", "people", "clock"]
    contribution = importlib.import_module(f"plugins.{plugin}.plugin").cc_graph()
    graph = importlib.import_module(f"plugins.{plugin}.graph")
    assert isinstance(contribution, GraphContribution)
    assert list(contribution.query) == [graph.Query] and list(contribution.mutation) == [graph.Mutation]


@pytest.mark.parametrize("plugin", BUILT_IN)
def test_graph_modules_only_translate(plugin):
    """A resolver translates GraphQL to a service call: no SQL, no session, in any graph module."""
    paths = list(modules(plugin, "graph"))
    assert paths, f"{plugin} has no graph package"
    for path in paths:
        tree = ast.parse(path.read_text())
        for line, name in imports(path):
            assert not name.startswith("sqlalchemy"), f"{path}:{line} imports {name}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"session", "execute", "scalars", "sessionmaker"}:
                raise AssertionError(f"{path}:{node.lineno} uses .{node.attr}: the service queries, not the graph")


@pytest.mark.parametrize("plugin", BUILT_IN)
def test_plugin_module_is_wiring_only(plugin):
    path = PLUGINS_DIR / plugin / "plugin.py"
    for line, name in imports(path):
        assert not name.startswith("sqlalchemy"), f"{path}:{line} imports {name}: rules belong in service/"


@pytest.mark.parametrize("plugin", BUILT_IN)
def test_no_plugin_imports_another_plugins_internals(plugin):
    for path in modules(plugin):
        for line, name in imports(path):
            parts = name.split(".")
            if parts[0] != "plugins" or len(parts) < 2 or parts[1] in (plugin, "__init__"):
                continue
            assert len(parts) >= 3 and parts[2] == "api", f"{path}:{line} imports {name}; use plugins.{parts[1]}.api"
