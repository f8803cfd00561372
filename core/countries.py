"""The one country table: which payment methods are offered where (R-R4 at checkout, R-I16 when paying
invoices) and the tax rate of its invoices (R-I21), kept as data in ``core/data/countries.csv``; and
the R-I16 rule that decides a method for a transaction, used by renewal checkout and invoice payment."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from core.errors import BadUserInput
from core.exchange import RateTable
from core.i18n import LazyText, _

COUNTRIES_FILE = Path(__file__).resolve().parent / "data" / "countries.csv"
OTHER_COUNTRIES = "*"
CARD = "CARD"
CARD_MAX_TOTAL_USD = Decimal("99999.99")  # R-I16: a card pays a transaction of at most this (net + tax)
CARD_ONLY_BELOW_USD = Decimal("2000.00")  # R-I16: below this, where cards are accepted, only a card


@dataclass(frozen=True)
class Country:
    methods: tuple[str, ...]
    tax_rate: Decimal


@lru_cache(maxsize=1)
def _countries() -> dict[str, Country]:
    with COUNTRIES_FILE.open(newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        table = {
            r["country"].strip().upper(): Country(tuple(r["methods"].split()), Decimal(r["tax_rate"])) for r in rows
        }
    if OTHER_COUNTRIES not in table:
        raise ValueError(f"{COUNTRIES_FILE} needs a '*' row for every other country")
    return table


def country(code: str | None) -> Country:
    """The row of ``code`` (ISO 3166 alpha-2), or the ``*`` row for a country not listed."""
    table = _countries()
    return table.get((code or "").strip().upper(), table[OTHER_COUNTRIES])


def methods_offered(code: str | None) -> tuple[str, ...]:
    """R-R4: the payment methods offered to a customer in country ``code``."""
    return country(code).methods


def tax_rate(code: str | None) -> Decimal:
    """R-I21: the tax rate of invoices for orders from country ``code``."""
    return country(code).tax_rate


def cards_accepted(code: str | None) -> bool:
    return CARD in methods_offered(code)


def check_payment_method(
    method: str,
    country: str | None,
    total: Decimal,
    currency: str,
    on: date,
    *,
    rates: RateTable,
    field: str = "paymentMethod",
    what: str | LazyText = _("The order"),
) -> None:
    """R-I16 for one transaction of ``total`` (net plus tax) in ``currency`` on ``on``, converted at the
    rate of ``rates`` valid that day (MissingExchangeRate when there is none): a card only
    where cards are accepted and up to USD 99,999.99; where they are accepted, under USD 2,000.00 a
    card is the only method. BAD_USER_INPUT (``field``, ``reason``) otherwise; ``what`` names the
    transaction in the message (an order, an invoice, a payment)."""
    # Unrounded: CHF 1,785.71 is USD 1,999.9952, under the threshold, though it shows as 2,000.00.
    usd = total * rates.usd_per_unit(currency, on)
    if method == CARD:
        if not cards_accepted(country):
            raise BadUserInput(
                _(
                    "Cards are not accepted for orders in {value}; pay by wire transfer",
                    value=country or _("this country"),
                ),
                field=field,
                reason="CARD_NOT_ACCEPTED",
            )
        if usd > CARD_MAX_TOTAL_USD:
            raise BadUserInput(
                _(
                    "{what} totals {currency} {total} incl. tax: card payments are limited to USD "
                    "{CARD_MAX_TOTAL_USD}; pay by wire transfer",
                    what=what,
                    currency=currency,
                    total=total,
                    CARD_MAX_TOTAL_USD=CARD_MAX_TOTAL_USD,
                ),
                field=field,
                reason="CARD_LIMIT_EXCEEDED",
            )
    elif cards_accepted(country) and usd < CARD_ONLY_BELOW_USD:
        raise BadUserInput(
            _(
                "{what} totals {currency} {total}: below USD {CARD_ONLY_BELOW_USD} a card is the only accepted "
                "payment method (orders cannot be combined to reach the threshold)",
                what=what,
                currency=currency,
                total=total,
                CARD_ONLY_BELOW_USD=CARD_ONLY_BELOW_USD,
            ),
            field=field,
            reason="CARD_ONLY",
        )
