"""Issue 21: a written page computes a value several of its fields need once per row
(``core.compiled_statement.once_per_row``), only where that value reads the page's own row."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, cast, func, literal_column, select, true
from sqlalchemy.dialects import postgresql

from core.compiled_statement import _computed_once, json_value, once_per_row
from core.money import sql_minor_units

metadata = MetaData()
invoices = Table("invoices", metadata, Column("id", Integer), Column("currency", String(3)))
lines = Table("lines", metadata, Column("id", Integer), Column("invoice_id", Integer), Column("currency", String(3)))


def _sql(parts: list, once) -> str:  # type: ignore[no-untyped-def]
    page = select(invoices.c.id, *parts)
    if once is not None:
        page = page.select_from(invoices.join(once, true()))
    return str(page.compile(dialect=postgresql.dialect()))


def test_the_rows_own_value_is_computed_once_for_every_use_inside_a_child_list_too() -> None:
    places = once_per_row(sql_minor_units(invoices.c.currency), "places_currency")
    children = select(func.string_agg(cast(places, Text), ",")).where(lines.c.invoice_id == invoices.c.id)
    part = cast(places, Text).concat(children.scalar_subquery())
    parts, once = _computed_once([part], invoices)
    sql = _sql(parts, once)
    assert sql.count("IN ('AFN'") == 1  # the lateral row's, none at its two uses
    assert sql.count("cc_row.cc_row_places_currency") == 2
    assert "OFFSET 0) AS cc_row ON true" in sql


def test_a_childs_own_value_a_mixed_one_and_a_constant_stay_in_place() -> None:
    own = once_per_row(json_value(lines.c.currency), "json_currency")
    mixed = once_per_row(lines.c.currency.concat(invoices.c.currency), "mixed")
    constant = once_per_row(literal_column("'x'", Text), "constant")
    children = select(func.string_agg(own.concat(mixed).concat(constant), ",")).where(
        lines.c.invoice_id == invoices.c.id
    )
    parts, once = _computed_once([children.scalar_subquery()], invoices)
    assert once is None
    assert "cc_row" not in _sql(parts, once)


def test_a_statement_without_a_marked_value_is_unchanged() -> None:
    part = cast(invoices.c.currency, Text)
    parts, once = _computed_once([part], invoices)
    assert once is None and parts == [part]
