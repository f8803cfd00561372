"""The renewal lists, lookups and batch reads behind them (R-R1, R-R3, R-R21, R-R22)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, and_, case, cast, func, literal, or_, select

from core.compiled import PageSource
from core.context import Context
from core.db import as_records, one_of, record_columns, records
from core.errors import BadUserInput
from core.i18n import _
from core.loaders import by_key
from core.models import ObjectGrant, Tenant
from core.pagination import LazyCount, PageCursors, PageInfo, keyset_page
from plugins.renewals.models import Renewal, RenewalLine, RenewalOrder
from plugins.renewals.service.inputs import RenewalFilters, check_text
from plugins.renewals.service.rules import (
    FUTURE,
    GRANT_ROLES,
    HISTORY,
    LISTS,
    MAX_PO_CHARS,
    OBJECT,
    PENDING,
    REMINDER_DAYS,
    STATUSES,
)
from plugins.renewals.service.visibility import customer_relations, granted_numbers, may_see, visibility


# --------------------------------------------------------------------------------------------
# Lists and lookups (R-R1, R-R3, R-R21, R-R22)
# --------------------------------------------------------------------------------------------
def sql_line_quantity(quantity: ColumnElement[Any]) -> ColumnElement[str]:
    """``line_quantity`` in SQL, as text: a whole quantity as its integer, any other as stored (the
    compiled reads' lines and the detailed report PostgreSQL writes)."""
    return case((quantity == func.trunc(quantity), cast(func.trunc(quantity), Text)), else_=cast(quantity, Text))


def sql_list_of(accepted_at: ColumnElement[Any], start_date: ColumnElement[date], today: date) -> ColumnElement[str]:
    """``list_of`` in SQL (R-R1): the list a renewal is in, by the same cut as ``list_clause``."""
    cut = today + timedelta(days=REMINDER_DAYS)
    return case((accepted_at.is_not(None), HISTORY), (start_date <= cut, PENDING), else_=FUTURE)


def list_clause(list_name: str, today: date) -> ColumnElement[bool]:
    cut = today + timedelta(days=REMINDER_DAYS)
    if list_name == HISTORY:
        return Renewal.accepted_at.is_not(None)
    if list_name == PENDING:
        return and_(Renewal.accepted_at.is_(None), Renewal.start_date <= cut)
    if list_name == FUTURE:
        return and_(Renewal.accepted_at.is_(None), Renewal.start_date > cut)
    raise BadUserInput(
        _("Unknown list '{list_name}'; one of {names}", list_name=list_name, names=", ".join(LISTS)), field="list"
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(ctx: Context, filters: RenewalFilters, action: str = "view") -> Select:
    """The renewals of one list the caller may ``action``, honouring the page filters."""
    stmt = select(Renewal).where(visibility(ctx, action), list_clause(filters.list, ctx.today()))
    if filters.statuses:
        bad = [s for s in filters.statuses if s not in STATUSES]
        if bad:
            raise BadUserInput(_("Unknown status '{value}'", value=bad[0]), field="status")
        stmt = stmt.where(Renewal.status.in_(list(filters.statuses)))
    if filters.start_from and filters.start_to and filters.start_from > filters.start_to:
        raise BadUserInput(_("startFrom is after startTo"), field="startFrom")
    if filters.start_from:
        stmt = stmt.where(Renewal.start_date >= filters.start_from)
    if filters.start_to:
        stmt = stmt.where(Renewal.start_date <= filters.start_to)
    if filters.end_from:
        stmt = stmt.where(Renewal.end_date >= filters.end_from)
    if filters.end_to:
        stmt = stmt.where(Renewal.end_date <= filters.end_to)
    if filters.po_number:
        # R-R21: history can be filtered by PO number.
        stmt = stmt.where(
            func.lower(Renewal.po_number) == check_text(filters.po_number, "poNumber", MAX_PO_CHARS).lower()
        )
    if filters.search:
        term = check_text(filters.search, "search", 100)
        if term:
            like = f"%{_escape_like(term.lower())}%"
            stmt = stmt.where(
                or_(
                    func.lower(Renewal.support_number).like(like, escape="\\"),
                    func.lower(Renewal.customer_reference).like(like, escape="\\"),
                )
            )
    if filters.auto_renew is not None:
        stmt = stmt.where(Renewal.auto_renew.is_(filters.auto_renew))
    return stmt


SORTS = {
    "START_DATE": Renewal.start_date,
    "END_DATE": Renewal.end_date,
    "SUPPORT_NUMBER": Renewal.support_number,
    "AMOUNT": Renewal.amount,
    "CUSTOMER": Renewal.customer,
}


async def renewal_page(
    ctx: Context,
    filters: RenewalFilters,
    *,
    sort: str = "START_DATE",
    descending: bool = False,
    first: int | None = None,
    after: str | None = None,
) -> tuple[list[Any], PageInfo, int | LazyCount, PageCursors]:
    """One page of a list the caller may view (R-R1, R-R21), as read-only records: keyset-paginated on
    the ``sort`` column (a key of ``SORTS``) then the id, which makes the order stable."""
    stmt = filtered(ctx, filters).with_only_columns(*record_columns(Renewal))
    column = SORTS[sort]
    attr = column.key
    return await keyset_page(
        ctx.session,
        stmt,
        [(column, descending), (Renewal.id, descending)],
        first=first,
        after=after,
        key_of=lambda r: (getattr(r, attr), r.id),
    )


def renewal_page_source(ctx: Context, filters: RenewalFilters, *, sort: str, descending: bool) -> PageSource:
    """What ``renewal_page`` reads, for the compiled read path (core.compiled): the list's conditions
    with the caller's relations to each renewal (owner, a grant: ``visibility``, which refuses a caller
    no relation could allow), and its order; the statement adds the tenant's."""
    where = filtered(ctx, filters).whereclause
    return PageSource(where=(where,), order=((SORTS[sort], descending), (Renewal.id, descending)))


async def renewals_by_number(ctx: Context, support_numbers: Sequence[str]) -> list[Renewal]:
    """The renewals with these support numbers that the caller has a relation to, by support number
    (those of an order confirmation, R-R5)."""
    stmt = (
        select(Renewal)
        .where(Renewal.support_number.in_(list(support_numbers)), may_see(ctx))
        .order_by(Renewal.support_number)
    )
    return list((await ctx.session.execute(stmt)).scalars())


async def lines_for(ctx: Context, renewal_ids: Sequence[int]) -> list[list[Any]]:
    """Each renewal's lines, in order, as read-only records."""
    rows = as_records(
        await ctx.session.execute(
            records(RenewalLine)
            .where(one_of(ctx.session, RenewalLine.renewal_id, renewal_ids))
            .order_by(RenewalLine.renewal_id, RenewalLine.line_no, RenewalLine.id)  # as the compiled reads
        )
    )
    by: dict[int, list[Any]] = {i: [] for i in renewal_ids}
    for line in rows:
        by[line.renewal_id].append(line)
    return [by[i] for i in renewal_ids]


async def share_counts(ctx: Context, keys: Sequence[tuple[int, str]]) -> list[int]:
    """Number of people each renewal is shared with (R-S5, R-R19), for (tenant_id, support_number) keys."""
    numbers = sorted({sn for _, sn in keys})
    rows = (
        await ctx.session.execute(
            select(ObjectGrant.tenant_id, ObjectGrant.object_id, func.count())
            .where(ObjectGrant.object_type == OBJECT, ObjectGrant.object_id.in_(numbers))
            .group_by(ObjectGrant.tenant_id, ObjectGrant.object_id)
        )
    ).all()
    counts = {(t, o): n for t, o, n in rows}
    return [counts.get(k, 0) for k in keys]


async def tenants_with_history(ctx: Context, tenant_ids: Sequence[int]) -> list[bool]:
    """R-R4: a tenant that already accepted a renewal is not asked for the TSSA again."""
    rows = set(
        (
            await ctx.session.execute(
                select(Renewal.tenant_id)
                .where(Renewal.tenant_id.in_(list(tenant_ids)), Renewal.accepted_at.is_not(None))
                .distinct()
            )
        ).scalars()
    )
    return [t in rows for t in tenant_ids]


async def tenant_countries(ctx: Context, tenant_ids: Sequence[int]) -> list[str]:
    """Each tenant's country, which decides the payment methods offered (R-R4)."""
    stmt = select(Tenant.id, Tenant.country).where(Tenant.id.in_(list(tenant_ids)))
    rows = dict((await ctx.session.execute(stmt)).all())
    return [rows.get(t, "US") for t in tenant_ids]


async def dashboard_counts(ctx: Context) -> dict[str, int]:
    """R-R22: renewal counts per list, and how many are shared with the caller, in one statement.

    Answered without reading the tenant's history (issue 21): pending and future from the open
    renewals' partial index; a customer's history as the accepted renewals they are quoted to (the
    accepted ones' partial index) plus those shared with them that they are not quoted to (from
    their grants), which is the OR of the visibility clause counted once; shared from their grants."""
    today = ctx.today()
    p = ctx.principal

    def count_if(clause: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((clause, 1), else_=0)), 0)

    def count_of(*where: ColumnElement[bool]) -> Any:
        # Its own scan, not correlated with the statement's renewals.
        return select(func.count()).select_from(Renewal).where(*where).correlate(None).scalar_subquery()

    if p.is_staff:  # a sales rep's assigned renewals, any list: no grants, nothing shared
        history: Any = count_if(list_clause(HISTORY, today))
        shared: Any = literal(0)
        where = [visibility(ctx)]
    else:
        seen = visibility(ctx)  # FORBIDDEN when no relation could allow viewing
        owner, roles = customer_relations(ctx)
        accepted = list_clause(HISTORY, today)
        parts = []
        if owner:
            parts.append(count_of(accepted, Renewal.quote_to_email == p.email))
        if roles:
            not_owned = [Renewal.quote_to_email != p.email] if owner else []
            parts.append(count_of(accepted, Renewal.support_number.in_(granted_numbers(p.email, roles)), *not_owned))
        history = sum(parts[1:], parts[0])
        shared = count_of(Renewal.support_number.in_(granted_numbers(p.email, GRANT_ROLES)), seen)
        where = [seen, Renewal.accepted_at.is_(None)]
    stmt = select(
        count_if(list_clause(PENDING, today)), history, count_if(list_clause(FUTURE, today)), shared
    ).select_from(Renewal)
    row = (await ctx.session.execute(stmt.where(*where))).one()
    return {"pending": int(row[0]), "history": int(row[1]), "future": int(row[2]), "shared": int(row[3])}


async def recent_orders(ctx: Context, limit: int = 20) -> list[RenewalOrder]:
    """R-R22: orders of renewals the caller can see, newest first."""
    ids = select(Renewal.order_id).where(visibility(ctx), Renewal.order_id.is_not(None))
    stmt = (
        select(RenewalOrder)
        .where(RenewalOrder.id.in_(ids))
        .order_by(RenewalOrder.placed_at.desc(), RenewalOrder.id.desc())
        .limit(limit)
    )
    return list((await ctx.session.execute(stmt)).scalars())


async def renewals_of_orders(ctx: Context, order_ids: Sequence[int]) -> list[list[Renewal]]:
    """The renewals each order accepted, by support number."""
    rows = (
        await ctx.session.execute(
            select(Renewal).where(Renewal.order_id.in_(list(order_ids))).order_by(Renewal.support_number)
        )
    ).scalars()
    by: dict[int, list[Renewal]] = {i: [] for i in order_ids}
    for r in rows:
        by[r.order_id].append(r)
    return [by[i] for i in order_ids]


async def orders_by_id(ctx: Context, order_ids: Sequence[int]) -> list[RenewalOrder | None]:
    """Each accepted renewal's order (None for an id without one)."""
    rows = await ctx.session.execute(select(RenewalOrder).where(RenewalOrder.id.in_(list(order_ids))))
    return by_key(list(rows.scalars()), order_ids, lambda o: o.id)
