"""Alembic migrations build exactly the models' schema on SQLite and PostgreSQL (issue 2)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.db import Base, make_engine
from tests.conftest import fresh_database_url


def _diff(connection) -> list:
    ctx = MigrationContext.configure(connection, opts={"compare_type": False})
    return [d for d in compare_metadata(ctx, Base.metadata) if d[0] != "remove_table" or d[1].name != "alembic_version"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_migrations_match_models(backend, templates):
    if backend not in templates:
        pytest.skip("PostgreSQL binaries not found")
    engine = make_engine(await fresh_database_url(backend, templates))
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    await engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
