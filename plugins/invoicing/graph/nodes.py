"""``node(id:)`` for the invoicing plugin's types (core/nodes.py): each loader asks the service, which
authorizes as the typed fields showing the type do."""

from __future__ import annotations

from collections.abc import Sequence

from core.context import Context
from plugins.invoicing import service as svc
from plugins.invoicing.graph.types import (
    CreditType,
    DisputeType,
    InvoiceLineType,
    InvoiceType,
    PaymentType,
    PoChangeRequestType,
    RefundType,
    SavedCard,
    SubscriptionType,
)


async def _invoices(ctx: Context, ids: Sequence[int]) -> dict[int, InvoiceType]:
    today = ctx.today()
    return {i.id: InvoiceType.of(i, today) for i in await svc.invoices_by_ids(ctx, ids)}


async def _lines(ctx: Context, ids: Sequence[int]) -> dict[int, InvoiceLineType]:
    return {ln.id: InvoiceLineType.of(ln, currency) for ln, currency in await svc.invoice_lines_by_ids(ctx, ids)}


async def _payments(ctx: Context, ids: Sequence[int]) -> dict[int, PaymentType]:
    return {p.id: PaymentType.of(p) for p in await svc.payments_by_ids(ctx, ids)}


async def _credits(ctx: Context, ids: Sequence[int]) -> dict[int, CreditType]:
    return {c.id: CreditType.of(c) for c in await svc.credits_by_ids(ctx, ids)}


async def _refunds(ctx: Context, ids: Sequence[int]) -> dict[int, RefundType]:
    return {v.refund.id: RefundType.of(v) for v in await svc.refunds_by_ids(ctx, ids)}


async def _disputes(ctx: Context, ids: Sequence[int]) -> dict[int, DisputeType]:
    return {v.dispute.id: DisputeType.of(v) for v in await svc.disputes_by_ids(ctx, ids)}


async def _subscriptions(ctx: Context, ids: Sequence[int]) -> dict[int, SubscriptionType]:
    return {s.id: SubscriptionType.of(s) for s in await svc.subscriptions_by_ids(ctx, ids)}


async def _cards(ctx: Context, ids: Sequence[int]) -> dict[int, SavedCard]:
    return {v.card.id: SavedCard.of(v) for v in await svc.saved_cards_by_ids(ctx, ids)}


async def _po_changes(ctx: Context, ids: Sequence[int]) -> dict[int, PoChangeRequestType]:
    return {v.request.id: PoChangeRequestType.of(v) for v in await svc.po_change_requests_by_ids(ctx, ids)}


#: Global id type name -> loader (``GraphContribution.nodes``).
NODES = {
    "Invoice": _invoices,
    "InvoiceLine": _lines,
    "Payment": _payments,
    "Credit": _credits,
    "Refund": _refunds,
    "Dispute": _disputes,
    "Subscription": _subscriptions,
    "SavedCard": _cards,
    "PoChangeRequest": _po_changes,
}
