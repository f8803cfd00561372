"""Reads: the lists and lookups behind the invoicing queries (each takes the request context and checks
the caller may view them), the batch reads of the graph's loaders, and reads shared with downloads and
the public API (over a session)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.compiled import PageSource
from core.counters import counter_value
from core.db import as_records, one_of, records
from core.errors import BadUserInput, NotFound
from core.i18n import _
from core.loaders import grouped
from core.pagination import Page, keyset_page
from plugins.invoicing.models import Application, Credit, Dispute, Invoice, InvoiceLine, Payment, Refund, Subscription
from plugins.invoicing.service.rules import STATUSES, invoice_by_number

if TYPE_CHECKING:
    from core.context import Context

#: A page of a list: its rows, page info, total count (lazy: counted only when asked) and cursors.


# ---- reads ---------------------------------------------------------------------------------------
# A literal 0, not a bound parameter: the planner matches a partial index's predicate against the
# statement's text, so "balance > 0" must be written out for ix_invoicing_invoices_unpaid_list to answer
# OPEN / OVERDUE lists and counts from a prepared statement (issue 21).
UNPAID = Invoice.balance > literal_column("0")
#: core_counters' count of the tenant's CLOSED invoices (balance <= 0), kept by triggers.
CLOSED_COUNTER = "invoicing.closed"


def status_filter(stmt: Any, status: str | None, today: date) -> Any:
    """SQL form of :func:`status_of` so lists filter and page in the database."""
    if status is None:
        return stmt
    if status == "CLOSED":
        return stmt.where(Invoice.balance <= 0)
    if status == "OVERDUE":
        return stmt.where(UNPAID, Invoice.due_date < today)
    if status == "OPEN":
        return stmt.where(UNPAID, Invoice.due_date >= today)
    raise BadUserInput(_("status must be one of {names}", names=", ".join(STATUSES)), field="status")


async def paid_by_method(session: AsyncSession, invoice_ids: Sequence[int]) -> dict[int, dict[str, Decimal]]:
    rows = (
        await session.execute(
            select(Application.invoice_id, Application.method, func.sum(Application.amount))
            .where(Application.invoice_id.in_(invoice_ids))
            .group_by(Application.invoice_id, Application.method)
        )
    ).all()
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for invoice_id, method, total in rows:
        amount = Decimal(total or 0)  # the column's type reads the sum back exact (3 decimals)
        if amount != 0:
            out[invoice_id][method] = amount
    return out


async def refunds_for_invoice(session: AsyncSession, inv: Invoice) -> list[tuple[Refund, str]]:
    """Refunds of money that was paid on ``inv``: of credits its payments left over (overpayment) or
    that its dispute freed (R-I19, R-I20), with the credit's number."""
    paid_with = select(Application.payment_id).where(
        Application.invoice_id == inv.id, Application.payment_id.isnot(None)
    )
    disputes = select(Dispute.id).where(Dispute.invoice_id == inv.id)
    rows = (
        await session.execute(
            select(Refund, Credit.number)
            .join(Credit, Credit.id == Refund.credit_id)
            .where(or_(Credit.payment_id.in_(paid_with), Credit.dispute_id.in_(disputes)))
            .order_by(Refund.id)
        )
    ).all()
    return [(r, number) for r, number in rows]


async def invoice_with_lines(session: AsyncSession, number: str) -> Invoice | None:
    """The invoice with that number in the session's tenant, its lines loaded, or None."""
    return (
        await session.execute(
            select(Invoice).where(Invoice.number == (number or "").strip()).options(selectinload(Invoice.lines))
        )
    ).scalar_one_or_none()


# ---- the invoicing queries: who may read what -----------------------------------------------------
def _may_view(ctx: Context, obj: str = "invoice") -> None:
    ctx.require_tenant()
    ctx.require(obj, "view")


async def invoice_page(ctx: Context, status: str | None, *, first: int | None, after: str | None) -> Page:
    """Invoices, newest first, optionally of one status (R-I1), as read-only records."""
    _may_view(ctx)
    stmt = status_filter(records(Invoice), status, ctx.today())
    return await keyset_page(
        ctx.session,
        stmt,
        INVOICE_ORDER,
        first=first,
        after=after,
    )


def invoice_page_source(ctx: Context, status: str | None) -> PageSource:
    """What ``invoice_page`` reads, for the compiled read path (core.compiled): the caller authorized
    exactly as there, then the status filter and the list's order (the statement adds the tenant's)."""
    _may_view(ctx)
    where = status_filter(select(Invoice.id), status, ctx.today()).whereclause
    return PageSource(where=() if where is None else (where,), order=INVOICE_ORDER)


#: The invoice list's order, newest first: the keyset cursor's key (invoice_date, id).
INVOICE_ORDER = ((Invoice.invoice_date, True), (Invoice.id, True))


def download_paths(ctx: Context, status: str | None) -> tuple[str, str]:
    """The invoice list (optionally of one status) and payment history CSVs (R-I2), as routes."""
    _may_view(ctx)
    invoices = f"/invoicing/invoices.csv?status={status}" if status else "/invoicing/invoices.csv"
    return invoices, "/invoicing/payments.csv"


