"""SQL twins of the rules a page PostgreSQL writes whole uses (core/compiled.py, issue 21): the
keyset cursor (``core.pagination.sql_cursor`` is ``encode_cursor``), the global id
(``core.ids.sql_global_id`` is ``to_global_id``, base64 lines broken at 76 characters rejoined) and
the invoice status of R-I1 (``sql_status_of`` is ``status_of`` around the due date)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Column, Date, MetaData, Numeric, Table, column, literal, select, values
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.ids import sql_global_id, to_global_id
from core.pagination import encode_cursor, sql_cursor, sql_cursor_fits
from plugins.invoicing.service import sql_status_of, status_of

EXAMPLES = settings(
    max_examples=30, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
IDS = st.integers(min_value=-(2**63), max_value=2**63 - 1)
DAYS = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))


@pytest.fixture(scope="module")
def engine(pg_engine: AsyncEngine) -> AsyncEngine:
    return pg_engine


def test_which_columns_the_sql_cursor_writes() -> None:
    """Non-null integers and dates only: a text's JSON escapes (non-ASCII) and a Decimal's spelling
    are Python's alone."""
    t = Table(
        "t",
        MetaData(),
        Column("id", BigInteger, primary_key=True),
        Column("day", Date, nullable=False),
        Column("maybe", Date, nullable=True),
        Column("amount", Numeric(19, 2), nullable=False),
    )
    assert [sql_cursor_fits(t.c[n]) for n in ("id", "day", "maybe", "amount")] == [True, True, False, False]


@EXAMPLES
@given(rows=st.lists(st.tuples(DAYS, IDS), min_size=1, max_size=20))
async def test_sql_cursor_is_encode_cursor(engine: AsyncEngine, rows: list[tuple[date, int]]) -> None:
    v = values(column("d", Date), column("i", BigInteger), name="v").data(rows)
    async with AsyncSession(engine) as session:
        got = (await session.execute(select(sql_cursor([v.c.d, v.c.i]), sql_cursor([v.c.i])))).all()
    assert [tuple(r) for r in got] == [(encode_cursor([d, i]), encode_cursor([i])) for d, i in rows]


@EXAMPLES
@given(ids=st.lists(IDS, min_size=1, max_size=20), name=st.sampled_from(["Invoice", "InvoiceLine", "R" * 80]))
async def test_sql_global_id_is_to_global_id(engine: AsyncEngine, ids: list[int], name: str) -> None:
    """Also for a type name long enough that PostgreSQL's base64 breaks the line."""
    v = values(column("i", BigInteger), name="v").data([(i,) for i in ids])
    async with AsyncSession(engine) as session:
        got = (await session.execute(select(sql_global_id(name, v.c.i)))).scalars().all()
    assert got == [to_global_id(name, i) for i in ids]


async def test_sql_status_is_status_of_around_the_due_date(engine: AsyncEngine) -> None:
    """R-I1: CLOSED at a zero or negative balance; OVERDUE from the day after the due date."""
    today = date(2026, 11, 23)
    cases = [
        (balance, today + timedelta(days=delta))
        for balance in (Decimal("-0.01"), Decimal("0"), Decimal("0.01"), Decimal("100"))
        for delta in (-1, 0, 1)
    ]
    v = values(column("b", Numeric(19, 3)), column("due", Date), name="v").data(cases)
    async with AsyncSession(engine) as session:
        got = (await session.execute(select(sql_status_of(v.c.b, v.c.due, literal(today, Date))))).scalars().all()
    assert got == [status_of(b, due, today) for b, due in cases]
