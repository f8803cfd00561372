"""Downloads (plain HTTP routes): the standard CSV (R-R18), summary (R-R19) and detailed (R-R20)
reports, streamed from a server-side cursor in partitions through core.csvout so memory stays flat,
and the ordering document (R-R14) rendered as HTML with Jinja2."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.context import Context
from core.csvout import (
    csv_header,
    csv_response,
    csv_stream,
    database_csv,
    database_writes_csv,
    sql_choice,
    sql_date_cell,
    sql_text_cell,
)
from core.documents import document_locale, html_response, pdf_response
from core.errors import BadUserInput, NotFound
from core.http import aiter_rows, download_route
from core.i18n import LazyText, _
from core.models import ObjectGrant
from core.money import quantize, sql_quantized_text
from plugins.renewals import service as svc
from plugins.renewals.models import Renewal, RenewalCart, RenewalCartItem, RenewalLine

STREAM_PARTITION = 500

STANDARD_COLUMNS = [
    _("Support Contract Number"),
    _("Customer"),
    _("End User"),
    _("Start Date"),
    _("End Date"),
    _("Status"),
    _("List"),
    _("Service Level"),
    _("Currency"),
    _("Amount"),
    _("PO Number"),
    _("Customer Reference"),
    _("Quote-To Email"),
    _("Renewal Method"),
    _("Payment Method"),
    _("Sales Rep"),
]
# R-R19, in the SPEC's order; "PO Number" only for history and pending-and-history.
SUMMARY_COLUMNS = [
    _("Support Contract Number"),
    _("Customer"),
    _("End User"),
    _("Start Date"),
    _("End Date"),
    _("PO Number"),
    _("Customer Reference"),
    _("Support Notes"),
    _("Currency"),
    _("Amount"),
    _("Quote Per Contract"),
    _("SSO Username"),
    _("Status"),
    _("Saved Cart"),
    _("Renewal Method"),
    _("Number of People Shared With"),
    _("Last Updated By"),
]
DETAIL_COLUMNS = [
    _("Service Level"),
    _("Product"),
    _("CSI Number"),
    _("Quantity"),
    _("Serial Number"),
    _("Installed At"),
    _("Sales Order Number"),
]
SUMMARY_SOURCES = ("pending", "history", "pending_and_history", "future", "saved_carts", "active_cart")
PO_SOURCES = ("history", "pending_and_history")


def _param_date(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise BadUserInput(_("{name} must be a date (YYYY-MM-DD)", name=name), field=name) from exc


def filters_from(request: Request) -> svc.RenewalFilters:
    """The same filters as the GraphQL list (R-R18 honours the page filters)."""
    q = request.query_params
    list_name = (q.get("list") or "pending").upper()
    auto = q.get("autoRenew")
    if auto not in (None, "", "true", "false"):
        raise BadUserInput(_("autoRenew must be true or false"), field="autoRenew")
    return svc.RenewalFilters(
        list=list_name,
        statuses=[s for s in (q.get("status") or "").upper().split(",") if s],
        start_from=_param_date(request, "startFrom"),
        start_to=_param_date(request, "startTo"),
        end_from=_param_date(request, "endFrom"),
        end_to=_param_date(request, "endTo"),
        po_number=q.get("poNumber") or None,
        search=q.get("search") or None,
        auto_renew=None if not auto else auto == "true",
    )


def _stream_csv(
    ctx: Context,
    header: Sequence[LazyText],
    stmt: Select,
    shape: Any,
    filename: str,
    cells: Any = None,
) -> Response:
    """The export streamed: on PostgreSQL, when ``cells`` (the SQL twin of ``shape``, from the
    statement's columns to the row's cells) is given, written by the database (core/csvout.py
    ``database_csv``); else each row shaped here and written by Python."""
    if cells is not None and database_writes_csv(ctx.session, ctx.state.settings):
        copied = stmt.with_only_columns(*cells(list(stmt.selected_columns)))
        return csv_response(database_csv(ctx.session, csv_header(header, ctx.locale), copied), filename)

    async def rows() -> AsyncIterator[Sequence[Any]]:
        result = await ctx.session.stream(stmt.execution_options(yield_per=STREAM_PARTITION))
        async for row in aiter_rows(result, STREAM_PARTITION):
            yield shape(row)

    return csv_response(csv_stream(csv_header(header, ctx.locale), rows(), STREAM_PARTITION), filename)


def _method(auto_renew: bool) -> str:
    return "AUTO_RENEW" if auto_renew else "MANUAL"


async def standard_csv(ctx: Context, request: Request) -> Response:
    """R-R18: at most 10,000 rows honouring the page filters; more is refused (narrow the filters)."""
    filters = filters_from(request)
    base = svc.filtered(ctx, filters, "export")
    total = (await ctx.session.execute(select(func.count()).select_from(base.order_by(None).subquery()))).scalar_one()
    if total > svc.MAX_STANDARD_CSV_ROWS:
        raise BadUserInput(
            _(
                "The standard CSV holds at most {MAX_STANDARD_CSV_ROWS} rows and these filters match {total}; narrow "
                "the filters or download the summary report",
                MAX_STANDARD_CSV_ROWS=Decimal(svc.MAX_STANDARD_CSV_ROWS),  # grouped: 10,000
                total=Decimal(total),
            ),
            rows=total,
        )
    today = ctx.today()
    # The filtered select itself with the export's columns (no self-join: one pass over the rows).
    stmt = base.with_only_columns(
        Renewal.support_number,
        Renewal.customer,
        Renewal.end_user,
        Renewal.start_date,
        Renewal.end_date,
        Renewal.status,
        Renewal.accepted_at,
        Renewal.service_level,
        Renewal.currency,
        Renewal.amount,
        Renewal.po_number,
        Renewal.customer_reference,
        Renewal.quote_to_email,
        Renewal.auto_renew,
        Renewal.payment_method,
        Renewal.sales_rep_email,
    ).order_by(Renewal.start_date, Renewal.id)

    def shape(r: Any) -> list[Any]:
        return [
            r.support_number,
            r.customer,
            r.end_user,
            r.start_date.isoformat(),
            r.end_date.isoformat(),
            r.status,
            svc.list_of(r.accepted_at is not None, r.start_date, today),
            r.service_level,
            r.currency,
            quantize(r.amount, r.currency),
            r.po_number,
            r.customer_reference,
            r.quote_to_email,
            _method(r.auto_renew),
            r.payment_method,
            r.sales_rep_email,
        ]

    def cells(c: Sequence[Any]) -> list[Any]:
        """``shape`` in SQL, for the database to write (cell for cell the same text)."""
        sn, customer, end_user, start, end, status, accepted_at, level, currency, amount, *rest = c
        po, reference, quote_to, auto, payment, rep = rest
        text = sql_text_cell
        return [
            text(sn),
            text(customer),
            text(end_user),
            sql_date_cell(start),
            sql_date_cell(end),
            text(status),
            svc.sql_list_of(accepted_at, start, today),
            text(level),
            text(currency),
            sql_quantized_text(amount, currency),
            text(po),
            text(reference),
            text(quote_to),
            sql_choice(auto, _method(True), _method(False)),
            text(payment),
            text(rep),
        ]

    return _stream_csv(ctx, STANDARD_COLUMNS, stmt, shape, f"renewals-{filters.list.lower()}.csv", cells)


def _summary_select(ctx: Context, *extra: Any) -> Select:
    """The summary's columns (R-R19) and ``extra`` ones. The caller's first saved cart and the share
    count come from two grouped subqueries joined once, not a correlated subquery per row: the export
    of 100,000 renewals is one pass over each table (issue 21)."""
    email = ctx.principal.email
    first_cart = (
        select(RenewalCartItem.renewal_id, func.min(RenewalCart.id).label("cart_id"))
        .join(RenewalCart, RenewalCart.id == RenewalCartItem.cart_id)
        .where(RenewalCart.owner_email == email, RenewalCart.status == "SAVED")
        .group_by(RenewalCartItem.renewal_id)
        .subquery("first_cart")
    )
    saved_cart = RenewalCart.__table__.alias("saved_cart")
    shares = (
        select(ObjectGrant.tenant_id, ObjectGrant.object_id, func.count(ObjectGrant.id).label("n"))
        .where(ObjectGrant.object_type == svc.OBJECT)
        .group_by(ObjectGrant.tenant_id, ObjectGrant.object_id)
        .subquery("shares")
    )
    return (
        select(
            Renewal.support_number,
            Renewal.customer,
            Renewal.end_user,
            Renewal.start_date,
            Renewal.end_date,
            Renewal.po_number,
            Renewal.customer_reference,
            Renewal.support_notes,
            Renewal.currency,
            Renewal.amount,
            Renewal.quote_number,
            Renewal.quote_to_email,
            Renewal.status,
            saved_cart.c.name.label("saved_cart"),
            Renewal.auto_renew,
            shares.c.n.label("shared"),
            Renewal.last_updated_by,
            *extra,
        )
        .select_from(Renewal)
        .outerjoin(first_cart, first_cart.c.renewal_id == Renewal.id)
        .outerjoin(saved_cart, saved_cart.c.id == first_cart.c.cart_id)
        .outerjoin(shares, and_(shares.c.tenant_id == Renewal.tenant_id, shares.c.object_id == Renewal.support_number))
    )


SUMMARY_WIDTH = 17  # the columns _summary_select puts first


def _summary_values(r: Sequence[Any], with_po: bool) -> list[Any]:
    # Positional: a row's attribute lookup by name costs more than the rest of the row (issue 21).
    sn, customer, end_user, start, end, po, ref, notes, currency, amount, quote, qto, status, cart, auto, n, by = r[
        :SUMMARY_WIDTH
    ]
    head = [sn, customer, end_user, start.isoformat(), end.isoformat()]
    if with_po:
        head.append(po)
    return head + [
        ref,
        notes,
        currency,
        quantize(amount, currency),
        quote or sn,
        qto,
        status,
        cart,
        _method(auto),
        int(n or 0),
        by,
    ]


def _summary_cells(c: Sequence[Any], with_po: bool) -> list[Any]:
    """``_summary_values`` in SQL, for the database to write (cell for cell the same text)."""
    sn, customer, end_user, start, end, po, ref, notes, currency, amount, quote, qto, status, cart, auto, n, by = c[
        :SUMMARY_WIDTH
    ]
    text = sql_text_cell
    head = [text(sn), text(customer), text(end_user), sql_date_cell(start), sql_date_cell(end)]
    if with_po:
        head.append(text(po))
    return head + [
        text(ref),
        text(notes),
        text(currency),
        sql_quantized_text(amount, currency),
        text(func.coalesce(func.nullif(quote, ""), sn)),
        text(qto),
        text(status),
        text(cart),
        sql_choice(auto, _method(True), _method(False)),
        func.coalesce(n, 0),
        text(by),
    ]


def _source_clause(ctx: Context, source: str) -> Any:
    today = ctx.today()
    email = ctx.principal.email
    if source in ("pending", "history", "future"):
        return svc.list_clause(source.upper(), today)
    if source == "pending_and_history":
        return svc.list_clause(svc.PENDING, today) | svc.list_clause(svc.HISTORY, today)
    status = "SAVED" if source == "saved_carts" else "ACTIVE"
    in_carts = (
        select(RenewalCartItem.renewal_id)
        .join(RenewalCart, RenewalCart.id == RenewalCartItem.cart_id)
        .where(RenewalCart.owner_email == email, RenewalCart.status == status)
    )
    return Renewal.id.in_(in_carts)


def _source(request: Request) -> str:
    source = (request.query_params.get("source") or "pending").lower()
    if source not in SUMMARY_SOURCES:
        raise BadUserInput(_("source must be one of {names}", names=", ".join(SUMMARY_SOURCES)), field="source")
    return source


async def summary_report(ctx: Context, request: Request) -> Response:
    """R-R19: no row limit, ignores the page filters; PO number only from history sources."""
    source = _source(request)
    with_po = source in PO_SOURCES
    header = [c for c in SUMMARY_COLUMNS if with_po or c.msgid != "PO Number"]
    stmt = (
        _summary_select(ctx)
        .where(svc.visibility(ctx, "export"), _source_clause(ctx, source))
        .order_by(Renewal.start_date, Renewal.id)
    )
    return _stream_csv(
        ctx,
        header,
        stmt,
        lambda r: _summary_values(r, with_po),
        f"renewals-summary-{source}.csv",
        lambda c: _summary_cells(c, with_po),
    )


async def detailed_report(ctx: Context, request: Request) -> Response:
    """R-R20: pending list only; the summary columns plus one row per contract line."""
    source = request.query_params.get("source", "pending").lower()
    if source != "pending":
        raise BadUserInput(_("The detailed report is available for the pending list only"), field="source")
    header = [c for c in SUMMARY_COLUMNS if c.msgid != "PO Number"] + DETAIL_COLUMNS
    stmt = (
        _summary_select(
            ctx,
            RenewalLine.service_level.label("line_service_level"),
            RenewalLine.product,
            RenewalLine.csi_number,
            RenewalLine.quantity,
            RenewalLine.serial_number,
            RenewalLine.installed_at,
            RenewalLine.sales_order_number,
        )
        .join(RenewalLine, and_(RenewalLine.renewal_id == Renewal.id))
        .where(svc.visibility(ctx, "export"), svc.list_clause(svc.PENDING, ctx.today()))
        .order_by(Renewal.start_date, Renewal.id, RenewalLine.line_no)
    )

    def shape(r: Any) -> list[Any]:
        qty = svc.line_quantity(r.quantity)
        return _summary_values(r, False) + [
            r.line_service_level,
            r.product,
            r.csi_number,
            f"{qty:f}",
            r.serial_number,
            r.installed_at,
            r.sales_order_number,
        ]

    def cells(c: Sequence[Any]) -> list[Any]:
        """``shape`` in SQL (the quantity is text there too: neutralised, as ``safe_cell`` does)."""
        service_level, product, csi, quantity, serial, installed_at, sales_order = c[SUMMARY_WIDTH:]
        text = sql_text_cell
        return _summary_cells(c, False) + [
            text(service_level),
            text(product),
            text(csi),
            text(svc.sql_line_quantity(quantity)),
            text(serial),
            text(installed_at),
            text(sales_order),
        ]

    return _stream_csv(ctx, header, stmt, shape, "renewals-detailed-pending.csv", cells)


async def ordering_document(ctx: Context, request: Request) -> Response:
    """R-R14: the renewal quote as the center shows it, for anyone who can view the renewal, in the
    reader's language (``?lang=`` to choose another)."""
    locale = document_locale(ctx, request)
    html, name = await svc.ordering_document_html(ctx, request.path_params["support_number"], locale)
    return html_response(html, name, "attachment")


async def ordering_document_pdf(ctx: Context, request: Request) -> Response:
    """The same ordering document as PDF."""
    locale = document_locale(ctx, request)
    html, name = await svc.ordering_document_html(ctx, request.path_params["support_number"], locale)
    return await pdf_response(html, name, "attachment")


def _module_enabled(handler: Any) -> Any:
    async def guarded(ctx: Context, request: Request) -> Response:
        if "renewals" not in ctx.enabled_plugins:
            raise NotFound(_("The renewals module is not enabled for this tenant"))
        return await handler(ctx, request)

    return guarded


ROUTES = [
    Route("/renewals/export.csv", download_route(_module_enabled(standard_csv))),
    Route("/renewals/report/summary.csv", download_route(_module_enabled(summary_report))),
    Route("/renewals/report/detailed.csv", download_route(_module_enabled(detailed_report))),
    Route("/renewals/{support_number}/ordering-document", download_route(_module_enabled(ordering_document))),
    Route("/renewals/{support_number}/ordering-document.pdf", download_route(_module_enabled(ordering_document_pdf))),
]
