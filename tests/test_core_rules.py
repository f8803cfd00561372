"""Shared rules that live once in core, with edge cases at every threshold: email parsing (R-A2/R-S3),
calendar arithmetic, the dated exchange-rate table (R-T4) and the payment-method rule (R-R4/R-I16)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.calendar import add_months, add_years
from core.countries import (
    CARD_MAX_TOTAL_USD,
    CARD_ONLY_BELOW_USD,
    cards_accepted,
    check_payment_method,
    methods_offered,
)
from core.emails import normalise_email, parse_email
from core.errors import BadUserInput
from core.exchange import MissingExchangeRate, RateTable
from tests.conftest import SEED_RATES as SEED

DAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Fay.Fin@ACME.com", "fay.fin@acme.com"),
        ("  me+admin@acme.com ", "me+admin@acme.com"),
        ("rep@vendor.example", "rep@vendor.example"),  # reserved test domains are fine without DNS
        ("jan@bücher.de", "jan@xn--bcher-kva.de"),  # compared with tenant domains in ASCII form
        ("a@b", None),  # a single label is no organisation's domain
        ("a..b@acme.com", None),
        ("a b@acme.com", None),
        ("dé@acme.com", None),  # SMTPUTF8 local parts are refused: the outbox may not deliver them
        ("x@[127.0.0.1]", None),
        ("x@localhost", None),
        ("", None),
        (None, None),
        (42, None),
        ("a" * 245 + "@acme.com", None),  # a local part over 64 characters
        ("a" * 64 + "@acme.com", "a" * 64 + "@acme.com"),
    ],
)
def test_parse_email(raw, canonical):
    assert parse_email(raw) == canonical


def test_normalise_email_names_the_field():
    with pytest.raises(BadUserInput) as err:
        normalise_email("nope", field="quoteTo.email")
    assert err.value.extensions["field"] == "quoteTo.email"


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 1, 31), 12, date(2027, 1, 31)),
    ],
)
def test_add_months_clamps_to_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_add_years_from_29_february():
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)


def test_the_rate_of_the_transaction_date_applies():
    table = RateTable([(date(2026, 1, 1), "EUR", Decimal("1.08")), (date(2026, 7, 1), "EUR", Decimal("1.10"))])
    assert table.usd_per_unit("EUR", date(2026, 6, 30)) == Decimal("1.08")
    assert table.usd_per_unit("eur", date(2026, 7, 1)) == Decimal("1.10")  # from its first day
    with pytest.raises(MissingExchangeRate) as err:
        table.usd_per_unit("EUR", date(2025, 12, 31))  # before any rate: never a guess
    assert err.value.code == "BAD_USER_INPUT" and err.value.extensions["reason"] == "MISSING_EXCHANGE_RATE"
    with pytest.raises(MissingExchangeRate):
        table.usd_per_unit("PLN", DAY)
    with pytest.raises(ValueError):
        RateTable([(DAY, "EUR", Decimal("0"))])


def test_the_product_table_has_one_rate_per_currency_for_both_modules():
    assert SEED.to_usd(Decimal("100.00"), "CHF", DAY) == Decimal("112.00")
    assert SEED.to_usd(Decimal("1.00"), "USD", DAY) == Decimal("1.00")  # USD needs no row


def test_one_country_table_for_checkout_and_invoice_payment():
    assert methods_offered("us") == ("CARD", "PO", "INVOICE", "POEF")
    assert cards_accepted("CH") and cards_accepted("JP")
    assert not cards_accepted("IN") and methods_offered("IN") == ("PO", "INVOICE")
    assert methods_offered("ZZ") == methods_offered("*") == ("PO", "INVOICE")
    assert methods_offered(None) == methods_offered("*")


@pytest.mark.parametrize(
    ("method", "country", "total", "currency", "detail"),
    [
        ("CARD", "US", "99999.99", "USD", None),  # R-I16: at the card limit
        ("CARD", "US", "100000.00", "USD", "CARD_LIMIT_EXCEEDED"),
        ("CARD", "DE", "92592.58", "EUR", None),  # 99,999.99 USD at 1.08
        ("CARD", "DE", "92592.60", "EUR", "CARD_LIMIT_EXCEEDED"),  # 100,000.01 USD
        ("CARD", "IN", "10.00", "USD", "CARD_NOT_ACCEPTED"),
        ("PO", "US", "1999.99", "USD", "CARD_ONLY"),  # under 2,000.00 only a card
        ("INVOICE", "US", "1999.99", "USD", "CARD_ONLY"),
        ("WIRE", "US", "1999.99", "USD", "CARD_ONLY"),
        ("PO", "US", "2000.00", "USD", None),  # at the threshold any method
        ("PO", "IN", "10.00", "USD", None),  # no cards there: the card-only rule does not apply
        ("CARD", "US", "1999.99", "USD", None),
        ("PO", "CH", "1785.71", "CHF", "CARD_ONLY"),  # 1,999.99 USD at 1.12
        ("PO", "CH", "1785.72", "CHF", None),  # 2,000.01 USD
    ],
)
def test_payment_method_rule_at_every_threshold(method, country, total, currency, detail):
    if detail is None:
        check_payment_method(method, country, Decimal(total), currency, DAY, rates=SEED)
        return
    with pytest.raises(BadUserInput) as err:
        check_payment_method(method, country, Decimal(total), currency, DAY, field="input.paymentMethod", rates=SEED)
    assert err.value.extensions == {"field": "input.paymentMethod", "reason": detail}


def test_thresholds_are_named_constants():
    assert CARD_MAX_TOTAL_USD == Decimal("99999.99") and CARD_ONLY_BELOW_USD == Decimal("2000.00")


def test_a_currency_without_a_rate_is_a_typed_error_at_payment():
    with pytest.raises(MissingExchangeRate):
        check_payment_method("CARD", "PL", Decimal("10.00"), "TRY", DAY, rates=SEED)


def test_tax_rates_come_from_the_country_table():
    from core.countries import tax_rate

    assert tax_rate("DE") == Decimal("0.19") and tax_rate("us") == Decimal("0.0725")
    assert tax_rate("ZZ") == Decimal("0") and tax_rate(None) == Decimal("0")
