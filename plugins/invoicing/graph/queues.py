"""Billing support's work queues, grafted onto core's ``WorkQueues`` (core.queues): each field translates
its arguments into a call of ``service.queues`` with the caller's scope, and the rows into the
invoicing types (each with its ``tenant``)."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types import Info

from core.context import Context
from core.pagination import Connection, connection, connection_of
from plugins.invoicing import service as svc
from plugins.invoicing.graph.types import CreditType, DisputeType, InvoiceType, PaymentType


@strawberry.enum(description="A wire notice still waiting for its money (R-I17).")
class WireNoticeStatus(Enum):
    PENDING = "PENDING"
    OVERDUE = "OVERDUE"


@strawberry.type(description="How many overdue invoices are this many days past their due date.")
class OverdueAge:
    from_days: int
    to_days: int | None = strawberry.field(description="None: and older.")
    count: int


@strawberry.type
class InvoicingQueues:
    """Fields of ``WorkQueues`` (``self`` is core's WorkQueues: ``self.scope``)."""

    @strawberry.field(description="BILLING_SUPPORT: open disputes to resolve (R-I20), oldest first.")
    async def disputes(
        self,
        info: Info[Context, None],
        tenant_key: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DisputeType]:
        ctx = info.context
        rows, page, total, cursors = await svc.dispute_queue(
            ctx, self.scope, tenant_key=tenant_key, first=first, after=after
        )
        return connection([DisputeType.of(v) for v in await svc.dispute_views(ctx, rows)], page, total, cursors)

    @strawberry.field(
        description="BILLING_SUPPORT: customers' wire notices waiting for the money (R-I17), earliest expected first."
    )
    async def wire_notices(
        self,
        info: Info[Context, None],
        status: WireNoticeStatus | None = None,
        tenant_key: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PaymentType]:
        page = await svc.wire_notice_queue(
            info.context,
            self.scope,
            status=status.value if status else None,
            tenant_key=tenant_key,
            first=first,
            after=after,
        )
        return connection_of(PaymentType.of, page)

    @strawberry.field(
        description="BILLING_SUPPORT: money received (wire, check) that no invoice took yet (R-I19), oldest first."
    )
    async def unapplied_receipts(
        self,
        info: Info[Context, None],
        tenant_key: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CreditType]:
        page = await svc.unapplied_receipt_queue(
            info.context, self.scope, tenant_key=tenant_key, first=first, after=after
        )
        return connection_of(CreditType.of, page)

    @strawberry.field(description="BILLING_SUPPORT: declined card payments (R-I18), oldest first.")
    async def failed_card_payments(
        self,
        info: Info[Context, None],
        tenant_key: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PaymentType]:
        page = await svc.failed_card_payment_queue(
            info.context, self.scope, tenant_key=tenant_key, first=first, after=after
        )
        return connection_of(PaymentType.of, page)

    @strawberry.field(description="BILLING_SUPPORT: overdue invoices (R-I1), the longest overdue first.")
    async def overdue_invoices(
        self,
        info: Info[Context, None],
        min_days_overdue: int | None = None,
        max_days_overdue: int | None = None,
        tenant_key: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[InvoiceType]:
        ctx = info.context
        rows, page, total, cursors = await svc.overdue_invoice_queue(
            ctx,
            self.scope,
            min_days=min_days_overdue,
            max_days=max_days_overdue,
            tenant_key=tenant_key,
            first=first,
            after=after,
        )
        today = ctx.today()
        return connection([InvoiceType.of(i, today) for i in rows], page, total, cursors)

    @strawberry.field(description="BILLING_SUPPORT: overdue invoices counted by days past due (1–30, 31–60, …).")
    async def overdue_invoice_ages(self, info: Info[Context, None], tenant_key: str | None = None) -> list[OverdueAge]:
        buckets = await svc.overdue_ages(info.context, self.scope, tenant_key=tenant_key)
        return [OverdueAge(from_days=b.from_days, to_days=b.to_days, count=b.count) for b in buckets]
