"""The one dated exchange-rate table (R-T4): USD thresholds (R-I16 card limits, R-R11 multi-year fee
limit, refund approval) apply to amounts in any currency through the rate valid on the transaction's
date — the latest rate on or before it. Rates are rows of ``exchange_rates`` (``core.models.ExchangeRate``),
filled by the ``exchangeRates`` import section and the staff mutation ``setExchangeRate``; a
missing rate is a typed error (MISSING_EXCHANGE_RATE), never a guess.

``core/data/exchange_rates.csv`` is only a seed: the demo loads it (``seed_rates``) and so do the
tests' template databases; no rule reads the file."""

from __future__ import annotations

import asyncio
import bisect
import csv
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import BadUserInput, Forbidden
from core.hookspecs import ImportSection
from core.i18n import _
from core.importing import Currency, DecimalValue, ImportItem, IsoDate, to_decimal, validate_items
from core.models import ExchangeRate
from core.money import quantize

if TYPE_CHECKING:
    from core.context import Context

RATES_FILE = Path(__file__).resolve().parent / "data" / "exchange_rates.csv"
THRESHOLD_CURRENCY = "USD"  # the currency the SPEC's thresholds are written in: its own rate is 1
SECTION = "exchangeRates"
MAX_RATE = Decimal("1e12")  # usd_per_unit is Numeric(24, 12)
RATE_PLACES = Decimal("1e-12")
_MEMO = "exchange_rates"  # session.info key: the table as read by this session's transaction
_LOCK = "exchange_rates_lock"


def plain(rate: Decimal) -> Decimal:
    """``rate`` without the column's trailing zeros, never in exponent form (1.08, 10, 0.0067)."""
    rate = Decimal(rate)
    return rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize()


class MissingExchangeRate(BadUserInput):
    """No rate of ``currency`` to USD is known for the date asked."""


class RateTable:
    """Rates by currency, each a list of (valid from, USD per unit) in date order."""

    def __init__(self, rows: Iterable[tuple[date, str, Decimal]]) -> None:
        by: dict[str, list[tuple[date, Decimal]]] = {}
        for valid_from, currency, rate in rows:
            if rate <= 0:
                raise ValueError(f"{currency} rate from {valid_from} must be positive")
            by.setdefault(currency.upper(), []).append((valid_from, plain(rate)))
        self._rates = {c: sorted(v) for c, v in by.items()}

    def usd_per_unit(self, currency: str, on: date) -> Decimal:
        code = (currency or "").upper()
        if code == THRESHOLD_CURRENCY:
            return Decimal(1)
        history = self._rates.get(code, [])
        i = bisect.bisect_right(history, (on, Decimal("Infinity")))
        if i == 0:
            raise MissingExchangeRate(
                _(
                    "No exchange rate of {currency} to USD is known for {day}: billing staff must record one "
                    "(setExchangeRate or the exchangeRates import section) before this can proceed",
                    currency=code,
                    day=on.isoformat(),
                ),
                field="currency",
                reason="MISSING_EXCHANGE_RATE",
            )
        return history[i - 1][1]

    def rate_of(self, currency: str, on: date) -> tuple[date | None, Decimal]:
        """The rate that applies ``on`` and the day it has applied from (None for USD itself)."""
        code = (currency or "").upper()
        rate = self.usd_per_unit(code, on)
        if code == THRESHOLD_CURRENCY:
            return None, rate
        history = self._rates[code]
        return history[bisect.bisect_right(history, (on, Decimal("Infinity"))) - 1][0], rate

    def to_usd(self, amount: Decimal, currency: str, on: date) -> Decimal:
        return quantize(amount * self.usd_per_unit(currency, on), THRESHOLD_CURRENCY)


def read_rates(path: Path) -> list[tuple[date, str, Decimal]]:
    """The (valid from, currency, USD per unit) rows of a rate CSV (the seed's format)."""
    with path.open(newline="") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        return [
            (date.fromisoformat(r["valid_from"]), r["currency"].strip().upper(), Decimal(r["usd_per_unit"]))
            for r in csv.DictReader(lines)
        ]


_USD_ONLY = RateTable(())  # converts USD only (usd_per_unit answers 1 without a row)


async def rate_table(session: AsyncSession, currencies: Iterable[str] | None = None) -> RateTable:
    """The rate table as this session reads it: one statement, then kept for the session (a page of
    100 renewals asks once, though its resolvers ask together; a rate set in this transaction replaces
    the kept table). ``currencies``: the only ones the caller converts — USD alone needs no rate (its
    rate is 1 by definition), so no statement."""
    if currencies is not None and all((c or "").upper() == THRESHOLD_CURRENCY for c in currencies):
        return _USD_ONLY
    async with session.info.setdefault(_LOCK, asyncio.Lock()):
        table = session.info.get(_MEMO)
        if table is None:
            columns = (ExchangeRate.valid_from, ExchangeRate.currency, ExchangeRate.usd_per_unit)
            table = session.info[_MEMO] = RateTable((await session.execute(select(*columns))).all())
    return table


