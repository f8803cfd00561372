"""Calendar arithmetic for every rule that counts months or years (R-I7…R-I10 billing periods, R-R11
multi-year terms, R-W5 reward expiry): python-dateutil's, which clamps to the end of a short month
(31 January + 1 month = 28/29 February; 29 February + 1 year = 28 February)."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta


def add_months(day: date, months: int) -> date:
    return day + relativedelta(months=months)


def add_years(day: date, years: int) -> date:
    return day + relativedelta(years=years)
