"""Fixtures for the hardening tests: an app built with chosen settings (limits, flags) on both
backends, and a snapshot of every business table to prove that a refused request changed nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import inspect, select

from core.db import Base
from core.rls import EVERY_TENANT  # the test's own inspection: every tenant (core/rls.py)
from tests.conftest import ACME, BACKENDS, GLOBEX, Api, make_api

# Written on every authenticated request (sign-in bookkeeping, R-A4) and by the audit log itself.
VOLATILE_COLUMNS = {"last_sign_in_at", "previous_sign_in_at", "last_token_iat", "status_changed_at"}
VOLATILE_TABLES = {"audit_log"}


@pytest.fixture(params=BACKENDS)
async def app_with(
    request: pytest.FixtureRequest, templates: dict[str, Any], smtp_server: Any
) -> AsyncIterator[Callable[..., Awaitable[Api]]]:
    """``await app_with(max_query_cost=10, ...)``: Acme and Globex loaded, settings overridden."""
    backend = request.param
    if backend == "postgres" and "postgres" not in templates:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found")
    controller, _ = smtp_server
    made: list[tuple[Api, Any]] = []

    async def make(*, load: bool = True, **settings: Any) -> Api:
        api, client = await make_api(backend, templates, controller.port, **settings)
        made.append((api, client))
        if load:
            await api.load({"tenants": [ACME, GLOBEX]})
        return api

    try:
        yield make
    finally:
        for api, client in made:
            await client.aclose()
            await api.state.engine.dispose()


async def snapshot(api: Api) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but the audit log and sign-in bookkeeping), in key order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with api.state.sessionmaker(info=EVERY_TENANT) as session:
        # The database's tables, not the shared metadata's alone: a test file that loaded the
        # example plugins earlier in this process left their models in it (run order differs per
        # pytest-xdist worker).
        existing = set(await (await session.connection()).run_sync(lambda c: inspect(c).get_table_names()))
        for table in Base.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES or table.name not in existing:
                continue
            cols = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
            stmt = select(*cols).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(r) for r in (await session.execute(stmt)).all()]
    return out


async def audit_rows(api: Api) -> list[tuple[Any, ...]]:
    return await api.sql("select tenant_id, actor, action, outcome, detail, created_at from audit_log order by id")
