"""A variant of the ``api`` fixture with a plugin that records the domain events it receives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.hookspecs import HOOK_VERSION, PluginManifest, hookimpl
from tests.conftest import BACKENDS, Api, make_api


class EventRecorder:
    """Enabled for every tenant by default; keeps (event, payload) pairs."""

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


@pytest.fixture(params=BACKENDS)
async def rec_api(request: pytest.FixtureRequest, templates: dict[str, Any], smtp_server: Any) -> AsyncIterator[Api]:
    if request.param == "postgres" and "postgres" not in templates:
        pytest.skip("PostgreSQL binaries not found")
    controller, _ = smtp_server
    recorder = EventRecorder()
    api, client = await make_api(request.param, templates, controller.port, extra_plugins=[recorder])
    api.recorder = recorder  # type: ignore[attr-defined]
    try:
        yield api
    finally:
        await client.aclose()
        await api.state.engine.dispose()
