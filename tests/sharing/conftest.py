"""Sharing tests: the shared ``api`` fixture plus a variant with the fake renewals plugin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import ACME, BACKENDS, GLOBEX, Api, make_api
from tests.sharing import fake_renewals


@pytest.fixture(params=BACKENDS)
async def fapi(request: pytest.FixtureRequest, templates: dict[str, Any], smtp_server: Any) -> AsyncIterator[Api]:
    """Acme and Globex with the fake renewals plugin enabled."""
    backend = request.param
    if backend == "postgres" and "postgres" not in templates:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found")
    controller, _ = smtp_server
    api, client = await make_api(backend, templates, controller.port, extra_plugins=[fake_renewals])
    try:
        await api.load({"tenants": [ACME, GLOBEX]})
        yield api
    finally:
        await client.aclose()
        await api.state.engine.dispose()
