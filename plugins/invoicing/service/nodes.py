"""Invoicing's objects by primary key for ``node(id:)`` (core/nodes.py), each behind the permission of
the typed field that shows it: ``invoice:view`` for invoices, their lines, payments, refunds and
disputes (``invoices``, ``invoicePayments``, ``invoiceRefunds``, ``invoiceDisputes``);
``billing_profile:view`` for subscriptions, saved cards and PO change requests (``subscriptions``,
``billingProfile``); either for credits (``invoiceCredits``, ``billingProfile.openCredits``). The
tenant filter hides other tenants' rows: their ids are NOT_FOUND."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.context import Context
from plugins.invoicing.models import (
    Credit,
    Dispute,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentMethod,
    PoChangeRequest,
    Refund,
    Subscription,
)
from plugins.invoicing.service.billing_profile import PoChangeView, SavedCardView
from plugins.invoicing.service.disputes import DisputeView, dispute_views
from plugins.invoicing.service.intents import card_expired
from plugins.invoicing.service.refunds import RefundView, refund_views


def _may(ctx: Context, *objects: str) -> None:
    """The permission of one of the typed fields showing the type (the last one's refusal otherwise)."""
    ctx.require_tenant()
    if not any(ctx.allowed(obj, "view") for obj in objects):
        ctx.require(objects[-1], "view")


async def _by_ids(ctx: Context, model: Any, ids: Sequence[int], *options: Any) -> list[Any]:
    stmt = select(model).where(model.id.in_(list(ids)))
    if options:
        stmt = stmt.options(*options)
    return list((await ctx.session.execute(stmt)).scalars())


async def invoices_by_ids(ctx: Context, ids: Sequence[int]) -> list[Invoice]:
    _may(ctx, "invoice")
    return await _by_ids(ctx, Invoice, ids)


async def invoice_lines_by_ids(ctx: Context, ids: Sequence[int]) -> list[tuple[InvoiceLine, str]]:
    """Lines with their invoice's currency."""
    _may(ctx, "invoice")
    stmt = (
        select(InvoiceLine, Invoice.currency)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(InvoiceLine.id.in_(list(ids)))
    )
    return [(line, currency) for line, currency in (await ctx.session.execute(stmt)).all()]


async def payments_by_ids(ctx: Context, ids: Sequence[int]) -> list[Payment]:
    _may(ctx, "invoice")
    return await _by_ids(ctx, Payment, ids)


async def refunds_by_ids(ctx: Context, ids: Sequence[int]) -> list[RefundView]:
    _may(ctx, "invoice")
    return await refund_views(ctx, await _by_ids(ctx, Refund, ids))


async def disputes_by_ids(ctx: Context, ids: Sequence[int]) -> list[DisputeView]:
    _may(ctx, "invoice")
    return await dispute_views(ctx, await _by_ids(ctx, Dispute, ids))


async def credits_by_ids(ctx: Context, ids: Sequence[int]) -> list[Credit]:
    _may(ctx, "billing_profile", "invoice")
    return await _by_ids(ctx, Credit, ids)


async def subscriptions_by_ids(ctx: Context, ids: Sequence[int]) -> list[Subscription]:
    _may(ctx, "billing_profile")
    return await _by_ids(ctx, Subscription, ids, selectinload(Subscription.products))


async def saved_cards_by_ids(ctx: Context, ids: Sequence[int]) -> list[SavedCardView]:
    """Cards the profile shows: not removed."""
    _may(ctx, "billing_profile")
    today = ctx.today()
    return [
        SavedCardView(pm, card_expired(pm, today)) for pm in await _by_ids(ctx, PaymentMethod, ids) if not pm.removed
    ]


async def po_change_requests_by_ids(ctx: Context, ids: Sequence[int]) -> list[PoChangeView]:
    _may(ctx, "billing_profile")
    stmt = (
        select(PoChangeRequest, Invoice.number)
        .join(Invoice, Invoice.id == PoChangeRequest.invoice_id)
        .where(PoChangeRequest.id.in_(list(ids)))
    )
    return [PoChangeView(r, number) for r, number in (await ctx.session.execute(stmt)).all()]
