"""RM-1, RM-2, RM-4: the plugin's constants and pure rules (no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from core.sdk import BadUserInput, quantize

PLUGIN = "reseller_margin"
OBJECT = "reseller_margin"  # the Casbin object of every check in this plugin
MAX_DISCOUNT_PERCENT = Decimal("50.00")  # RM-1
PERCENT_PLACES = 2  # RM-1
MAX_SUPPORT_NUMBER_CHARS = 64
ACCEPTED_EVENT = "renewal.accepted"  # emitted by the renewals plugin (docs/writing-a-plugin.md)
STATEMENT_JOB = "reseller_margin.monthly_statement"  # RM-4
STATEMENT_ROLE = "ADMIN"  # RM-4: who at the reseller receives the statement


def parse_percent(value: object) -> Decimal:
    """RM-1: a finite percentage in (0, MAX_DISCOUNT_PERCENT] with at most PERCENT_PLACES decimals."""
    try:
        percent = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise BadUserInput("percent is not a decimal number", field="percent") from exc
    if not percent.is_finite():
        raise BadUserInput("percent must be a finite number", field="percent")
    if percent <= 0 or percent > MAX_DISCOUNT_PERCENT:
        raise BadUserInput(f"percent must be above 0 and at most {MAX_DISCOUNT_PERCENT}", field="percent")
    places = Decimal(1).scaleb(-PERCENT_PLACES)
    if percent != percent.quantize(places):
        raise BadUserInput(f"percent has more than {PERCENT_PLACES} decimal places", field="percent")
    return percent.quantize(places)  # one spelling everywhere ("12.50"), as stored


def margin_of(amount: Decimal, percent: Decimal, currency: str) -> Decimal:
    """RM-2: amount × percent / 100, rounded half-up to the currency's minor unit."""
    return quantize(Decimal(amount) * percent / 100, currency)


def support_number_of(value: str) -> str:
    number = (value or "").strip()
    if not number or len(number) > MAX_SUPPORT_NUMBER_CHARS:
        raise BadUserInput(f"supportNumber: 1 to {MAX_SUPPORT_NUMBER_CHARS} characters", field="supportNumber")
    return number


def previous_month(today: date) -> tuple[datetime, datetime, str]:
    """RM-4: the calendar month before ``today`` as [start, end) UTC datetimes and a YYYY-MM label."""
    end = today.replace(day=1)
    start = (end - timedelta(days=1)).replace(day=1)
    as_dt = lambda d: datetime(d.year, d.month, d.day, tzinfo=UTC)  # noqa: E731
    return as_dt(start), as_dt(end), f"{start.year:04d}-{start.month:02d}"
