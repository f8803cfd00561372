"""Invoicing root query fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from sqlalchemy import func, select
from strawberry.types import Info

from core.context import Context
from core.db import records
from core.errors import NotFound
from core.ids import to_global_id
from core.pagination import Connection, connection, keyset_page, selects_node_field
from plugins.invoicing import service as svc
from plugins.invoicing.graph.types import (
    AmountDue,
    BillingProfileType,
    CreditType,
    DisputeType,
    InvoiceCounts,
    InvoiceStatus,
    InvoiceType,
    PaymentType,
    PoChangeRequestType,
    RefundStatus,
    RefundType,
    SavedCard,
    SubscriptionType,
    _dispute_types,
    _lines_loader,
    _money,
    _refund_types,
)
from plugins.invoicing.models import (
    BillingProfile,
    Credit,
    Dispute,
    Invoice,
    Payment,
    PaymentMethod,
    PoChangeRequest,
    Refund,
    Subscription,
)


# ------------------------------------------------------------------------------------ queries
@strawberry.type
class InvoicingQuery:
    @strawberry.field(description="Invoices, newest first, optionally by status (R-I1).")
    async def invoices(
        self,
        info: Info[Context, None],
        status: InvoiceStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[InvoiceType]:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "view")
        today = ctx.today()
        stmt = svc.status_filter(records(Invoice), status.value if status else None, today)
        rows, page, total, cursors = await keyset_page(
            ctx.session,
            stmt,
            [(Invoice.invoice_date, True), (Invoice.id, True)],
            first=first,
            after=after,
            key_of=lambda i: (i.invoice_date, i.id),
        )
        nodes = [InvoiceType.of(i, today) for i in rows]
        if selects_node_field(info, "lines"):
            loaded = await _lines_loader(ctx).load_many([(n._id, n.currency) for n in nodes])
            for node, lines in zip(nodes, loaded, strict=True):
                node.page_lines = lines
        return connection(nodes, page, total, cursors)

    @strawberry.field(description="How many invoices are overdue, open and closed (R-I1).")
    async def invoice_counts(self, info: Info[Context, None]) -> InvoiceCounts:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "view")
        today = ctx.today()
        counts = {}
        for s in svc.STATUSES:
            stmt = svc.status_filter(select(func.count(Invoice.id)), s, today)
            counts[s] = (await ctx.session.execute(stmt)).scalar_one()
        return InvoiceCounts(overdue=counts["OVERDUE"], open=counts["OPEN"], closed=counts["CLOSED"])

    @strawberry.field(description="One invoice by its number (R-I2).")
    async def invoice(self, info: Info[Context, None], number: str) -> InvoiceType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "view")
        return InvoiceType.of(await svc.invoice_by_number(ctx.session, number), ctx.today())

    @strawberry.field(description="Payment history, newest first (R-I2).")
    async def invoice_payments(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[PaymentType]:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "view")
        rows, page, total, cursors = await keyset_page(
            ctx.session, select(Payment), [(Payment.id, True)], first=first, after=after, key_of=lambda p: (p.id,)
        )
        return connection([PaymentType.of(p) for p in rows], page, total, cursors)

    @strawberry.field(description="Refunds of credit, newest first, optionally by status (R-I19, R-I20).")
    async def invoice_refunds(
        self,
        info: Info[Context, None],
        status: RefundStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RefundType]:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "view")
        stmt = select(Refund)
        if status is not None:
            stmt = stmt.where(Refund.status == status.value)
        rows, page, total, cursors = await keyset_page(
            ctx.session, stmt, [(Refund.id, True)], first=first, after=after, key_of=lambda r: (r.id,)
        )
        return connection(await _refund_types(ctx, list(rows)), page, total, cursors)

    @strawberry.field(description="Credits (overpayments, disputed payments) and what is left of each (R-I19).")
    async def invoice_credits(self, info: Info[Context, None], open_only: bool = False) -> list[CreditType]:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "view")
        stmt = select(Credit).order_by(Credit.id.desc()).limit(200)
        if open_only:
            stmt = stmt.where(Credit.remaining > 0)
        return [CreditType.of(c) for c in (await ctx.session.execute(stmt)).scalars()]

    @strawberry.field(description="Disputes, newest first (R-I20).")
    async def invoice_disputes(self, info: Info[Context, None], status: str | None = None) -> list[DisputeType]:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "view")
        stmt = select(Dispute).order_by(Dispute.id.desc()).limit(200)
        if status:
            stmt = stmt.where(Dispute.status == status)
        return await _dispute_types(ctx, list((await ctx.session.execute(stmt)).scalars()))

    @strawberry.field(description="Subscriptions (plans on the account) with their billing schedules (R-I14).")
    async def subscriptions(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[SubscriptionType]:
        from sqlalchemy.orm import selectinload

        ctx = info.context
        ctx.require_tenant()
        ctx.require("billing_profile", "view")
        rows, page, total, cursors = await keyset_page(
            ctx.session,
            select(Subscription).options(selectinload(Subscription.products)),
            [(Subscription.id, False)],
            first=first,
            after=after,
            key_of=lambda s: (s.id,),
        )
        return connection([SubscriptionType.of(s) for s in rows], page, total, cursors)

    @strawberry.field(description="One subscription by number with its billing schedule.")
    async def subscription(self, info: Info[Context, None], number: str) -> SubscriptionType:
        from sqlalchemy.orm import selectinload

        ctx = info.context
        ctx.require_tenant()
        ctx.require("billing_profile", "view")
        sub = (
            await ctx.session.execute(
                select(Subscription).where(Subscription.number == number).options(selectinload(Subscription.products))
            )
        ).scalar_one_or_none()
        if sub is None:
            raise NotFound(f"No subscription {number!r}", field="number")
        return SubscriptionType.of(sub)

    @strawberry.field(description="The billing profile (R-I14).")
    async def billing_profile(self, info: Info[Context, None]) -> BillingProfileType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("billing_profile", "view")
        return await _profile(ctx)


async def _profile(ctx: Context) -> BillingProfileType:
    today = ctx.today()
    profile = (await ctx.session.execute(select(BillingProfile))).scalar_one_or_none()
    due_rows = (
        await ctx.session.execute(
            select(Invoice.currency, Invoice.due_date, func.count(Invoice.id), func.sum(Invoice.balance))
            .where(Invoice.balance > 0)
            .group_by(Invoice.currency, Invoice.due_date)
        )
    ).all()
    due: dict[str, list[Any]] = {}
    for currency, due_date, n, amount in due_rows:
        overdue = due_date < today
        entry = due.setdefault(currency, [0, Decimal(0), Decimal(0)])
        entry[0] += n
        entry[1] += Decimal(amount)
        if overdue:
            entry[2] += Decimal(amount)
    cards = (
        await ctx.session.execute(
            select(PaymentMethod).where(PaymentMethod.removed.is_(False)).order_by(PaymentMethod.id)
        )
    ).scalars()
    credits = (await ctx.session.execute(select(Credit).where(Credit.remaining > 0).order_by(Credit.id))).scalars()
    po_rows = (
        await ctx.session.execute(
            select(PoChangeRequest, Invoice.number)
            .join(Invoice, Invoice.id == PoChangeRequest.invoice_id)
            .order_by(PoChangeRequest.id.desc())
            .limit(50)
        )
    ).all()
    return BillingProfileType(
        billing_email=profile.billing_email if profile else "",
        account_contacts=[e for e in (profile.account_contacts if profile else "").split(",") if e],
        payments_due=[
            AmountDue(currency=c, invoices=n, amount=_money(a, c), overdue=_money(o, c))
            for c, (n, a, o) in sorted(due.items())
        ],
        cards=[
            SavedCard(
                id=strawberry.ID(to_global_id("SavedCard", pm.id)),
                label=pm.label,
                last4=pm.last4,
                exp_month=pm.exp_month,
                exp_year=pm.exp_year,
                expired=svc.card_expired(pm, today),
                is_default=pm.is_default,
            )
            for pm in cards
        ],
        open_credits=[CreditType.of(c) for c in credits],
        po_change_requests=[
            PoChangeRequestType(
                id=strawberry.ID(to_global_id("PoChangeRequest", r.id)),
                invoice_number=num,
                po_number=r.po_number,
                document_name=r.document_name,
                status=r.status,
                requested_by=r.requested_by,
                created_at=r.created_at,
            )
            for r, num in po_rows
        ],
    )