async def invoice_counts(ctx: Context) -> dict[str, int]:
    """How many invoices have each status (R-I1), by status."""
    _may_view(ctx)
    today = ctx.today()
    # One statement: the unpaid ones split by due date from the partial index (index only), and the
    # closed ones from the tenant's maintained counter (migration e6f1a3b8c2d9), not its paid history.
    overdue = func.count().filter(Invoice.due_date < today)
    closed = counter_value(CLOSED_COUNTER, ctx.tenant_id)
    row = (await ctx.session.execute(select(func.count(), overdue, closed).select_from(Invoice).where(UNPAID))).one()
    counts = {"OPEN": int(row[0]) - int(row[1]), "OVERDUE": int(row[1]), "CLOSED": int(row[2])}
    return {s: counts[s] for s in STATUSES}


async def find_invoice(ctx: Context, number: str) -> Invoice:
    """One invoice by its number (R-I2); NOT_FOUND when the tenant has none."""
    _may_view(ctx)
    return await invoice_by_number(ctx.session, number)


async def payment_page(ctx: Context, *, first: int | None, after: str | None) -> Page:
    """Payment history, newest first (R-I2)."""
    _may_view(ctx)
    return await keyset_page(ctx.session, select(Payment), [(Payment.id, True)], first=first, after=after)


async def credit_page(ctx: Context, open_only: bool, *, first: int | None, after: str | None) -> Page:
    """Credits (R-I19), newest first, or those with money left."""
    _may_view(ctx)
    stmt = select(Credit)
    if open_only:
        stmt = stmt.where(Credit.remaining > 0)
    return await keyset_page(ctx.session, stmt, [(Credit.id, True)], first=first, after=after)


async def subscription_page(ctx: Context, *, first: int | None, after: str | None) -> Page:
    """Subscriptions (the plans on the account, R-I14) with their products, oldest first."""
    _may_view(ctx, "billing_profile")
    return await keyset_page(
        ctx.session,
        select(Subscription).options(selectinload(Subscription.products)),
        [(Subscription.id, False)],
        first=first,
        after=after,
    )


async def find_subscription(ctx: Context, number: str) -> Subscription:
    """One subscription by number with its products; NOT_FOUND when the tenant has none."""
    _may_view(ctx, "billing_profile")
    sub = (
        await ctx.session.execute(
            select(Subscription).where(Subscription.number == number).options(selectinload(Subscription.products))
        )
    ).scalar_one_or_none()
    if sub is None:
        raise NotFound(_("No subscription '{number}'", number=number), field="number")
    return sub


async def invoices_by_numbers(ctx: Context, numbers: Sequence[str]) -> list[Invoice]:
    """The invoices of ``numbers`` that exist, in that order (what a payment answers with: the caller
    was authorized for the payment)."""
    rows = {
        i.number: i for i in (await ctx.session.execute(select(Invoice).where(Invoice.number.in_(numbers)))).scalars()
    }
    return [rows[n] for n in numbers if n in rows]


# ---- batch reads of the graph's loaders ---------------------------------------------------------
# Each answers for objects that the query which found them authorized, one statement per batch.
@dataclass(frozen=True)
class AppliedRow:
    """A ledger row of an invoice with the numbers of the payment or credit it moved."""

    application: Application
    payment_number: str | None
    credit_number: str | None


async def lines_for(ctx: Context, invoice_ids: Sequence[int]) -> list[list[Any]]:
    """Each invoice's lines (read-only records, in line order)."""
    session = ctx.session
    rows = as_records(
        await session.execute(
            records(InvoiceLine)
            .where(one_of(session, InvoiceLine.invoice_id, invoice_ids))
            .order_by(InvoiceLine.position, InvoiceLine.id)  # the compiled read path orders so too
        )
    )
    return grouped(rows, invoice_ids, lambda ln: ln.invoice_id)


async def applied_for(ctx: Context, invoice_ids: Sequence[int]) -> list[list[AppliedRow]]:
    """Each invoice's ledger rows (payment history, R-I2), oldest first."""
    rows = (
        await ctx.session.execute(
            select(Application, Payment.number, Credit.number)
            .outerjoin(Payment, Payment.id == Application.payment_id)
            .outerjoin(Credit, Credit.id == Application.credit_id)
            .where(Application.invoice_id.in_(invoice_ids))
            .order_by(Application.id)
        )
    ).all()
    applied = [AppliedRow(app, pnum, cnum) for app, pnum, cnum in rows]
    return grouped(applied, invoice_ids, lambda a: a.application.invoice_id)


async def issued_for(ctx: Context, subscription_ids: Sequence[int]) -> list[dict[str, str]]:
    """Each subscription's schedule invoices issued so far: invoice number by schedule key."""
    rows = (
        await ctx.session.execute(
            select(Invoice.subscription_id, Invoice.source_key, Invoice.number).where(
                Invoice.subscription_id.in_(subscription_ids), Invoice.source == "SCHEDULE"
            )
        )
    ).all()
    by: dict[int, dict[str, str]] = defaultdict(dict)
    for sid, key, num in rows:
        by[sid][key] = num
    return [by[i] for i in subscription_ids]
