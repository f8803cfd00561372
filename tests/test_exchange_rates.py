"""Every currency and the dated exchange-rate table (R-T4, R-I16, R-W10; issue 17), through the graph:
the staff mutation and who may use it, the exchangeRates import section, the rate of the
transaction's date (the latest on or before it), a missing rate as a typed error, and PLN and KWD
invoices imported and paid end to end with the card-only threshold at 1,999.99 / 2,000.00 USD."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.exchange import RateTable
from core.money import CURRENCIES, quantize
from tests.invoicing.test_api import INVOICE, PAY, invoice, pay_input

SET = """mutation($c: String!, $d: Date!, $r: Decimal!) {
  setExchangeRate(currency: $c, validFrom: $d, usdPerUnit: $r) { currency validFrom usdPerUnit } }"""
RATE = "query($c: String!, $on: Date!) { exchangeRate(currency: $c, on: $on) { currency validFrom usdPerUnit } }"
IMPORT = "mutation($json: String!) { importData(json: $json) { tenants sections } }"
OPERATOR = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}
BILLING = {"as_": "bs@vendor.example", "staff": ["BILLING_SUPPORT"]}


async def rate_rows(api) -> list[tuple]:
    rows = await api.sql("select currency, valid_from, usd_per_unit from exchange_rates order by currency, valid_from")
    return [(c, str(d), Decimal(str(r))) for c, d, r in rows]


def test_currencies_come_from_babel_with_their_minor_units():
    """Not a hand list: every active ISO 4217 currency (CLDR via Babel), with its own decimals."""
    assert len(CURRENCIES) > 140
    for code in ("PLN", "RON", "CHF", "SAR", "AED", "EGP", "USD", "EUR"):
        assert CURRENCIES[code] == 2, code
    assert CURRENCIES["JPY"] == 0 and CURRENCIES["KWD"] == 3 and CURRENCIES["BHD"] == 3
    assert "DEM" not in CURRENCIES and "HRK" not in CURRENCIES  # no longer legal tender
    assert quantize(Decimal("1.2345"), "KWD") == Decimal("1.235")  # half-up, per currency
    assert quantize(Decimal("1000.5"), "JPY") == Decimal("1001")
    assert quantize(Decimal("12000.005"), "PLN") == Decimal("12000.01")


def test_the_latest_rate_on_or_before_the_day_applies():
    from datetime import date

    table = RateTable([(date(2026, 1, 1), "PLN", Decimal("0.25")), (date(2026, 11, 24), "PLN", Decimal("0.20"))])
    assert table.rate_of("PLN", date(2026, 11, 23)) == (date(2026, 1, 1), Decimal("0.25"))
    assert table.rate_of("PLN", date(2026, 11, 24)) == (date(2026, 11, 24), Decimal("0.20"))
    assert table.rate_of("USD", date(1999, 1, 1)) == (None, Decimal(1))


async def test_staff_set_rates_and_the_rate_of_the_day_applies(two_tenants):
    api = two_tenants
    data = await api.ok(SET, {"c": "pln", "d": "2026-01-01", "r": "0.25"}, **OPERATOR)
    assert data["setExchangeRate"] == {"currency": "PLN", "validFrom": "2026-01-01", "usdPerUnit": "0.25"}
    await api.ok(SET, {"c": "PLN", "d": "2026-11-24", "r": "0.2000"}, **BILLING)
    assert (await api.ok(RATE, {"c": "PLN", "on": "2026-11-23"}, **BILLING))["exchangeRate"] == {
        "currency": "PLN",
        "validFrom": "2026-01-01",
        "usdPerUnit": "0.25",
    }
    assert (await api.ok(RATE, {"c": "PLN", "on": "2027-05-01"}, **OPERATOR))["exchangeRate"]["usdPerUnit"] == "0.2"
    # a second rate of the same day corrects the first
    await api.ok(SET, {"c": "PLN", "d": "2026-11-24", "r": "0.21"}, **OPERATOR)
    assert [r for r in await rate_rows(api) if r[0] == "PLN"] == [
        ("PLN", "2026-01-01", Decimal("0.25")),
        ("PLN", "2026-11-24", Decimal("0.21")),
    ]
    err = await api.error(RATE, {"c": "X" * 5000, "on": "2026-11-23"}, **OPERATOR)
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and len(err["message"]) < 200
    # before the first rate: a typed error, never a guess
    err = await api.error(RATE, {"c": "PLN", "on": "2025-12-31"}, **OPERATOR)
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert err["extensions"]["reason"] == "MISSING_EXCHANGE_RATE"
    assert "No exchange rate of PLN to USD is known for 2025-12-31" in err["message"]


async def test_who_may_set_rates_and_bad_rates_change_nothing(two_tenants):
    api = two_tenants
    before = await rate_rows(api)
    ok = {"c": "KWD", "d": "2026-01-01", "r": "3.25"}
    for who in ("admin@acme.com", "fin@acme.com", "tech@acme.com"):
        assert await api.code(SET, ok, as_=who) == "FORBIDDEN", who
        assert await api.code(RATE, {"c": "EUR", "on": "2026-11-23"}, as_=who) == "FORBIDDEN", who
    assert await api.code(SET, ok, as_="rep@vendor.example", staff=["SALES_REP"]) == "FORBIDDEN"
    assert await api.code(SET, ok, as_=None) in ("UNAUTHENTICATED", "FORBIDDEN")
    for bad in (
        {**ok, "c": "XXX"},
        {**ok, "c": "DEM"},
        {**ok, "c": "USD"},
        {**ok, "r": "0"},
        {**ok, "r": "-3.25"},
        {**ok, "r": "1e12"},
        {**ok, "r": "0.0000000000001"},
        {**ok, "r": "NaN"},
    ):
        body = await api.gql(SET, bad, **OPERATOR)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", (bad, body)
    assert await rate_rows(api) == before


async def test_the_exchange_rates_import_section(two_tenants):
    api = two_tenants
    doc = {
        "exchangeRates": [
            {"currency": "PLN", "validFrom": "2026-01-01", "usdPerUnit": "0.25"},
            {"currency": "KWD", "validFrom": "2026-01-01", "usdPerUnit": 3.25},
            {"currency": "BHD", "validFrom": "2026-06-01", "usdPerUnit": "2.65"},
        ]
    }
    data = await api.ok(IMPORT, {"json": json.dumps(doc)}, **OPERATOR)
    assert data["importData"]["sections"] == {"exchangeRates": 3}
    rows = await rate_rows(api)
    await api.ok(IMPORT, {"json": json.dumps(doc)}, **OPERATOR)  # idempotent
    assert await rate_rows(api) == rows and ("KWD", "2026-01-01", Decimal("3.25")) in rows
    assert (await api.ok(RATE, {"c": "BHD", "on": "2026-06-01"}, **OPERATOR))["exchangeRate"]["usdPerUnit"] == "2.65"
    bad = {
        "exchangeRates": [
            {"currency": "RON", "validFrom": "2026-02-01", "usdPerUnit": "0.22"},
            {"currency": "XXX", "validFrom": "2026-01-01", "usdPerUnit": "1"},
            {"currency": "SAR", "validFrom": "2026-13-01", "usdPerUnit": "0.27"},
            {"currency": "AED", "validFrom": "2026-01-01", "usdPerUnit": "0"},
            {"currency": "USD", "validFrom": "2026-01-01", "usdPerUnit": "1"},
            {"currency": "RON", "validFrom": "2026-02-01", "usdPerUnit": "0.23"},
        ]
    }
    err = await api.error(IMPORT, {"json": json.dumps(bad)}, **OPERATOR)
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    paths = [e.split(":")[0] for e in err["extensions"]["errors"]]
    assert paths == [
        "exchangeRates[1].currency",
        "exchangeRates[2].validFrom",
        "exchangeRates[3].usdPerUnit",
        "exchangeRates[4].currency",
        "exchangeRates[5]",
    ]
    assert await rate_rows(api) == rows  # RON (valid) was not written either


async def _rates(api, *rows: tuple[str, str, str]) -> None:
    doc = {"exchangeRates": [{"currency": c, "validFrom": d, "usdPerUnit": r} for c, d, r in rows]}
    await api.ok(IMPORT, {"json": json.dumps(doc)}, **OPERATOR)


async def test_a_pln_invoice_imported_and_paid_by_card_with_the_card_only_threshold(two_tenants):
    """PLN at 0.25 USD: 7,999.96 zł is USD 1,999.99 (only a card), 8,000.00 zł is USD 2,000.00 (any)."""
    api = two_tenants
    await _rates(api, ("PLN", "2026-01-01", "0.25"))
    await api.load(
        {
            "invoices": [
                invoice("PL-1", "6503.22", "1496.74", currency="PLN", country="PL"),  # 7,999.96 with 23 % VAT
                invoice("PL-2", "6504.07", "1495.93", currency="PLN", country="PL"),  # 8,000.00
            ]
        }
    )
    one = (await api.ok(INVOICE, {"n": "PL-1"}, as_="fin@acme.com"))["invoice"]
    assert one["currency"] == "PLN" and one["total"]["amount"] == "7999.96"
    err = await api.error(PAY, pay_input("PL-1", method="WIRE"), as_="fin@acme.com")
    assert err["extensions"]["reason"] == "CARD_ONLY"
    await api.ok(PAY, pay_input("PL-2", method="WIRE"), as_="fin@acme.com")  # at the threshold: a wire is fine
    data = await api.ok(PAY, pay_input("PL-1"), as_="fin@acme.com")
    payment = data["payInvoices"]["payment"]
    assert payment["status"] == "SUCCEEDED" and payment["amount"] == {"amount": "7999.96", "currency": "PLN"}
    assert data["payInvoices"]["invoices"] == [
        {"number": "PL-1", "status": "CLOSED", "balance": {"amount": "0.00"}, "pendingAmount": {"amount": "0.00"}}
    ]


async def test_a_kwd_invoice_keeps_its_three_decimals_end_to_end(two_tenants):
    """KWD at 3.25 USD: KWD 615.382 is USD 1,999.9915 (only a card), KWD 615.385 is USD 2,000.00125."""
    api = two_tenants
    await _rates(api, ("KWD", "2026-01-01", "3.25"))
    await api.load(
        {
            "invoices": [
                invoice("KW-1", "615.382", "0.000", currency="KWD", country="KW"),
                invoice("KW-2", "615.385", "0.000", currency="KWD", country="KW"),
            ]
        }
    )
    one = (await api.ok(INVOICE, {"n": "KW-1"}, as_="fin@acme.com"))["invoice"]
    assert one["total"] == {"amount": "615.382"} and one["lines"][0]["preTaxAmount"] == {"amount": "615.382"}
    assert str((await api.sql("select total from invoicing_invoices where number = 'KW-1'"))[0][0]) == "615.382"
    assert (await api.error(PAY, pay_input("KW-1", method="WIRE"), as_="fin@acme.com"))["extensions"][
        "reason"
    ] == "CARD_ONLY"
    await api.ok(PAY, pay_input("KW-2", method="WIRE"), as_="fin@acme.com")
    # a part payment in fils, then the rest
    part = await api.ok(
        PAY, pay_input("KW-1", invoices=[{"invoiceNumber": "KW-1", "amount": "0.005"}]), as_="fin@acme.com"
    )
    assert part["payInvoices"]["invoices"][0]["balance"] == {"amount": "615.377"}
    data = await api.ok(PAY, pay_input("KW-1"), as_="fin@acme.com")
    assert data["payInvoices"]["payment"]["amount"] == {"amount": "615.377", "currency": "KWD"}
    assert data["payInvoices"]["invoices"][0]["status"] == "CLOSED"
    assert data["payInvoices"]["invoices"][0]["balance"] == {"amount": "0.000"}
    err = await api.error(
        PAY, pay_input("KW-2", invoices=[{"invoiceNumber": "KW-2", "amount": "1.0001"}]), as_="fin@acme.com"
    )
    assert err["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_rate_of_the_payment_day_applies_and_a_missing_rate_refuses(two_tenants):
    api = two_tenants
    await _rates(api, ("PLN", "2026-01-01", "0.25"), ("PLN", "2026-11-24", "0.20"))
    await api.load(
        {
            "invoices": [
                invoice("PL-3", "8000.00", currency="PLN", country="PL"),
                invoice("TR-1", "9000.00", currency="TRY", country="RO"),  # a lira invoice to Romania
            ]
        }
    )
    # 8,000.00 zł: USD 2,000.00 on 23 November (a wire is allowed) and USD 1,600.00 from the 24th (card only)
    api.clock.advance(days=1)
    err = await api.error(PAY, pay_input("PL-3", method="WIRE"), as_="fin@acme.com")
    assert err["extensions"]["reason"] == "CARD_ONLY" and "1,600" not in err["message"]
    api.clock.advance(days=-1)
    await api.ok(PAY, pay_input("PL-3", method="WIRE"), as_="fin@acme.com")
    # TRY has no rate at all (the seed has none): refused with the reason, and nothing is paid
    before = await api.sql("select count(*) from invoicing_payments")
    for method in ("WIRE", "CARD"):
        err = await api.error(PAY, pay_input("TR-1", method=method), as_="fin@acme.com")
        assert err["extensions"]["code"] == "BAD_USER_INPUT"
        assert err["extensions"]["reason"] == "MISSING_EXCHANGE_RATE"
        assert "No exchange rate of TRY to USD is known for 2026-11-23" in err["message"]
    assert await api.sql("select count(*) from invoicing_payments") == before
    # once billing staff record it, the same payment goes through
    await api.ok(SET, {"c": "TRY", "d": "2026-11-01", "r": "0.03"}, **BILLING)
    err = await api.error(PAY, pay_input("TR-1", method="WIRE"), as_="fin@acme.com")  # TRY 9,000 is USD 270
    assert err["extensions"]["reason"] == "CARD_ONLY"
    data = await api.ok(PAY, pay_input("TR-1"), as_="fin@acme.com")
    assert data["payInvoices"]["invoices"][0]["status"] == "CLOSED"


@pytest.mark.parametrize(("amount", "eligible"), [("199999.99", True), ("200000.00", False)])
def test_multi_year_limit_at_the_dated_rate(amount, eligible):
    """R-R11: under USD 50,000 a year at the rate of the day (PLN at 0.25: 200,000 zł is 50,000)."""
    from datetime import date

    from plugins.renewals import service as svc

    table = RateTable([(date(2026, 1, 1), "PLN", Decimal("0.25"))])
    lines = [("DATABASE", "SO1")]
    assert svc.multi_year_eligible(Decimal(amount), "PLN", lines, date(2026, 11, 23), rates=table) is eligible
    assert not svc.multi_year_eligible(Decimal(amount), "PLN", lines, date(2025, 12, 31), rates=table)  # no rate


async def test_money_columns_keep_three_decimals_on_postgres(api):
    """The migration widened every Numeric(18, 2) money column to Numeric(19, 3) (KWD, BHD exactly)."""
    if api.backend != "postgres":
        pytest.skip("SQLite keeps a numeric value whatever the declared scale")
    rows = await api.sql(
        "select table_name, column_name, numeric_precision, numeric_scale from information_schema.columns "
        "where table_schema = 'public' and data_type = 'numeric' and numeric_scale = 2"
    )
    assert rows == []
    widened = await api.sql(
        "select count(*) from information_schema.columns where data_type = 'numeric' and numeric_scale = 3 "
        "and numeric_precision = 19 and table_name in ('invoicing_invoices', 'renewal_renewals', 'rewards_lots')"
    )
    assert widened[0][0] >= 5
