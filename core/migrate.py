"""Alembic, driven from code: core revisions in ``migrations/versions``, each plugin's in the
folder its ``cc_migrations`` hook returns (its own branch labelled with the plugin name)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def upgrade(database_url: str, registry: Any, revision: str = "heads", *, row_security: bool = True) -> list[str]:
    """Apply migrations up to ``revision``; returns the revisions applied, each as "id message"
    (empty when the database was up to date). ``row_security`` (``CC_ROW_LEVEL_SECURITY``, on by
    default): on PostgreSQL, then (re)apply the row-level security policies and their roles — not
    when it is off, as they would show an ordinary role that connects without setting a scope nothing."""
    cfg = alembic_config(database_url, registry)
    applied: list[str] = []
    cfg.attributes["applied"] = applied
    command.upgrade(cfg, revision)
    if row_security and database_url.startswith("postgresql") and revision == "heads":  # older ones lack columns
        _row_security(database_url)
    return applied


def _row_security(database_url: str) -> None:
    """The migrations' last step on PostgreSQL, as the tables' owner: the row-level security policies
    on every tenant-owned table and the login function (core/rls.py), re-applied on each upgrade so
    tables added since are held too."""
    import asyncio

    from core.db import Base, make_engine
    from core.rls import apply_row_security

    async def apply() -> None:
        engine = make_engine(database_url)
        try:
            await apply_row_security(engine, Base.metadata)
        finally:
            await engine.dispose()

    asyncio.run(apply())


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


def key_by_tenant(
    tables: Sequence[str],
    *,
    uniques: Mapping[str, Sequence[tuple[str, Sequence[str]]]] | None = None,
    ondelete: Mapping[str, tuple[str | None, str | None]] | None = None,
    reverse: bool = False,
) -> None:
    """In a migration: the tenant-owned ``tables`` become keyed by tenant (``core.db.TenantOwned``),
    in place, keeping every row. On PostgreSQL the primary key becomes (tenant_id, id); on SQLite
    ``id`` stays the key (the rowid) and UNIQUE (tenant_id, id) is added. Every foreign key among
    ``tables`` from (x_id) to (id) becomes (tenant_id, x_id) → (tenant_id, id), with the same name
    and ON DELETE action unless ``ondelete`` (foreign key name → (before, after)) changes it; the index on
    tenant_id alone goes (the key's index leads with it); each unique constraint of ``uniques``
    (table → (old name, new columns)) is replaced. Triggers stay. A row pointing at another tenant's row makes the
    migration fail rather than be kept. ``reverse`` undoes all of it (the downgrade)."""
    import sqlalchemy as sa
    from alembic import op

    from core.db import tenant_key_unique_name

    bind = op.get_bind()
    inspector = sa.inspect(bind)
    owned = set(tables)
    uniques = uniques or {}
    ondelete = ondelete or {}
    old_ondelete: dict[str, str | None] = {}

    def references(table: str) -> list[tuple[str, str, str, str | None]]:
        """(name, column, parent, ON DELETE) of the table's foreign keys to the other tables."""
        found = []
        for fk in inspector.get_foreign_keys(table):
            columns, parent = fk["constrained_columns"], fk["referred_table"]
            if parent not in owned or columns == ["tenant_id"]:
                continue
            column = columns[-1]
            action = fk.get("options", {}).get("ondelete")
            found.append((fk["name"], column, parent, action))
        return found

    fks = {table: references(table) for table in tables}
    for table in tables:
        for name, _column, _parent, action in fks[table]:
            old_ondelete[name] = action

    def target_ondelete(name: str) -> str | None:
        if name not in ondelete:
            return old_ondelete[name]
        before, after = ondelete[name]
        return before if reverse else after

    def fk_columns(column: str) -> tuple[list[str], list[str]]:
        return ([column], ["id"]) if reverse else (["tenant_id", column], ["tenant_id", "id"])

    def unique_steps(table: str) -> list[tuple[str, str, list[str]]]:
        """(drop this name, create this name, on these columns)."""
        steps = []
        for old_name, columns in uniques.get(table, ()):
            new_name = "uq_" + "_".join([table, *columns])
            old_columns = [c for c in columns if c != "tenant_id"]
            steps.append((new_name, old_name, old_columns) if reverse else (old_name, new_name, list(columns)))
        return steps

    tenant_index = {table: op.f(f"ix_{table}_tenant_id") for table in tables}
    if bind.dialect.name == "postgresql":
        for table in tables:
            for name, *_ in fks[table]:
                op.drop_constraint(name, table, type_="foreignkey")
        for table in tables:
            key = inspector.get_pk_constraint(table)["name"] or f"pk_{table}"
            op.drop_constraint(key, table, type_="primary")
            op.create_primary_key(key, table, ["id"] if reverse else ["tenant_id", "id"])
            if reverse:
                op.create_index(tenant_index[table], table, ["tenant_id"])
            elif any(ix["name"] == tenant_index[table] for ix in inspector.get_indexes(table)):
                op.drop_index(tenant_index[table], table_name=table)
            for drop, create, columns in unique_steps(table):
                op.drop_constraint(op.f(drop), table, type_="unique")
                op.create_unique_constraint(op.f(create), table, columns)
        for table in tables:
            for name, column, parent, _action in fks[table]:
                local, remote = fk_columns(column)
                op.create_foreign_key(op.f(name), table, parent, local, remote, ondelete=target_ondelete(name))
        return
    triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"
    for table in tables:  # SQLite: each table is rebuilt with its new constraints and its rows copied
        indexes = {ix["name"] for ix in inspector.get_indexes(table)}
        # Dropping the old table drops its triggers (core.counters): made again on the new one.
        kept = bind.execute(sa.text(triggers), {"table": table}).all()
        with op.batch_alter_table(table, recreate="always") as batch:
            for name, *_ in fks[table]:
                batch.drop_constraint(name, type_="foreignkey")
            if reverse:
                batch.drop_constraint(tenant_key_unique_name(table), type_="unique")
                batch.create_index(tenant_index[table], ["tenant_id"])
            else:
                if tenant_index[table] in indexes:
                    batch.drop_index(tenant_index[table])
                batch.create_unique_constraint(op.f(tenant_key_unique_name(table)), ["tenant_id", "id"])
            for drop, create, columns in unique_steps(table):
                batch.drop_constraint(drop, type_="unique")
                batch.create_unique_constraint(op.f(create), columns)
            for name, column, parent, _action in fks[table]:
                local, remote = fk_columns(column)
                batch.create_foreign_key(op.f(name), parent, local, remote, ondelete=target_ondelete(name))
        there = {name for name, _sql in bind.execute(sa.text(triggers), {"table": table})}
        for name, sql in kept:
            if name not in there:
                bind.exec_driver_sql(sql)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's comparison of the database with the models leaves out SQLite's UNIQUE (tenant_id, id):
    the models' primary key (tenant_id, id) is rendered as it there (``core.db._sqlite_tenant_key``)."""
    from core.db import tenant_key_unique_name

    return not (
        type_ == "unique_constraint"
        and reflected
        and compare_to is None
        and name == tenant_key_unique_name(obj.table.name)
    )