async def to_usd(session: AsyncSession, amount: Decimal, currency: str, on: date) -> Decimal:
    """``amount`` in USD at the rate valid ``on`` (MissingExchangeRate when none is)."""
    return (await rate_table(session)).to_usd(amount, currency, on)


async def _upsert(
    session: AsyncSession, currency: str, valid_from: date, rate: Decimal, source: str, now: datetime
) -> ExchangeRate:
    """Record a rate; a second rate of the same currency and day corrects the first."""
    row = (
        await session.execute(
            select(ExchangeRate).where(ExchangeRate.currency == currency, ExchangeRate.valid_from == valid_from)
        )
    ).scalar_one_or_none()
    if row is None:
        row = ExchangeRate(currency=currency, valid_from=valid_from)
        session.add(row)
    row.usd_per_unit, row.source, row.recorded_at = rate, source, now
    await session.flush()
    session.info.pop(_MEMO, None)
    return row


def check_rate(value: Any, field: str = "usdPerUnit") -> Decimal:
    """A rate is a positive decimal of at most 12 decimals and under 10^12 USD per unit."""
    rate = to_decimal(value)
    if rate is None or rate <= 0 or rate >= MAX_RATE or rate != rate.quantize(RATE_PLACES):
        raise BadUserInput(
            _("{field} must be a positive decimal number (USD per unit, at most 12 decimals)", field=field),
            field=field,
        )
    return rate


async def seed_rates(session: AsyncSession, now: datetime, path: Path = RATES_FILE) -> int:
    """Load a rate CSV into the table (the demo's and the tests' starting rates)."""
    rows = read_rates(path)
    for valid_from, currency, rate in rows:
        await _upsert(session, currency, valid_from, check_rate(rate), f"seed:{path.name}", now)
    return len(rows)


# ---- the staff mutation ----------------------------------------------------------------------------
async def set_exchange_rate(ctx: Context, currency: str, valid_from: date, usd_per_unit: Any) -> ExchangeRate:
    """Record the USD value of one unit of ``currency`` from ``valid_from`` (a same-day rate is a
    correction). Vendor staff only: operators (vendor configuration) and billing support (who record
    the money received, SPEC §6); no tenant role, even one granted by a tenant's own policy rows."""
    ctx.require("exchange_rate", "manage")
    if not ctx.principal.is_staff:
        raise Forbidden(_("Only vendor staff set exchange rates"), object="exchange_rate", action="manage")
    code = _known_currency(currency)
    if code == THRESHOLD_CURRENCY:
        raise BadUserInput(_("USD is the thresholds' own currency: its rate is always 1"), field="currency")
    return await _upsert(ctx.session, code, valid_from, check_rate(usd_per_unit), ctx.principal.email, ctx.now())


async def exchange_rate_on(ctx: Context, currency: str, on: date) -> tuple[str, date | None, Decimal]:
    """The currency, and the day from which and the rate at which it applies ``on`` (staff who manage
    rates; MissingExchangeRate when none does)."""
    ctx.require("exchange_rate", "manage")
    if not ctx.principal.is_staff:
        raise Forbidden(_("Only vendor staff read the rate table"), object="exchange_rate", action="manage")
    code = _known_currency(currency)
    return (code, *(await rate_table(ctx.session)).rate_of(code, on))


def _known_currency(currency: str) -> str:
    from core.money import CURRENCIES

    code = (currency or "").strip().upper()
    if code not in CURRENCIES:
        raise BadUserInput(
            _("Unknown currency {currency}: give an active ISO 4217 code", currency=code[:10]), field="currency"
        )
    return code


# ---- the import section ----------------------------------------------------------------------------
def _positive_rate(value: Decimal) -> Decimal:
    try:
        return check_rate(value)
    except BadUserInput as exc:
        raise ValueError("a positive decimal number (USD per unit, at most 12 decimals)") from exc


class RateItem(ImportItem):
    currency: Currency
    validFrom: IsoDate  # noqa: N815 - the documented key
    usdPerUnit: Annotated[DecimalValue, AfterValidator(_positive_rate)]  # noqa: N815


def validate_section(items: Any, tenant_keys: set[str]) -> list[str]:
    valid, errors = validate_items(RateItem, items, SECTION)
    seen: set[tuple[str, date]] = set()
    for i, r in valid:
        at = f"{SECTION}[{i}]"
        if r.currency == THRESHOLD_CURRENCY:
            errors.append(f"{at}.currency: USD is the thresholds' own currency (its rate is always 1)")
        if (r.currency, r.validFrom) in seen:
            errors.append(f"{at}: duplicate rate of {r.currency} from {r.validFrom.isoformat()}")
        seen.add((r.currency, r.validFrom))
    return errors


async def apply_section(session: AsyncSession, tenant_ids: dict[str, int], items: list[Any], clock: Any) -> None:
    valid, _ = validate_items(RateItem, items, SECTION)
    for _, r in valid:
        await _upsert(session, r.currency, r.validFrom, r.usdPerUnit, "import", clock.now())


# Applied before every plugin section: an import's invoices and renewals may need its rates.
IMPORT_SECTION = ImportSection(SECTION, validate_section, apply_section, order=10)
