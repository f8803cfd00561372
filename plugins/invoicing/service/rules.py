"""Invoicing rule constants (SPEC §3) and the helpers every section shares: due dates and status
(R-I1, R-I4), taxes (R-I21), business days, numbering and invoice lookup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import CTE, ColumnElement, String, case, cast, func, literal, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import object_session

from core import countries
from core.db import is_postgres
from core.errors import BadUserInput, NotFound
from core.i18n import _
from core.money import quantize
from plugins.invoicing.models import Invoice, InvoiceCounter

ZERO = Decimal("0.00")

# ---- rule constants ------------------------------------------------------------------------------
PAYMENT_TERMS_DAYS = 30  # R-I4: due = invoice date + 30 days; overdue from day 31
# R-I16's thresholds, the card countries and the exchange rates are core's (one table for checkout
# and invoice payment): core/countries.py, core/exchange.py.
CARD_MAX_TOTAL_USD = countries.CARD_MAX_TOTAL_USD
CARD_ONLY_BELOW_USD = countries.CARD_ONLY_BELOW_USD
WIRE_ARRIVAL_BUSINESS_DAYS = 2  # R-I17: a wire takes about two business days to arrive…
WIRE_CLOSE_BUSINESS_DAYS = 1  # …and one more to close the invoice
WEEKEND = frozenset({5, 6})  # Saturday, Sunday are not business days
PAY_METHODS = ("CARD", "WIRE")  # what a customer can pay with in the portal
RECORD_METHODS = ("WIRE", "CHECK", "CARD")  # what billing support records as received
ORDER_PAYMENT_METHODS = frozenset({"CARD", "PO", "INVOICE", "POEF", "WIRE"})
CATEGORIES = frozenset({"SUPPORT_RENEWAL", "SUBSCRIPTION", "LICENSE", "CLOUD_USAGE", "SERVICES"})
PROGRAMS = frozenset({"TECHNOLOGY", "APPLICATIONS"})
MAX_INVOICES_PER_PAYMENT = 50  # input lists are capped
MAX_REASON_CHARS = 2000
STATUSES = ("OVERDUE", "OPEN", "CLOSED")  # R-I1 (list order: needs attention first)


# ---- helpers -----------------------------------------------------------------------------------
def due_date_for(invoice_date: date) -> date:
    """R-I4: net 30 days from the invoice date."""
    return invoice_date + timedelta(days=PAYMENT_TERMS_DAYS)


def status_of(balance: Decimal, due: date, today: date) -> str:
    """R-I1: CLOSED when paid in full; OVERDUE from the day after the due date (day 31); else OPEN."""
    if balance <= 0:
        return "CLOSED"
    return "OVERDUE" if today > due else "OPEN"


def sql_status_of(balance: ColumnElement[Decimal], due: ColumnElement[date], today: Any) -> ColumnElement[str]:
    """``status_of`` in SQL, for pages the database writes (core/compiled.py)."""
    return case(
        (balance <= 0, literal_column("'CLOSED'")),
        (today > due, literal_column("'OVERDUE'")),
        else_=literal_column("'OPEN'"),
    )


def tax_rate_for(country: str) -> Decimal:
    """R-I21: the rate of the order's country, from core's country table."""
    return countries.tax_rate(country)


def tax_for(pre_tax: Decimal, rate: Decimal, currency: str) -> Decimal:
    return quantize(pre_tax * rate, currency)


def add_business_days(start: date, days: int) -> date:
    d = start
    while days > 0:
        d += timedelta(days=1)
        if d.weekday() not in WEEKEND:
            days -= 1
    return d


def _tenant_id(session: AsyncSession, tenant_id: int | None = None) -> int:
    tid = tenant_id if tenant_id is not None else session.info.get("tenant_id")
    if tid is None:
        raise BadUserInput(_("Choose a tenant first (X-Tenant header) for this operation"))
    return tid


async def next_number(session: AsyncSession, prefix: str, tenant_id: int | None = None) -> str:
    """The tenant's next number for ``prefix`` (INV, PAY, CR, DSP); the counter row is locked."""
    tid = _tenant_id(session, tenant_id)
    # One statement (issue 21): the UPDATE locks the row as SELECT … FOR UPDATE did, and says the value.
    bumped = (
        await session.execute(
            update(InvoiceCounter)
            .where(InvoiceCounter.tenant_id == tid, InvoiceCounter.name == prefix)
            .values(value=InvoiceCounter.value + 1)
            .returning(InvoiceCounter.value)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one_or_none()
    if bumped is None:  # the tenant's first number of this kind
        session.add(InvoiceCounter(tenant_id=tid, name=prefix, value=1))
        bumped = 1
    return number_text(prefix, bumped)


NUMBER_DIGITS = 6  # PAY-000042; more digits once the counter needs them


def number_text(prefix: str, value: int) -> str:
    return f"{prefix}-{value:0{NUMBER_DIGITS}d}"


def next_number_cte(prefix: str, tenant_id: int) -> tuple[CTE, ColumnElement[str]]:
    """PostgreSQL: ``next_number`` as part of a larger statement — the counter row bumped (created
    with 1 the first time, locked until the transaction ends), and the number as SQL, formatted as
    ``number_text`` formats it."""
    t = InvoiceCounter.__table__
    bumped = (
        pg_insert(t)
        .values(tenant_id=tenant_id, name=prefix, value=1)
        .on_conflict_do_update(index_elements=[t.c.tenant_id, t.c.name], set_={"value": t.c.value + 1})
        .returning(t.c.value)
        .cte(f"{prefix.lower()}_number")
    )
    digits = cast(bumped.c.value, String)
    width = func.greatest(NUMBER_DIGITS, func.length(digits))
    return bumped, literal(f"{prefix}-") + func.lpad(digits, width, "0")


def _lock(session: AsyncSession, stmt: Any) -> Any:
    return stmt.with_for_update() if is_postgres(session) else stmt


async def invoice_by_number(session: AsyncSession, number: str, *, lock: bool = False) -> Invoice:
    stmt = select(Invoice).where(Invoice.number == (number or "").strip())
    if lock:
        stmt = _lock(session, stmt)
    inv = (await session.execute(stmt)).scalar_one_or_none()
    if inv is None:
        raise NotFound(_("No invoice '{number}'", number=number), field="invoiceNumber")
    return inv


async def invoices_by_number(
    session: AsyncSession, numbers: Sequence[str], *, lock: bool = False
) -> dict[str, Invoice]:
    """The invoices with those numbers in the session's tenant, by number, in one statement (locked in
    id order, as every path that locks several invoices does); missing ones are absent."""
    stmt = select(Invoice).where(Invoice.number.in_([(n or "").strip() for n in numbers])).order_by(Invoice.id)
    if lock:
        stmt = _lock(session, stmt).execution_options(populate_existing=True)
    return {inv.number: inv for inv in (await session.execute(stmt)).scalars()}


LEDGER_CHANGED = "invoicing.ledger_changed"  # session.info: invoices whose balance moved, by id


def _recompute(inv: Invoice) -> None:
    inv.balance = inv.total - inv.credited_total - inv.applied_total
    # Every balance change passes here: the invoice is remembered for invoice.changed, published with
    # the payment, invoice or dispute that caused it (service/published.py).
    session = object_session(inv)
    if session is not None:
        session.info.setdefault(LEDGER_CHANGED, {})[id(inv)] = inv
    if inv.balance < 0 or inv.applied_total < 0 or inv.credited_total < 0:  # a bug, never user input
        raise AssertionError(f"invoice {inv.number} ledger out of range: balance {inv.balance}")
