"""Fixtures for plugin tests: the app with extra plugins (test doubles or the example reseller plugin,
loaded from its path), migrated with those plugins' own Alembic branches, and reseller tenants."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from core.db import Base
from core.migrate import upgrade
from core.testing import RESELLER_TENANTS  # noqa: F401 - re-exported for the product's plugin tests
from tests.conftest import BACKENDS, Api, make_api

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DIR = ROOT / "examples" / "reseller_margin"
OPERATOR = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}


def example_plugin() -> Any:
    """The example reseller plugin, imported from its source folder (as an editable install would)."""
    if str(EXAMPLE_DIR) not in sys.path:
        sys.path.insert(0, str(EXAMPLE_DIR))
    import reseller_margin.plugin

    return reseller_margin.plugin


@pytest.fixture(scope="package", autouse=True)
def _forget_example_tables() -> Iterator[None]:
    """Plugins installed beside the built-in ones (the examples) add their models to the shared metadata
    when loaded; take their tables out again so later tests, whose databases have only the built-in
    plugins' tables ("changes nothing" snapshots, migrations match models, row-level security), stay exact."""
    yield
    from importlib.metadata import entry_points

    from core.plugins import ENTRY_POINT_GROUP, built_in_plugins

    others = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)} - set(built_in_plugins())
    prefixes = tuple(f"{name}_" for name in others | {"reseller_margin"})
    for name in [n for n in Base.metadata.tables if n.startswith(prefixes)]:
        Base.metadata.remove(Base.metadata.tables[name])


PluginApiFactory = Callable[..., Any]


@pytest.fixture(params=BACKENDS)
async def plugin_api(request: pytest.FixtureRequest, templates: dict[str, Any], smtp_server: Any) -> AsyncIterator[Any]:
    """``await plugin_api([plugins...])`` → an Api whose server loaded the extra plugins and whose
    database has their migrations applied (on the backend of this parametrisation)."""
    backend = request.param
    if backend == "postgres" and "postgres" not in templates:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found; install the postgresql package")
    controller, _ = smtp_server
    made: list[tuple[Api, Any]] = []

    async def factory(extra_plugins: list[Any], plugins: Sequence[str] | None = None, **settings: Any) -> Api:
        api, client = await make_api(
            backend, templates, controller.port, extra_plugins=extra_plugins, plugins=plugins, **settings
        )
        made.append((api, client))
        await asyncio.to_thread(
            lambda: upgrade(api.owner_url, api.state.plugins, row_security=True)
        )  # as the tables' owner
        return api

    yield factory
    for api, client in made:
        await client.aclose()
        await api.state.engine.dispose()


async def enable(api: Api, tenant: str, module: str, on: bool = True) -> list[str]:
    return await api.enable(tenant, module, on)
