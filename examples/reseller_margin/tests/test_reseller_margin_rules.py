"""Pure rules of the example plugin (reseller_margin/service/rules.py), at every
threshold: RM-1 percent range and places, RM-2 rounding, RM-4 previous calendar month."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from core.sdk import BadUserInput


@pytest.fixture(scope="module")
def svc():
    """The example's service module, imported when the tests run (not at collection: its models would
    otherwise join the shared metadata for the whole session)."""
    from reseller_margin import service

    return service


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0.01", Decimal("0.01")), ("50", Decimal("50")), ("50.00", Decimal("50.00")), (" 12.5 ", Decimal("12.5"))],
)
def test_percent_accepted_rm1(svc, raw, expected):
    assert svc.parse_percent(raw) == expected
    assert svc.parse_percent(raw).as_tuple().exponent == -svc.PERCENT_PLACES


@pytest.mark.parametrize("raw", ["0", "0.00", "-0.01", "50.01", "51", "12.345", "abc", "", "NaN", "Infinity"])
def test_percent_refused_rm1(svc, raw):
    with pytest.raises(BadUserInput):
        svc.parse_percent(raw)


def test_max_discount_is_the_named_constant(svc):
    assert svc.parse_percent(svc.MAX_DISCOUNT_PERCENT) == svc.MAX_DISCOUNT_PERCENT
    with pytest.raises(BadUserInput):
        svc.parse_percent(svc.MAX_DISCOUNT_PERCENT + Decimal("0.01"))


@pytest.mark.parametrize(
    ("amount", "percent", "currency", "margin"),
    [
        ("10000.00", "12.5", "USD", "1250.00"),
        ("1999.99", "33.33", "USD", "666.60"),  # 666.596667 → half-up
        ("0.03", "50", "USD", "0.02"),  # 0.015 → 0.02 (half-up, not banker's)
        ("0.01", "0.01", "EUR", "0.00"),
        ("1001", "10", "JPY", "100"),  # 100.1 → whole yen
        ("1005", "10", "JPY", "101"),  # 100.5 → 101
    ],
)
def test_margin_rounding_rm2(svc, amount, percent, currency, margin):
    assert svc.margin_of(Decimal(amount), Decimal(percent), currency) == Decimal(margin)


def test_support_number_length(svc):
    assert svc.support_number_of("  X  ") == "X"
    assert svc.support_number_of("A" * 64) == "A" * 64
    for bad in ("", "   ", "A" * 65):
        with pytest.raises(BadUserInput):
            svc.support_number_of(bad)


@pytest.mark.parametrize(
    ("today", "start", "end", "label"),
    [
        (date(2026, 12, 1), date(2026, 11, 1), date(2026, 12, 1), "2026-11"),
        (date(2026, 11, 30), date(2026, 10, 1), date(2026, 11, 1), "2026-10"),
        (date(2027, 1, 1), date(2026, 12, 1), date(2027, 1, 1), "2026-12"),
        (date(2028, 3, 1), date(2028, 2, 1), date(2028, 3, 1), "2028-02"),
    ],
)
def test_previous_calendar_month_rm4(svc, today, start, end, label):
    midnight = datetime.min.time()
    expected = (datetime.combine(start, midnight, UTC), datetime.combine(end, midnight, UTC), label)
    assert svc.previous_month(today) == expected
