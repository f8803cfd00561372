"""Alembic, driven from code: core revisions in ``migrations/versions``, each plugin's in the
folder its ``cc_migrations`` hook returns (its own branch labelled with the plugin name)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"


def plugin_migration_dirs(registry: Any) -> dict[str, Path]:
    dirs: dict[str, Path] = {}
    for name in registry.names:
        impl = getattr(registry.plugin(name), "cc_migrations", None)
        path = impl() if impl else None
        if path:
            dirs[name] = Path(path)
    return dirs


def alembic_config(database_url: str, registry: Any) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    locations = [str(MIGRATIONS / "versions"), *(str(p) for p in plugin_migration_dirs(registry).values())]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["registry"] = registry
    return cfg


def upgrade(database_url: str, registry: Any, revision: str = "heads") -> list[str]:
    """Apply migrations up to ``revision``; returns the revisions applied, each as "id message"
    (empty when the database was up to date)."""
    cfg = alembic_config(database_url, registry)
    applied: list[str] = []
    cfg.attributes["applied"] = applied
    command.upgrade(cfg, revision)
    return applied


def revision(database_url: str, registry: Any, plugin: str | None, message: str) -> None:
    """Autogenerate a revision for core (plugin None) or one plugin, containing only its tables."""
    cfg = alembic_config(database_url, registry)
    cfg.attributes["only_plugin"] = plugin or "core"
    label = plugin or "core"
    folder = MIGRATIONS / "versions" if plugin is None else plugin_migration_dirs(registry)[plugin]
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.glob("*.py")):
        command.revision(cfg, message=message, autogenerate=True, head=f"{label}@head", version_path=str(folder))
    else:
        command.revision(
            cfg,
            message=message,
            autogenerate=True,
            head="base",
            branch_label=label,
            version_path=str(folder),
            depends_on=None if plugin is None else "core@head",
        )


def widen_money_columns(*tables: str) -> None:
    """In a migration: ``tables``' Numeric(18, 2) money columns become Numeric(19, 3) (``core.db.Amount``),
    so 3-decimal currencies (KWD, BHD) are stored exactly, with the same 16 integer digits. SQLite
    keeps a numeric column's value whatever the declared scale (its NUMERIC affinity), so only
    PostgreSQL columns change."""
    import sqlalchemy as sa
    from alembic import op

    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    inspector = sa.inspect(bind)
    for table in tables:
        for column in inspector.get_columns(table):
            kind = column["type"]
            if isinstance(kind, sa.Numeric) and (kind.precision, kind.scale) == (18, 2):
                op.alter_column(
                    table,
                    column["name"],
                    type_=sa.Numeric(19, 3),
                    existing_type=kind,
                    existing_nullable=column["nullable"],
                )


def expected_heads(registry: Any) -> frozenset[str]:
    """The head revisions of core and every installed plugin (what ``upgrade`` would reach)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://", registry)).get_heads())


async def applied_heads(connection: Any) -> frozenset[str]:
    """The revisions the database records (``alembic_version``) through an async connection."""
    from alembic.runtime.migration import MigrationContext

    return frozenset(await connection.run_sync(lambda c: MigrationContext.configure(c).get_current_heads()))
