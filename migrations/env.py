"""Alembic environment: async engine, all models of all loaded plugins, per-plugin autogenerate."""

from __future__ import annotations

import asyncio
import sys

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from core import models  # noqa: F401  (core tables join the metadata)
from core.db import Base
from core.migrate import include_object as keyed_by_tenant

config = context.config
registry = config.attributes.get("registry")
only_plugin = config.attributes.get("only_plugin")


def _table_owner() -> dict[str, str]:
    owners: dict[str, str] = {}
    packages = {}
    if registry is not None:
        for name in registry.names:
            module = getattr(registry.plugin(name), "__name__", "")
            packages[name] = module.rsplit(".", 1)[0]
    for mapper in Base.registry.mappers:
        module = mapper.class_.__module__
        owner = (
            "core"
            if module.startswith("core.")
            else next((n for n, pkg in packages.items() if module == pkg or module.startswith(pkg + ".")), "unknown")
        )
        for table in mapper.tables:
            owners[table.name] = owner
    return owners


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001, ANN201
    if not keyed_by_tenant(obj, name, type_, reflected, compare_to):
        return False
    if only_plugin is None or type_ != "table":
        return True
    return _table_owner().get(name) == only_plugin


def _record_applied(*, ctx, step, heads, run_args) -> None:  # noqa: ANN001
    """Keep each revision applied, so ``db upgrade`` can say what it did (core.migrate.upgrade)."""
    applied = config.attributes.get("applied")
    if applied is not None and step.is_upgrade:
        applied.append(f"{step.up_revision_id} {step.up_revision.doc}".strip())


def do_run(connection) -> None:  # noqa: ANN001
    context.configure(
        on_version_apply=_record_applied,
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        user_module_prefix="core.db.",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async() -> None:
    engine = create_async_engine(config.get_main_option("sqlalchemy.url"))
    async with engine.connect() as conn:
        await conn.run_sync(do_run)
    await engine.dispose()


if context.is_offline_mode():
    sys.exit("offline mode is not supported")
asyncio.run(run_async())
