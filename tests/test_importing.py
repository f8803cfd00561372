"""core.importing: one set of pydantic field types for every import section, errors naming the path."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from core.importing import Amount, Currency, Email, ImportItem, IsoDate, validate_items


class Line(ImportItem):
    product: str
    amount: Amount


class Item(ImportItem):
    tenant: str
    supportNumber: str = Field(max_length=8)  # noqa: N815 - the documented camelCase key
    startDate: IsoDate  # noqa: N815
    currency: Currency
    amount: Amount
    quoteTo: Email  # noqa: N815
    lines: list[Line] = []


GOOD = {
    "tenant": "acme",
    "supportNumber": "SN-1",
    "startDate": "2026-12-01",
    "currency": "USD",
    "amount": "12.50",
    "quoteTo": "Tech@Acme.com",
    "lines": [{"product": "DB", "amount": 3}],
}


def test_a_valid_item_is_read_with_canonical_values():
    valid, errors = validate_items(Item, [GOOD], "renewals")
    assert errors == []
    ((i, item),) = valid
    assert i == 0 and item.amount == Decimal("12.50") and item.startDate == date(2026, 12, 1)
    assert item.quoteTo == "tech@acme.com" and item.lines[0].amount == Decimal(3)


def test_every_fault_names_its_path():
    bad = {
        **GOOD,
        "amount": "twelve",
        "startDate": "2026-13-01",
        "currency": "XXX",
        "quoteTo": "nope",
        "supportNumber": "TOO-LONG-NUMBER",
        "colour": "red",
        "lines": [{"product": "DB", "amount": "-1"}, {"amount": "NaN"}],
    }
    del bad["tenant"]
    valid, errors = validate_items(Item, [GOOD, bad, 7], "renewals")
    assert [i for i, _ in valid] == [0]
    assert errors == [
        "renewals[1].tenant: required",
        "renewals[1].supportNumber: String should have at most 8 characters",
        "renewals[1].startDate: an ISO date (YYYY-MM-DD)",
        "renewals[1].currency: " + __import__("core.importing").importing.CURRENCY_HINT + ", not 'XXX'",
        'renewals[1].amount: not a decimal amount (give a string such as "1234.50")',
        "renewals[1].quoteTo: not a valid email address",
        "renewals[1].lines[0].amount: must not be negative",
        "renewals[1].lines[1].product: required",
        'renewals[1].lines[1].amount: not a decimal amount (give a string such as "1234.50")',
        "renewals[2]: must be an object",
    ]


def test_section_shape():
    assert validate_items(Item, {"a": 1}, "renewals") == ([], ["renewals: must be a list"])
    assert validate_items(Item, [GOOD] * 3, "renewals", max_items=2)[1] == ["renewals: at most 2 items per document"]
    assert validate_items(Item, [{**GOOD, "amount": True}], "renewals")[1] == [
        'renewals[0].amount: not a decimal amount (give a string such as "1234.50")'
    ]


def test_numbers_are_exact_decimals_whether_strings_json_numbers_or_floats():
    from core.importer import parse_json
    from core.importing import to_decimal

    doc = parse_json('{"tenants": [], "x": 1234.50, "y": 0.1}')
    assert doc["x"] == Decimal("1234.50") and str(doc["y"]) == "0.1"  # as written, never a binary float
    assert to_decimal(0.1) == Decimal("0.1") and to_decimal(12) == Decimal(12) and to_decimal(" 3.5 ") == Decimal("3.5")
    for bad in (True, None, "NaN", "inf", "1e400", [1], "12,50"):
        assert to_decimal(bad) is None, bad
