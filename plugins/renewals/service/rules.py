"""Renewal rule constants and pure rules (SPEC §2): no database, no context, unit-tested in
tests/renewals/test_rules.py at every threshold."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core import countries
from core.errors import BadUserInput
from core.exchange import MissingExchangeRate, RateTable, rate_table
from core.i18n import _
from core.money import quantize

if TYPE_CHECKING:
    from core.context import Context
    from plugins.renewals.service.inputs import BillingDetails, PurchaseOrderDetails

# --------------------------------------------------------------------------------------------
# Rule constants
# --------------------------------------------------------------------------------------------
OBJECT = "renewal"
#: R-R1/R-R2: a renewal is pending (and its quote-to is reminded) from this many days before support expires.
REMINDER_DAYS = 120
#: R-R8/R-R9: edits (reference, quote-to, billing, payment method, AutoRenew) allowed until this many
#: days before the support start date; with fewer days left the renewal is locked (read-only).
LOCK_DAYS = 32
#: R-R10: an AutoRenew renewal is activated (accepted) this many days before the support start date.
ACTIVATION_DAYS = 30
#: R-R11: multi-year renewals only when the annual support fee is under this amount (USD).
MULTI_YEAR_FEE_LIMIT_USD = Decimal("50000.00")
#: R-R11: families that may renew for several years; DATABASE_ENTERPRISE_MANAGEMENT only with a
#: DATABASE line of the same sales order.
MULTI_YEAR_FAMILIES = frozenset({"DATABASE", "DATABASE_ENTERPRISE_OPTIONS", "DATABASE_ENTERPRISE_MANAGEMENT"})
MULTI_YEAR_NEEDS_DATABASE = "DATABASE_ENTERPRISE_MANAGEMENT"
#: R-R11/R-R12: a multi-year renewal extends the one-year renewal to this many years.
MULTI_YEAR_YEARS = 3
#: R-R11: the "save up to" amount is at most this share of the fees over the multi-year term.
MULTI_YEAR_MAX_SAVING_RATE = Decimal("0.10")
#: R-R12/R-R13: longest multi-year or assistance message.
MAX_MESSAGE_CHARS = 1800
#: R-R18: the standard CSV holds at most this many rows.
MAX_STANDARD_CSV_ROWS = 10_000
PAYMENT_METHODS = ("CARD", "PO", "INVOICE", "POEF")
#: R-R8: AutoRenew renewals pay by invoice unless the customer chose otherwise.
AUTO_RENEW_DEFAULT_METHOD = "INVOICE"
#: Where a request goes when a renewal has no sales rep assigned.
RENEWALS_DESK_EMAIL = "renewals-desk@vendor.example"
SYSTEM_ACTOR = "system@customer-center"
MAX_REFERENCE_CHARS = 200
MAX_NAME_CHARS = 100
MAX_ADDRESS_CHARS = 500
MAX_PHONE_CHARS = 40
MAX_PO_CHARS = 64
MAX_CART_NAME = 100
MAX_CART_ITEMS = 250

# Relation roles (per renewal) passed to the enforcer as extra roles.
OWNER = "OWNER"
SALES_REP = "SALES_REP"  # the staff role whose holders get ASSIGNED_REP on their renewals
ASSIGNED_REP = "ASSIGNED_REP"
GRANT_ROLES = ("PARTICIPANT", "VIEWER")

# Stored statuses.
OPEN = "OPEN"
MULTI_YEAR_PENDING = "MULTI_YEAR_PENDING"
MULTI_YEAR_QUOTED = "MULTI_YEAR_QUOTED"
ACCEPTED = "ACCEPTED"
AUTO_RENEWED = "AUTO_RENEWED"
STATUSES = (OPEN, MULTI_YEAR_PENDING, MULTI_YEAR_QUOTED, ACCEPTED, AUTO_RENEWED)

PENDING, HISTORY, FUTURE = "PENDING", "HISTORY", "FUTURE"
LISTS = (PENDING, HISTORY, FUTURE)


# --------------------------------------------------------------------------------------------
# Pure rules (unit-tested in tests/renewals/test_rules.py)
# --------------------------------------------------------------------------------------------
def days_until_start(start_date: date, today: date) -> int:
    return (start_date - today).days


def line_quantity(quantity: Decimal) -> Decimal:
    """A contract line's quantity as the API and the reports spell it: a whole number without the
    column's six decimals ("10", not "10.000000" — nor "1E+1", which ``normalize`` gives), any other
    as stored ("2.500000"). Its SQL twin: ``sql_line_quantity``."""
    return quantity.quantize(Decimal(1)) if quantity == quantity.to_integral_value() else quantity


def list_of(accepted: bool, start_date: date, today: date) -> str:
    """R-R1: history once accepted; pending inside the reminder window (R-R2); future before it."""
    if accepted:
        return HISTORY
    return PENDING if days_until_start(start_date, today) <= REMINDER_DAYS else FUTURE


def reminder_due(start_date: date, today: date) -> bool:
    """R-R2: the reminder goes out from 120 days before support expires (and not after it expired)."""
    return 0 <= days_until_start(start_date, today) <= REMINDER_DAYS


def is_locked(accepted: bool, start_date: date, today: date) -> bool:
    """R-R9: editable until 32 days before the start date; locked with 31 days or fewer left."""
    return accepted or days_until_start(start_date, today) < LOCK_DAYS


def lock_date(start_date: date) -> date:
    """The first day the renewal is read-only (R-R9)."""
    return start_date - timedelta(days=LOCK_DAYS - 1)


def activation_due(auto_renew: bool, accepted: bool, start_date: date, today: date) -> bool:
    """R-R10: AutoRenew renewals are activated from 30 days before the support start date."""
    return auto_renew and not accepted and days_until_start(start_date, today) <= ACTIVATION_DAYS


def multi_year_eligible(
    amount: Decimal, currency: str, lines: Sequence[tuple[str, str]], on: date, *, rates: RateTable
) -> bool:
    """R-R11. ``lines`` are (product family, sales order number) pairs. Eligible when every line is a
    Database family (Enterprise Management only with a Database line of the same sales order) and the
    annual fee is under USD 50,000 at the rate of ``on``; without a rate it is not eligible."""
    if not lines:
        return False
    try:
        usd = amount * rates.usd_per_unit(currency, on)  # unrounded, as R-I16's thresholds compare
    except MissingExchangeRate:
        return False
    if usd >= MULTI_YEAR_FEE_LIMIT_USD:
        return False
    database_orders = {order for family, order in lines if family == "DATABASE"}
    for family, order in lines:
        if family not in MULTI_YEAR_FAMILIES:
            return False
        if family == MULTI_YEAR_NEEDS_DATABASE and order not in database_orders:
            return False
    return True


def save_up_to(amount: Decimal, currency: str) -> Decimal:
    """R-R11: the most the customer saves over the multi-year term."""
    return quantize(amount * MULTI_YEAR_YEARS * MULTI_YEAR_MAX_SAVING_RATE, currency)


def eligible_for_multi_year(renewal: Any, lines: Sequence[Any], on: date, *, rates: RateTable) -> bool:
    """:func:`multi_year_eligible` of a renewal and its lines (rows or records)."""
    return multi_year_eligible(
        renewal.amount, renewal.currency, [(x.product_family, x.sales_order_number) for x in lines], on, rates=rates
    )


def offers_multi_year_saving(renewal: Any) -> bool:
    """R-R11: the "save up to" flag is for renewals still open for ordering, never for history."""
    return renewal.accepted_at is None


def multi_year_saving(renewal: Any, lines: Sequence[Any], on: date, *, rates: RateTable) -> Decimal | None:
    """R-R11: the "save up to" amount of an open renewal eligible for multi-year; None otherwise."""
    if not offers_multi_year_saving(renewal) or not eligible_for_multi_year(renewal, lines, on, rates=rates):
        return None
    return save_up_to(renewal.amount, renewal.currency)


async def multi_year_eligible_now(ctx: Context, renewal: Any, lines: Sequence[Any]) -> bool:
    """:func:`eligible_for_multi_year` today, at the rate table's rate of today (R-T4)."""
    return eligible_for_multi_year(renewal, lines, ctx.today(), rates=await rate_table(ctx.session))


