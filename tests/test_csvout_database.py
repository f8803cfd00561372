"""Exports written by PostgreSQL (core/csvout.py ``database_csv``, issue 21): every SQL twin of a
Python cell rule gives the same text — ``sql_neutralised`` is ``neutralise`` (the formula-injection
rule), ``sql_quantized_text`` is ``str(quantize())`` — and a whole export through ``COPY`` is, byte
for byte, what ``csv_stream`` writes for the same values: quotes, separators, line breaks, the
transport escapes themselves, NULLs and empty texts, any split of COPY's chunks."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Date, Integer, Numeric, Text, column, select, values
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.types import TypeDecorator

from core import csvout
from core.csvout import (
    BLANKS,
    FORMULA_TRIGGERS,
    FULLWIDTH_TRIGGERS,
    CopyDecoder,
    csv_stream,
    database_csv,
    driver_query,
    neutralise,
    sql_date_cell,
    sql_neutralised,
    sql_text_cell,
)
from core.money import CURRENCIES, quantize, sql_quantized_text

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# PostgreSQL's text holds any character but NUL (and no lone surrogate is UTF-8).
CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
TEXT = st.one_of(
    st.text(CHARS, max_size=12),
    # blanks, then a trigger (or not), then anything: the rule's edges
    st.builds(
        lambda blanks, first, rest: blanks + first + rest,
        st.text(st.sampled_from(BLANKS), max_size=3),
        st.sampled_from((*FORMULA_TRIGGERS, *FULLWIDTH_TRIGGERS, "a", "'", "1")),
        st.text(CHARS, max_size=6),
    ),
    # the CSV's own characters and the COPY escapes' (lead, its pair, the NULL text's "N")
    st.text(st.sampled_from("\",\r\n\x01\x02N=+-@ \t'é€\u3000"), max_size=8),
)
AMOUNTS = st.decimals(min_value=-(10**7), max_value=10**7, places=3)
CURRENCY = st.one_of(st.sampled_from(["JPY", "KWD", "USD", "EUR", "XXX"]), st.sampled_from(sorted(CURRENCIES)))


@pytest.fixture(scope="module")
def engine(pg_engine: AsyncEngine) -> AsyncEngine:
    return pg_engine


def test_blanks_are_every_character_python_strips() -> None:
    """``BLANKS`` (the SQL rule's leading blanks) stops at U+3000: no later character is a blank."""
    assert set(BLANKS) == {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}


@EXAMPLES
@given(texts=st.lists(TEXT, min_size=1, max_size=30))
async def test_sql_neutralised_is_neutralise(engine: AsyncEngine, texts: list[str]) -> None:
    """The formula-injection rule in SQL: the same text as ``neutralise`` (so ``safe_cell``) for
    any text, dangerous first characters after any blanks, full-width triggers, non-ASCII."""
    v = values(column("n", Integer), column("t", Text), name="v").data(list(enumerate(texts)))
    async with AsyncSession(engine) as session:
        got = (await session.execute(select(sql_neutralised(v.c.t)).order_by(v.c.n))).scalars().all()
    assert got == [neutralise(t) for t in texts]


@EXAMPLES
@given(pairs=st.lists(st.tuples(AMOUNTS, CURRENCY), min_size=1, max_size=30))
async def test_sql_quantized_text_is_quantize(engine: AsyncEngine, pairs: list[tuple[Decimal, str]]) -> None:
    """Money in SQL: rounded half-up to the currency's minor units (JPY 0, KWD 3, an unknown code
    2), spelled as ``str(Decimal)`` — negative zero included."""
    v = values(column("n", Integer), column("a", Numeric(19, 3)), column("c", Text), name="v")
    v = v.data([(i, a, c) for i, (a, c) in enumerate(pairs)])
    async with AsyncSession(engine) as session:
        got = (await session.execute(select(sql_quantized_text(v.c.a, v.c.c)).order_by(v.c.n))).scalars().all()
    assert got == [str(quantize(a, c)) for a, c in pairs]


def test_sql_quantized_text_edges() -> None:
    assert [str(quantize(Decimal(a), c)) for a, c in (("-0.004", "USD"), ("0.5", "JPY"), ("1.25", "KWD"))] == [
        "-0.00",
        "1",
        "1.250",
    ]  # the cases the SQL must match (tested above against PostgreSQL)


ROWS = st.lists(
    st.tuples(
        st.one_of(st.none(), TEXT), st.one_of(st.none(), TEXT), AMOUNTS, CURRENCY, st.dates(), st.integers(0, 2**62)
    ),
    min_size=1,
    max_size=20,
)


async def _python_csv(header: list[str], rows: list[tuple[Any, ...]]) -> bytes:
    async def shaped() -> AsyncIterator[list[Any]]:
        for a, b, amount, currency, day, n in rows:
            yield [a, b, quantize(amount, currency), day.isoformat(), n]

    return "".join([chunk async for chunk in csv_stream(header, shaped())]).encode()


@EXAMPLES
@given(rows=ROWS, cuts=st.lists(st.integers(0, 4000), max_size=6))
async def test_database_csv_is_csv_stream_byte_for_byte(
    engine: AsyncEngine, rows: list[tuple[Any, ...]], cuts: list[int]
) -> None:
    """The same values through COPY and through Python's csv: equal bytes (CR LF row ends, quoting
    of commas, quotes and line breaks, empty and NULL cells, neutralised formulas, dates, money,
    integers) — and COPY's bytes cut anywhere into chunks decode to the same."""
    v = values(
        column("n", Integer),
        column("a", Text),
        column("b", Text),
        column("amount", Numeric(19, 3)),
        column("currency", Text),
        column("day", Date),
        column("k", BigInteger),
        name="v",
    ).data([(i, *row) for i, row in enumerate(rows)])
    stmt = select(
        sql_text_cell(v.c.a),
        sql_text_cell(v.c.b),
        sql_quantized_text(v.c.amount, v.c.currency),
        sql_date_cell(v.c.day),
        v.c.k,
    ).order_by(v.c.n)
    header = ["A", '=B, "b"', "Montant €", "Date", "N"]
    expected = await _python_csv(header, rows)
    async with AsyncSession(engine) as session:
        got = b"".join([chunk async for chunk in database_csv(session, header, stmt)])
        sql, args = driver_query(session, stmt)
        driver = (await (await session.connection()).get_raw_connection()).driver_connection
        raw: list[bytes] = []

        async def keep(chunk: bytes) -> None:
            raw.append(bytes(chunk))

        await driver.copy_from_query(sql, *args, output=keep, format="csv", null=csvout._NULL)
    assert got == expected
    whole = b"".join(raw)
    bounds = sorted({0, len(whole), *(c % (len(whole) + 1) for c in cuts)})
    decoder = CopyDecoder()
    decoded = b"".join(decoder.feed(whole[i:j]) for i, j in zip(bounds, bounds[1:], strict=False))
    decoder.end()
    assert expected.endswith(decoded) and len(expected) - len(decoded) == len(expected.split(b"\r\n", 1)[0]) + 2


class _Upper(TypeDecorator):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return value.upper()


async def test_driver_query_binds_values_as_the_orm_would(engine: AsyncEngine) -> None:
    """The statement COPY runs has the values SQLAlchemy would send: a type's bind processing
    applies, to a plain parameter and inside an ``IN`` list."""
    x = column("x", _Upper())
    async with AsyncSession(engine) as session:
        sql, args = driver_query(session, select(x).where(x.in_(["a", "b"]), x == "z"))
    assert " IN ($2::" in sql and args == ["Z", "A", "B"]


def test_a_date_is_written_as_isoformat() -> None:
    """What ``sql_date_cell`` relies on: PostgreSQL's ISO DateStyle spells dates as Python does
    (year zero-padded to four digits); the byte test above covers any date."""
    assert date(9, 1, 2).isoformat() == "0009-01-02"
