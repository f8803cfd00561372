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


# Any text PostgreSQL stores (no NUL), control characters, quotes, backslashes and beyond the BMP included.
TEXTS = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12),
    st.sampled_from(['"', "\\", "\t", "\x1f", "\x7f", "\u0085", "\u2028", "😀", "</script>", "a'b"]),
)


@EXAMPLES
@given(texts=st.lists(TEXTS, min_size=1, max_size=20), number=st.one_of(st.none(), IDS), flag=st.booleans())
async def test_json_written_by_postgresql_is_the_values_json(
    engine: AsyncEngine, texts: list[str | None], number: int | None, flag: bool
) -> None:
    """``json_object`` / ``json_value`` (core/compiled_statement.py): the object PostgreSQL writes
    by concatenation parses back to the values, a text's JSON the same as ``to_json`` writes it."""
    import json

    from sqlalchemy import Boolean, String, Text, cast, func

    from core.compiled_statement import json_object, json_value

    v = values(column("t", String), name="v").data([(t,) for t in texts])
    obj = json_object([("text", v.c.t), ("n", literal(number, BigInteger)), ("flag", literal(flag, Boolean))])
    async with AsyncSession(engine) as session:
        rows = (await session.execute(select(obj, json_value(v.c.t), cast(func.to_json(v.c.t), Text)))).all()
    for text, (written, alone, to_json) in zip(texts, rows, strict=True):
        assert json.loads(written) == {"text": text, "n": number, "flag": flag}
        assert alone == (to_json if text is not None else "null")
