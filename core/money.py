"""Money is a Decimal amount with an ISO-4217 currency. Rounding rules live here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import strawberry

from core.errors import BadUserInput

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("9999999999999999.99")  # the largest Numeric(18, 2) value
# Currencies the vendor bills in; minor units are 2 for all of them (kept as data, not scattered).
CURRENCIES: dict[str, int] = {"USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "AUD": 2, "CHF": 2, "JPY": 0}


# The quantum of each currency's minor unit (0.01, or 1 for JPY); other currencies use cents.
_MINOR_UNIT = {c: Decimal(1).scaleb(-places) for c, places in CURRENCIES.items()}


def quantize(amount: Decimal, currency: str = "USD") -> Decimal:
    """Round half-up to the currency's minor unit."""
    return amount.quantize(_MINOR_UNIT.get(currency, CENT), rounding=ROUND_HALF_UP)


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
            raise BadUserInput(f"Cannot combine {self.currency} and {other.currency} amounts")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(ZERO, currency)


def parse_amount(value: object, currency: str = "USD", *, allow_zero: bool = False, field: str = "amount") -> Decimal:
    """Validate user-supplied money: a finite, non-negative Decimal with at most the currency's minor units."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise BadUserInput(f"{field} is not a decimal number", field=field) from exc
    if not amount.is_finite():
        raise BadUserInput(f"{field} must be a finite number", field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise BadUserInput(f"{field} must be positive", field=field)
    if amount > MAX_AMOUNT:  # beyond Numeric(18, 2); quantize would raise InvalidOperation (a 500)
        raise BadUserInput(f"{field} is too large", field=field)
    places = CURRENCIES.get(currency)
    if places is None:
        raise BadUserInput(f"Unknown currency {currency!r}", field="currency")
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise BadUserInput(f"{field} has more than {places} decimal places for {currency}", field=field)
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
