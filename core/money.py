"""Money is a Decimal amount with an ISO-4217 currency. Rounding rules live here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import strawberry
from babel.core import get_global
from babel.numbers import get_currency_precision
from sqlalchemy import ColumnElement, Text, case, cast, func, literal_column

from core.errors import BadUserInput
from core.i18n import _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("9999999999999999.99")  # 16 integer digits: money columns are Numeric(19, 3)
STORED_PLACES = 3  # the scale of every money column (core.db.Amount): KWD, BHD, OMR, JOD, TND, LYD


def _active_currencies() -> dict[str, int]:
    """Every currency that is legal tender in some territory with no end date in CLDR (Babel's data),
    with its minor units: the ISO 4217 list as the vendor can bill in it, maintained upstream."""
    territories = get_global("territory_currencies")
    codes = {code for rows in territories.values() for code, _start, end, tender in rows if end is None and tender}
    # A currency with more minor units than a money column stores (CLF, UYW: 4) cannot be kept exactly.
    return {c: p for c in sorted(codes) if (p := get_currency_precision(c)) <= STORED_PLACES}


# Currencies the vendor bills in and their minor units (JPY 0, EUR 2, KWD 3): data from Babel.
CURRENCIES: dict[str, int] = _active_currencies()

# The quantum of each currency's minor unit (0.01, 1 for JPY, 0.001 for KWD).
_MINOR_UNIT = {c: Decimal(1).scaleb(-places) for c, places in CURRENCIES.items()}


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency`` (cents for a currency not billed in, as before)."""
    return _MINOR_UNIT.get(currency, CENT)


def quantize(amount: Decimal, currency: str = "USD") -> Decimal:
    """Round half-up to the currency's minor unit: the one rounding rule of every amount."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def sql_minor_units(currency: ColumnElement[str]) -> ColumnElement[int]:
    """SQL for the places of ``minor_unit(currency)`` (0 for JPY, 3 for KWD, 2 else — an unknown code
    too), the currencies written into the statement's text: constants, not dozens of bound
    parameters (SQLAlchemy's cache key of a statement costs per parameter), and one ``IN`` list per
    number of places, which PostgreSQL hashes (a ``CASE`` per currency took twice the time over a
    100,000-row export)."""
    by_places: dict[int, list[str]] = {}
    for code, places in CURRENCIES.items():
        if places != 2:
            by_places.setdefault(places, []).append(code)
    whens = []
    for places, codes in sorted(by_places.items()):
        assert all(code.isascii() and code.isalpha() for code in codes)  # written as SQL literals
        whens.append((currency.in_([literal_column(f"'{code}'") for code in codes]), literal_column(str(places))))
    return case(*whens, else_=literal_column(str(-CENT.as_tuple().exponent)))  # minor_unit's fallback


def sql_quantized_text(amount: ColumnElement[Decimal], currency: ColumnElement[str]) -> ColumnElement[str]:
    """SQL (PostgreSQL) for ``str(quantize(amount, currency))``, for an export the database writes
    (core/csvout.py): ``round`` is half away from zero, as ROUND_HALF_UP, and keeps the places asked
    for (1.25 in KWD is "1.250", 12000 in JPY "12000"); PostgreSQL has no negative zero, Decimal has
    (-0.004 USD is "-0.00"), so its sign is put back."""
    rounded = func.round(amount, sql_minor_units(currency))
    # The sign's case nested under amount < 0: a non-negative amount (nearly all) is rounded once.
    negative = case((rounded == 0, literal_column("'-'") + cast(rounded, Text)), else_=cast(rounded, Text))
    return case((amount < 0, negative), else_=cast(rounded, Text))


def fits_currency(amount: Decimal, currency: str) -> bool:
    """True when ``amount`` has no more decimals than ``currency``'s minor units (JPY 1000, KWD 1.250)."""
    return currency in _MINOR_UNIT and amount == amount.quantize(_MINOR_UNIT[currency])


def whole_units(amount: Decimal) -> Decimal:
    """Round half-up to whole currency units (display rule of R-I10)."""
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise BadUserInput(
                _("Cannot combine {currency} and {currency2} amounts", currency=self.currency, currency2=other.currency)
            )

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(ZERO, currency)


def parse_amount(value: object, currency: str = "USD", *, allow_zero: bool = False, field: str = "amount") -> Decimal:
    """Validate user-supplied money: a finite, non-negative Decimal with at most the currency's minor units."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise BadUserInput(_("{field} is not a decimal number", field=field), field=field) from exc
    if not amount.is_finite():
        raise BadUserInput(_("{field} must be a finite number", field=field), field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise BadUserInput(_("{field} must be positive", field=field), field=field)
    if amount > MAX_AMOUNT:  # beyond the money columns; quantize would raise InvalidOperation (a 500)
        raise BadUserInput(_("{field} is too large", field=field), field=field)
    places = CURRENCIES.get(currency)
    if places is None:
        raise BadUserInput(_("Unknown currency '{currency}'", currency=currency), field="currency")
    if not fits_currency(amount, currency):
        raise BadUserInput(
            _(
                "{field} has more than {places} decimal places for {currency}",
                field=field,
                places=places,
                currency=currency,
            ),
            field=field,
        )
    return amount


@strawberry.type(name="Money", description="A decimal amount (as a string, never a float) with its currency.")
class MoneyType:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Decimal, currency: str) -> MoneyType:
        if not isinstance(amount, Decimal):
            amount = Decimal(amount)
        return cls(amount=quantize(amount, currency), currency=currency)


@strawberry.input(name="MoneyInput")
class MoneyInput:
    amount: Decimal
    currency: str = "USD"

    def validated(self, *, allow_zero: bool = False) -> Money:
        return Money(parse_amount(self.amount, self.currency, allow_zero=allow_zero), self.currency)
