"""Invoicing root query fields: each translates its arguments into a service call, which authorizes
and reads."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from core.context import Context
from core.pagination import Connection, connection, connection_of, selects_node_field
from plugins.invoicing import service as svc
from plugins.invoicing.graph.loaders import InvoiceLines
from plugins.invoicing.graph.types import (
    BillingProfileType,
    CreditType,
    DisputeStatus,
    DisputeType,
    InvoiceCounts,
    InvoiceLineType,
    InvoiceStatus,
    InvoiceType,
    InvoicingDownloads,
    PaymentType,
    RefundStatus,
    RefundType,
    SubscriptionType,
)


# ------------------------------------------------------------------------------------ queries
@strawberry.type
class Query:
    @strawberry.field(description="Invoices, newest first, optionally by status (R-I1).")
    async def invoices(
        self,
        info: Info[Context, None],
        status: InvoiceStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[InvoiceType]:
        ctx = info.context
        rows, page, total, cursors = await svc.invoice_page(
            ctx, status.value if status else None, first=first, after=after
        )
        today = ctx.today()
        nodes = [InvoiceType.of(i, today) for i in rows]
        if selects_node_field(info, "lines"):
            # The page's lines come with the page: one statement, and each invoice answers its lines
            # without a resolver call (core.fields.prefetched_in).
            loaded = await InvoiceLines.of(ctx).load_many([n._id for n in nodes])
            for node, lines in zip(nodes, loaded, strict=True):
                node.page_lines = InvoiceLineType.list_of(lines, node.currency)
        return connection(nodes, page, total, cursors)

    @strawberry.field(description="Download links for the invoice list and the payment history (R-I2).")
    async def invoicing_downloads(
        self,
        info: Info[Context, None],
        status: Annotated[
            InvoiceStatus | None, strawberry.argument(description="Only invoices of this status in the list CSV.")
        ] = None,
    ) -> InvoicingDownloads:
        invoices, payments = svc.download_paths(info.context, status.value if status else None)
        return InvoicingDownloads(invoices_csv_url=invoices, payments_csv_url=payments)

    @strawberry.field(description="How many invoices are overdue, open and closed (R-I1).")
    async def invoice_counts(self, info: Info[Context, None]) -> InvoiceCounts:
        counts = await svc.invoice_counts(info.context)
        return InvoiceCounts(overdue=counts["OVERDUE"], open=counts["OPEN"], closed=counts["CLOSED"])

    @strawberry.field(description="One invoice by its number (R-I2).")
    async def invoice(self, info: Info[Context, None], number: str) -> InvoiceType:
        ctx = info.context
        return InvoiceType.of(await svc.find_invoice(ctx, number), ctx.today())

    @strawberry.field(description="Payment history, newest first (R-I2).")
    async def invoice_payments(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[PaymentType]:
        return connection_of(PaymentType.of, await svc.payment_page(info.context, first=first, after=after))

    @strawberry.field(description="Refunds of credit, newest first, optionally by status (R-I19, R-I20).")
    async def invoice_refunds(
        self,
        info: Info[Context, None],
        status: RefundStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RefundType]:
        page = await svc.refund_page(
            info.context, status.value if status is not None else None, first=first, after=after
        )
        return connection_of(RefundType.of, page)

    @strawberry.field(description="Credits (overpayments, disputed payments) and what is left of each (R-I19).")
    async def invoice_credits(
        self,
        info: Info[Context, None],
        open_only: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CreditType]:
        return connection_of(CreditType.of, await svc.credit_page(info.context, open_only, first=first, after=after))

    @strawberry.field(description="Disputes, newest first (R-I20).")
    async def invoice_disputes(
        self,
        info: Info[Context, None],
        status: DisputeStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DisputeType]:
        page = await svc.dispute_page(info.context, status.value if status else None, first=first, after=after)
        return connection_of(DisputeType.of, page)

    @strawberry.field(description="Subscriptions (plans on the account) with their billing schedules (R-I14).")
    async def subscriptions(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[SubscriptionType]:
        return connection_of(SubscriptionType.of, await svc.subscription_page(info.context, first=first, after=after))

    @strawberry.field(description="One subscription by number with its billing schedule.")
    async def subscription(self, info: Info[Context, None], number: str) -> SubscriptionType:
        return SubscriptionType.of(await svc.find_subscription(info.context, number))

    @strawberry.field(description="The billing profile (R-I14).")
    async def billing_profile(self, info: Info[Context, None]) -> BillingProfileType:
        return BillingProfileType.of(await svc.billing_profile(info.context))
