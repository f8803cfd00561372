"""Bulk loading through the product's models: rows are built from each model's ``Table`` (every
NOT NULL column filled, defaults as the model declares them) and sent with PostgreSQL ``COPY``.

Used for the large tenant only, where going through the importer's per-row ORM upserts would
take most of the benchmark's time (see docs/performance.md); small tenants use the importer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, String, Table, Text
from sqlalchemy.sql.schema import ColumnDefault

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _filler(col: Any) -> Any:
    t = col.type
    impl = getattr(t, "impl", t)
    if isinstance(impl, Boolean):
        return False
    if isinstance(impl, Numeric):
        return Decimal("0")
    if isinstance(impl, Integer):
        return 0
    if isinstance(impl, DateTime):
        return EPOCH
    if isinstance(impl, Date):
        return EPOCH.date()
    if isinstance(impl, JSON):
        return {}
    if isinstance(impl, (String, Text)):
        return ""
    return None


class TableRows:
    """Column order and per-column defaults of one table, to turn partial dicts into COPY records."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.columns = [c.name for c in table.columns]
        self.defaults: dict[str, Any] = {}
        self.json_columns = {c.name for c in table.columns if isinstance(getattr(c.type, "impl", c.type), JSON)}
        for c in table.columns:
            d = c.default
            if isinstance(d, ColumnDefault) and d.is_scalar:
                self.defaults[c.name] = d.arg
            elif not c.nullable and not c.primary_key:
                self.defaults[c.name] = _filler(c)
            else:
                self.defaults[c.name] = None

    def record(self, row: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for name in self.columns:
            v = row.get(name, self.defaults[name])
            if name in self.json_columns and v is not None:
                v = json.dumps(v)
            out.append(v)
        return tuple(out)


async def copy_rows(conn: asyncpg.Connection, table: Table, rows: Iterable[dict[str, Any]], chunk: int = 20_000) -> int:
    """COPY ``rows`` (dicts with explicit ``id``) into ``table`` in chunks; returns the count."""
    shape = TableRows(table)
    n = 0
    for batch in _chunks((shape.record(r) for r in rows), chunk):
        await conn.copy_records_to_table(table.name, records=batch, columns=shape.columns)
        n += len(batch)
    return n


async def next_id(conn: asyncpg.Connection, table: Table) -> int:
    return int(await conn.fetchval(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table.name}"'))


async def fix_sequence(conn: asyncpg.Connection, table: Table) -> None:
    """After COPY with explicit ids, move the id sequence past them."""
    await conn.execute(
        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
        f'(SELECT COALESCE(MAX(id), 1) FROM "{table.name}"))'
    )


def _chunks(it: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for x in it:
        batch.append(x)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)