async def multi_year_saving_now(ctx: Context, renewal: Any, lines: Sequence[Any]) -> Decimal | None:
    """:func:`multi_year_saving` today, at the rate table's rate of today (R-T4)."""
    return multi_year_saving(renewal, lines, ctx.today(), rates=await rate_table(ctx.session))


def shows_multi_year_quote(status: str, amount: Decimal | None) -> bool:
    """R-R12: a renewal has a multi-year quote to show from the request on (its amount once quoted)."""
    return status in (MULTI_YEAR_PENDING, MULTI_YEAR_QUOTED) or amount is not None


def payment_methods_for(country: str) -> tuple[str, ...]:
    """R-R4: which payment methods are offered in the customer's country (core's one country table)."""
    return countries.methods_offered(country)


def check_message(message: str, field_name: str = "message") -> str:
    """R-R12/R-R13: a non-empty message of at most 1,800 characters."""
    text = (message or "").strip()
    if not text:
        raise BadUserInput(_("{field_name} is required", field_name=field_name), field=field_name)
    if len(text) > MAX_MESSAGE_CHARS:
        raise BadUserInput(
            _(
                "{field_name} is {text} characters; at most {MAX_MESSAGE_CHARS} are allowed",
                field_name=field_name,
                text=len(text),
                MAX_MESSAGE_CHARS=MAX_MESSAGE_CHARS,
            ),
            field=field_name,
        )
    return text


def _norm(value: str | None) -> str:
    return re.sub(r"\s+", " ", (value or "").strip()).casefold()


def po_mismatches(billing: BillingDetails, po: PurchaseOrderDetails) -> list[str]:
    """R-R4: with "pay with PO" the billing details on the order must match those on the PO."""
    wrong = []
    if _norm(billing.name) != _norm(po.bill_to_name):
        wrong.append("billToName")
    if _norm(billing.email) != _norm(po.bill_to_email):
        wrong.append("billToEmail")
    if _norm(billing.address) != _norm(po.bill_to_address):
        wrong.append("billToAddress")
    return wrong
