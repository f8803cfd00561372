"""Maintained counts: how many of a tenant's rows of a table match a condition, kept in
``core_counters`` by database triggers, so a dashboard reads one row instead of counting the
tenant's rows (issue 21).

Triggers, not application code: every write path — the ORM, Core bulk statements, the importer,
``COPY`` in the benchmark, a cascade — changes the counter in the same transaction as the row, and
no service can forget to. A migration declares a counter with :func:`create_counter` (triggers and
backfill) and removes it with :func:`drop_counter`; a read is :func:`counter_value`, a scalar
subquery to put beside the statement's other columns.

A counter is ``(tenant_id, name)``; ``condition`` is SQL over the row written with ``{row}.`` before
each column (``"{row}.balance <= 0"``), evaluated on the new row (insert), the old one (delete) or
both (an update of one of ``columns``). PostgreSQL counts an insert or delete per statement (transition
tables: one counter write per tenant, however many rows a ``COPY`` brings) and an update per row that
changes the condition's outcome; SQLite, which has row triggers only, per row. A row's ``tenant_id``
never changes (R-T1), so an update moves a count within its tenant.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select

from core.models import Counter

TABLE = Counter.__tablename__


def counter_value(name: str, tenant_id: Any) -> ColumnElement[int]:
    """The count as a scalar subquery (0 when the tenant never had a matching row)."""
    found = select(Counter.value).where(Counter.tenant_id == tenant_id, Counter.name == name).scalar_subquery()
    return func.coalesce(found, 0)


def _names(table: str, name: str) -> tuple[str, str]:
    safe = name.replace(".", "_")
    return f"cc_count_{table}_{safe}", f"cc_count_{safe}"


def _upsert(dialect: str, source: str) -> str:
    """Add ``source``'s (tenant_id, delta) rows to the counters, creating missing ones."""
    where = " WHERE true" if dialect == "sqlite" else ""  # SQLite: INSERT … SELECT … ON CONFLICT needs a WHERE
    return (
        f"INSERT INTO {TABLE} (tenant_id, name, value) {source}{where} "
        f"ON CONFLICT (tenant_id, name) DO UPDATE SET value = {TABLE}.value + excluded.value"
    )


def trigger_statements(dialect: str, table: str, name: str, condition: str, columns: Sequence[str]) -> list[str]:
    """DDL creating the triggers that keep counter ``name`` equal to the matching rows of ``table``.
    ``table``, ``name``, ``condition`` and ``columns`` come from migrations, never from input."""
    trigger, function = _names(table, name)
    new, old = condition.format(row="NEW"), condition.format(row="OLD")
    of = ", ".join(columns)
    if dialect == "sqlite":
        is_new, is_old = f"coalesce(({new}), 0)", f"coalesce(({old}), 0)"
        return [
            f"CREATE TRIGGER {trigger}_ins AFTER INSERT ON {table} FOR EACH ROW WHEN {is_new} BEGIN "
            + _upsert(dialect, f"SELECT NEW.tenant_id, '{name}', 1")
            + "; END",
            f"CREATE TRIGGER {trigger}_del AFTER DELETE ON {table} FOR EACH ROW WHEN {is_old} BEGIN "
            f"UPDATE {TABLE} SET value = value - 1 WHERE tenant_id = OLD.tenant_id AND name = '{name}'; END",
            f"CREATE TRIGGER {trigger}_upd AFTER UPDATE OF {of} ON {table} FOR EACH ROW WHEN {is_new} <> {is_old} "
            "BEGIN " + _upsert(dialect, f"SELECT NEW.tenant_id, '{name}', {is_new} - {is_old}") + "; END",
        ]
    rows = condition.format(row="r")
    is_new, is_old = f"coalesce(({new}), false)", f"coalesce(({old}), false)"
    grouped = f"SELECT r.tenant_id, '{name}', count(*) FROM {{rows}} r WHERE {rows} GROUP BY r.tenant_id"
    return [
        f"CREATE FUNCTION {function}_ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        + _upsert(dialect, grouped.format(rows="new_rows"))
        + "; RETURN NULL; END $$",
        # Only an UPDATE: a cascade deleting the tenant deletes its counters too, and must not
        # find one re-created for a tenant that is going.
        f"CREATE FUNCTION {function}_del() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"UPDATE {TABLE} c SET value = c.value - d.n FROM (SELECT r.tenant_id, count(*) AS n FROM old_rows r "
        f"WHERE {rows} GROUP BY r.tenant_id) d WHERE c.tenant_id = d.tenant_id AND c.name = '{name}'; "
        "RETURN NULL; END $$",
        f"CREATE FUNCTION {function}_upd() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        + _upsert(dialect, f"SELECT NEW.tenant_id, '{name}', CASE WHEN {is_new} THEN 1 ELSE -1 END")
        + "; RETURN NULL; END $$",
        f"CREATE TRIGGER {trigger}_ins AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}_ins()",
        f"CREATE TRIGGER {trigger}_del AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}_del()",
        f"CREATE TRIGGER {trigger}_upd AFTER UPDATE OF {of} ON {table} FOR EACH ROW "
        f"WHEN ({is_new} IS DISTINCT FROM {is_old}) EXECUTE FUNCTION {function}_upd()",
    ]


def backfill_statement(table: str, name: str, condition: str) -> str:
    """Set counter ``name`` of every tenant to its count of matching rows now."""
    rows = condition.format(row="r")
    return (
        f"INSERT INTO {TABLE} (tenant_id, name, value) SELECT r.tenant_id, '{name}', count(*) FROM {table} r "
        f"WHERE {rows} GROUP BY r.tenant_id "
        f"ON CONFLICT (tenant_id, name) DO UPDATE SET value = excluded.value"
    )


def create_table(op: Any) -> None:
    """In a migration: ``core_counters`` as the model declares it, unless it exists. Core's revision
    0009 creates it; a plugin's counter migration may run before that one (its branch only depends
    on core's first revision), so it makes sure of it too."""
    Counter.__table__.create(op.get_bind(), checkfirst=True)


def create_counter(op: Any, table: str, name: str, condition: str, columns: Sequence[str]) -> None:
    """In a migration: maintain counter ``name`` from now on, backfilled from the rows there are."""
    create_table(op)
    dialect = op.get_bind().dialect.name
    for statement in trigger_statements(dialect, table, name, condition, columns):
        op.execute(statement)
    op.execute(backfill_statement(table, name, condition))


def drop_counter(op: Any, table: str, name: str) -> None:
    """In a migration's downgrade: stop maintaining counter ``name`` and forget its values."""
    dialect = op.get_bind().dialect.name
    trigger, function = _names(table, name)
    for kind in ("ins", "del", "upd"):
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}_{kind}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}_{kind} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {function}_{kind}()")
    op.execute(f"DELETE FROM {TABLE} WHERE name = '{name}'")
