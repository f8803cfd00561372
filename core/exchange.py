"""The one dated exchange-rate table (R-T4): USD thresholds (R-I16 card limits, R-R11 multi-year fee
limit) apply to amounts in any currency through the rate valid on the transaction's date. Rates are
data (``core/data/exchange_rates.csv``); a missing rate is a typed error, never a guess."""

from __future__ import annotations

import bisect
import csv
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from core.errors import BadUserInput
from core.money import quantize

RATES_FILE = Path(__file__).resolve().parent / "data" / "exchange_rates.csv"


class MissingExchangeRate(BadUserInput):
    """No rate of ``currency`` to USD is known for the date asked."""


class RateTable:
    """Rates by currency, each a list of (valid from, USD per unit) in date order."""

    def __init__(self, rows: Iterable[tuple[date, str, Decimal]]) -> None:
        by: dict[str, list[tuple[date, Decimal]]] = {}
        for valid_from, currency, rate in rows:
            if rate <= 0:
                raise ValueError(f"{currency} rate from {valid_from} must be positive")
            by.setdefault(currency.upper(), []).append((valid_from, rate))
        self._rates = {c: sorted(v) for c, v in by.items()}

    def usd_per_unit(self, currency: str, on: date) -> Decimal:
        history = self._rates.get((currency or "").upper(), [])
        i = bisect.bisect_right(history, (on, Decimal("Infinity")))
        if i == 0:
            raise MissingExchangeRate(
                f"No exchange rate of {currency} to USD is known for {on.isoformat()}",
                field="currency",
                reason="MISSING_EXCHANGE_RATE",
            )
        return history[i - 1][1]

    def to_usd(self, amount: Decimal, currency: str, on: date) -> Decimal:
        return quantize(amount * self.usd_per_unit(currency, on), "USD")


def read_rates(path: Path) -> RateTable:
    with path.open(newline="") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        return RateTable(
            (date.fromisoformat(r["valid_from"]), r["currency"], Decimal(r["usd_per_unit"]))
            for r in csv.DictReader(lines)
        )


@lru_cache(maxsize=1)
def rates() -> RateTable:
    return read_rates(RATES_FILE)


def to_usd(amount: Decimal, currency: str, on: date) -> Decimal:
    """``amount`` in USD at the rate valid ``on`` (MissingExchangeRate when none is)."""
    return rates().to_usd(amount, currency, on)
