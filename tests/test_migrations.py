"""Alembic migrations build exactly the models' schema on SQLite and PostgreSQL (issue 2)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from core.db import Base, make_engine
from core.migrate import include_object
from tests.conftest import fresh_database_url


def _product_metadata() -> MetaData:
    """The tables of core and the built-in plugins: a plugin installed beside them (an example, loaded
    by another test) adds its models to the shared metadata, but not to this database."""
    metadata = MetaData()
    for mapper in Base.registry.mappers:
        if mapper.class_.__module__.startswith(("core.", "plugins.")):
            for table in mapper.tables:
                if table.name not in metadata.tables:
                    table.to_metadata(metadata)
    for table in Base.metadata.tables.values():  # tables without a mapped class
        if table.name not in metadata.tables and not any(table in m.tables for m in Base.registry.mappers):
            table.to_metadata(metadata)
    return metadata


def _diff(connection) -> list:
    ctx = MigrationContext.configure(connection, opts={"compare_type": False, "include_object": include_object})
    found = compare_metadata(ctx, _product_metadata())
    return [d for d in found if d[0] != "remove_table" or d[1].name != "alembic_version"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_migrations_match_models(backend, templates):
    if backend not in templates:
        pytest.skip("PostgreSQL binaries not found")
    engine = make_engine(await fresh_database_url(backend, templates))
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    await engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
