"""Downloads (plain HTTP routes, same auth and tenant filter as GraphQL): the invoice document (HTML
and PDF in the reader's language: service/documents.py), the invoice list and payment history as CSV
(R-I2), and a subscription's billing schedule as CSV (R-I14). CSVs stream from a server-side cursor in partitions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.context import Context
from core.csvout import csv_header, csv_line, csv_response
from core.documents import document_locale, html_response, pdf_response
from core.errors import BadUserInput, NotFound
from core.http import aiter_rows, download_route
from core.i18n import _
from core.money import whole_units
from plugins.invoicing import service as svc
from plugins.invoicing.models import Credit, Invoice, Payment, Refund, Subscription

INVOICE_COLUMNS = [
    _("Invoice Number"),
    _("Invoice Date"),
    _("Due Date"),
    _("Status"),
    _("Order Number"),
    _("PO Number"),
    _("Currency"),
    _("Pre-tax Total"),
    _("Tax"),
    _("Total"),
    _("Paid"),
    _("Credited"),
    _("Balance"),
    _("Billing Email"),
    _("Display Total"),  # R-I10: the total in whole units, as the graph's displayTotal and the document
]
PAYMENT_COLUMNS = [
    _("Payment Number"),
    _("Date"),
    _("Method"),
    _("Status"),
    _("Currency"),
    _("Amount"),
    _("Invoices"),
    _("Reference"),
    _("Card"),
]
SCHEDULE_COLUMNS = [
    _("Bill Date"),
    _("Product"),
    _("Order Number"),
    _("Period Start"),
    _("Period End"),
    _("Payment Method"),
    _("PO Number"),
    _("Currency"),
    _("Amount"),
    _("Display Amount"),
]


async def invoice_document(ctx: Context, request: Request) -> Response:
    """The invoice as HTML, in the reader's language (``?lang=`` to choose another)."""
    html, name = await svc.invoice_document_html(ctx, request.path_params["number"], document_locale(ctx, request))
    return html_response(html, name)


async def invoice_pdf(ctx: Context, request: Request) -> Response:
    """The same invoice document as PDF."""
    html, name = await svc.invoice_document_html(ctx, request.path_params["number"], document_locale(ctx, request))
    return await pdf_response(html, name)


async def invoice_list_csv(ctx: Context, request: Request) -> Response:
    ctx.require_tenant()
    ctx.require("invoice", "view")
    status = request.query_params.get("status")
    today = ctx.today()
    stmt = svc.status_filter(select(Invoice), status.upper() if status else None, today)
    stmt = stmt.order_by(Invoice.invoice_date.desc(), Invoice.id.desc()).execution_options(yield_per=500)
    result = await ctx.session.stream(stmt)

    async def rows() -> AsyncIterator[str]:
        yield csv_line(csv_header(INVOICE_COLUMNS, ctx.locale))
        async for row in aiter_rows(result):
            i = row[0]
            yield csv_line(
                [
                    i.number,
                    i.invoice_date.isoformat(),
                    i.due_date.isoformat(),
                    svc.status_of(i.balance, i.due_date, today),
                    i.order_number,
                    i.po_number,
                    i.currency,
                    i.pre_tax_total,
                    i.tax_total,
                    i.total,
                    i.applied_total,
                    i.credited_total,
                    i.balance,
                    i.billing_email,
                    whole_units(i.total),
                ]
            )

    return csv_response(rows(), "invoices.csv")


async def payments_csv(ctx: Context, request: Request) -> Response:
    ctx.require_tenant()
    ctx.require("invoice", "view")
    result = await ctx.session.stream(select(Payment).order_by(Payment.id.desc()).execution_options(yield_per=500))

    async def rows() -> AsyncIterator[str]:
        yield csv_line(csv_header(PAYMENT_COLUMNS, ctx.locale))
        async for row in aiter_rows(result):
            p = row[0]
            yield csv_line(
                [
                    p.number,
                    p.created_at.date().isoformat(),
                    p.method,
                    p.status,
                    p.currency,
                    p.amount,
                    " ".join(sorted(p.allocation)),
                    p.reference,
                    f"**** {p.card_last4}" if p.card_last4 else "",
                ]
            )
        # Refunds follow the payments (R-I19): method REFUND, the credit they came from as reference.
        refunds = await ctx.session.stream(
            select(Refund, Credit.number)
            .join(Credit, Credit.id == Refund.credit_id)
            .order_by(Refund.id.desc())
            .execution_options(yield_per=500)
        )
        async for r, credit_number in aiter_rows(refunds):
            yield csv_line(
                [
                    r.number,
                    r.created_at.date().isoformat(),
                    "REFUND",
                    r.status,
                    r.currency,
                    r.amount,
                    "",
                    f"from credit {credit_number}",
                    "",
                ]
            )

    return csv_response(rows(), "payments.csv")


async def schedule_csv(ctx: Context, request: Request) -> Response:
    ctx.require_tenant()
    ctx.require("billing_profile", "view")
    number = request.path_params["number"]
    sub = (
        await ctx.session.execute(
            select(Subscription).where(Subscription.number == number).options(selectinload(Subscription.products))
        )
    ).scalar_one_or_none()
    if sub is None:
        raise NotFound(_("No subscription '{number}'", number=number))
    entries = svc.build_schedule(sub.start_date, sub.end_date, sub.frequency, svc.billables(sub), sub.currency)
    out = [csv_line(csv_header(SCHEDULE_COLUMNS, ctx.locale))]
    for e in entries:
        out.append(
            csv_line(
                [
                    e.bill_date.isoformat(),
                    e.product.product,
                    e.product.order_number,
                    e.period_start.isoformat(),
                    e.period_end.isoformat(),
                    e.product.payment_method,
                    e.product.po_number,
                    sub.currency,
                    e.amount,
                    whole_units(e.amount),
                ]
            )
        )
    return csv_response("".join(out), f"schedule-{sub.number}.csv")


def _checked(handler: Any) -> Any:
    async def run(ctx: Context, request: Request) -> Response:
        status = request.query_params.get("status")
        if status and status.upper() not in svc.STATUSES:
            raise BadUserInput(_("status must be one of {names}", names=", ".join(svc.STATUSES)))
        return await handler(ctx, request)

    return run


ROUTES = [
    Route("/invoicing/invoices.csv", download_route(_checked(invoice_list_csv))),
    Route("/invoicing/payments.csv", download_route(payments_csv)),
    Route("/invoicing/invoices/{number}/document", download_route(invoice_document)),
    Route("/invoicing/invoices/{number}/document.pdf", download_route(invoice_pdf)),
    Route("/invoicing/subscriptions/{number}/schedule.csv", download_route(schedule_csv)),
]
