"""A variant of the ``api`` fixture with a plugin that records the domain events it receives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.testing import EventRecorder
from tests.conftest import BACKENDS, Api, make_api


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
