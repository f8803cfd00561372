"""Billing support's work queues across tenants (issue 22, core.queues): disputes to resolve, wire notices
waiting for their money, received money not yet applied, failed card payments, overdue invoices by age.

Each read takes the caller's :class:`core.queues.QueueScope` (vendor staff: every tenant enabling
invoicing; a reseller's people: their customers) and is one statement ordered for work, oldest (or most
overdue) first, on an index of the same order. Acting on an item (:func:`resolve_queued_dispute`,
:func:`record_notice_receipt`) moves the request into the item's tenant and calls the same service as
the tenant-bound mutation, so it is authorized exactly as with ``X-Tenant``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select

from core.db import as_records, one_of, records
from core.errors import BadUserInput, Conflict, NotFound
from core.i18n import _
from core.loaders import by_key
from core.pagination import Page, keyset_page
from core.queues import QueueScope, acting_in, tenant_of_item
from plugins.invoicing.models import Credit, Dispute, Invoice, Payment
from plugins.invoicing.service.disputes import DisputeView, RebillLine, resolve_invoice_dispute
from plugins.invoicing.service.payments import PaymentOutcome
from plugins.invoicing.service.receipts import Receipt, record_wire_receipt

if TYPE_CHECKING:
    from core.context import Context

PLUGIN = "invoicing"
DISPUTES_QUEUE = "disputes"
WIRE_NOTICES_QUEUE = "wire_notices"
UNAPPLIED_RECEIPTS_QUEUE = "unapplied_receipts"
FAILED_CARD_PAYMENTS_QUEUE = "failed_card_payments"
OVERDUE_INVOICES_QUEUE = "overdue_invoices"
NOTICE_STATUSES = ("PENDING", "OVERDUE")  # a wire notice still waiting for its money (R-I17)
RECEIVED_METHODS = ("WIRE", "CHECK")  # money billing support records or the bank file brings
# Overdue invoices by age (days past the due date), for collections: (from, to) inclusive, None = no end.
OVERDUE_AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((1, 30), (31, 60), (61, 90), (91, None))


async def dispute_queue(
    ctx: Context, scope: QueueScope, *, tenant_key: str | None, first: int | None, after: str | None
) -> Page:
    """Open disputes (R-I20), oldest first."""
    scope.require(DISPUTES_QUEUE)
    stmt = select(Dispute).where(Dispute.status == "OPEN", scope.where(Dispute.tenant_id, PLUGIN, tenant_key))
    return await keyset_page(
        ctx.session,
        stmt,
        [(Dispute.opened_at, False), (Dispute.id, False)],
        first=first,
        after=after,
    )


async def wire_notice_queue(
    ctx: Context,
    scope: QueueScope,
    *,
    status: str | None,
    tenant_key: str | None,
    first: int | None,
    after: str | None,
) -> Page:
    """Customers' wire notices waiting for the money (R-I17), the earliest expected first: OVERDUE ones
    (no receipt by their expected closing day) before those still on their way."""
    scope.require(WIRE_NOTICES_QUEUE)
    statuses = NOTICE_STATUSES if status is None else (status,)
    if not set(statuses) <= set(NOTICE_STATUSES):
        raise BadUserInput(_("status must be one of {names}", names=", ".join(NOTICE_STATUSES)), field="status")
    stmt = select(Payment).where(
        Payment.method == "WIRE", Payment.status.in_(statuses), scope.where(Payment.tenant_id, PLUGIN, tenant_key)
    )
    return await keyset_page(
        ctx.session,
        stmt,
        [(Payment.arrives_on, False), (Payment.id, False)],
        first=first,
        after=after,
    )


async def unapplied_receipt_queue(
    ctx: Context, scope: QueueScope, *, tenant_key: str | None, first: int | None, after: str | None
) -> Page:
    """Money received (wire or check) that no invoice took yet: the open credit it left (R-I19), to
    match to an invoice or refund, oldest first."""
    scope.require(UNAPPLIED_RECEIPTS_QUEUE)
    stmt = select(Credit).where(
        Credit.remaining > 0,
        Credit.source == "OVERPAYMENT",
        Credit.method.in_(RECEIVED_METHODS),
        scope.where(Credit.tenant_id, PLUGIN, tenant_key),
    )
    return await keyset_page(
        ctx.session,
        stmt,
        [(Credit.created_at, False), (Credit.id, False)],
        first=first,
        after=after,
    )


async def failed_card_payment_queue(
    ctx: Context, scope: QueueScope, *, tenant_key: str | None, first: int | None, after: str | None
) -> Page:
    """Declined card payments (R-I18: to retry or pay by wire), oldest first."""
    scope.require(FAILED_CARD_PAYMENTS_QUEUE)
    stmt = select(Payment).where(
        Payment.method == "CARD", Payment.status == "FAILED", scope.where(Payment.tenant_id, PLUGIN, tenant_key)
    )
    return await keyset_page(
        ctx.session,
        stmt,
        [(Payment.created_at, False), (Payment.id, False)],
        first=first,
        after=after,
    )


def _overdue(scope: QueueScope, today: date, tenant_key: str | None) -> list[Any]:
    """SQL: unpaid, not cancelled, past the due date (R-I1 OVERDUE), in scope."""
    return [
        Invoice.balance > 0,
        Invoice.cancelled.is_(False),
        Invoice.due_date < today,
        scope.where(Invoice.tenant_id, PLUGIN, tenant_key),
    ]


def _check_days(value: int | None, field: str) -> int | None:
    if value is not None and not 1 <= value <= 100_000:
        raise BadUserInput(_("{field} must be between 1 and 100000", field=field), field=field)
    return value


async def overdue_invoice_queue(
    ctx: Context,
    scope: QueueScope,
    *,
    min_days: int | None,
    max_days: int | None,
    tenant_key: str | None,
    first: int | None,
    after: str | None,
) -> Page:
    """Overdue invoices (R-I1), the longest overdue first; ``min_days``/``max_days`` past the due date."""
    scope.require(OVERDUE_INVOICES_QUEUE)
    today = ctx.today()
    stmt = records(Invoice).where(*_overdue(scope, today, tenant_key))
    if _check_days(min_days, "minDaysOverdue") is not None:
        stmt = stmt.where(Invoice.due_date <= today - timedelta(days=min_days))
    if _check_days(max_days, "maxDaysOverdue") is not None:
        stmt = stmt.where(Invoice.due_date >= today - timedelta(days=max_days))
    return await keyset_page(
        ctx.session,
        stmt,
        [(Invoice.due_date, False), (Invoice.id, False)],
        first=first,
        after=after,
    )


@dataclass(frozen=True)
class AgeBucket:
    from_days: int
    to_days: int | None
    count: int


async def overdue_ages(ctx: Context, scope: QueueScope, *, tenant_key: str | None) -> list[AgeBucket]:
    """How many overdue invoices are in each age bucket (:data:`OVERDUE_AGE_BUCKETS`): one statement."""
    scope.require(OVERDUE_INVOICES_QUEUE)
    today = ctx.today()
    columns = []
    for low, high in OVERDUE_AGE_BUCKETS:
        clause = Invoice.due_date <= today - timedelta(days=low)
        if high is not None:
            clause = clause & (Invoice.due_date >= today - timedelta(days=high))
        columns.append(func.coalesce(func.sum(case((clause, 1), else_=0)), 0))
    row = (await ctx.session.execute(select(*columns).where(*_overdue(scope, today, tenant_key)))).one()
    return [AgeBucket(low, high, int(n)) for (low, high), n in zip(OVERDUE_AGE_BUCKETS, row, strict=True)]


async def invoices_by_id(ctx: Context, ids: Sequence[int]) -> list[Any]:
    """Invoices (read-only records) by id, in ``ids``' order: a queue item's invoice, whatever its tenant
    (the item was authorized by the queue that found it)."""
    rows = as_records(await ctx.session.execute(records(Invoice).where(one_of(ctx.session, Invoice.id, list(ids)))))
    return by_key(rows, ids, lambda i: i.id)


# ---- acting from a queue ----------------------------------------------------------------------------
async def resolve_queued_dispute(
    ctx: Context,
    dispute_id: int,
    outcome: str,
    *,
    rebill_lines: Sequence[RebillLine] = (),
    note: str = "",
    idempotency_key: str | None = None,
) -> DisputeView:
    """Resolve a dispute of the queue by its id, in its own tenant (``dispute:resolve`` there, R-I20)."""
    tenant_id = await tenant_of_item(ctx, Dispute, dispute_id)
    async with acting_in(ctx, tenant_id, PLUGIN) as tctx:
        number = (await tctx.session.execute(select(Dispute.number).where(Dispute.id == dispute_id))).scalar_one()
        return await resolve_invoice_dispute(
            tctx, number, outcome, rebill_lines=rebill_lines, note=note, idempotency_key=idempotency_key
        )


async def record_notice_receipt(
    ctx: Context,
    notice_id: int,
    amount: Decimal,
    received_on: date | None,
    bank_reference: str,
) -> PaymentOutcome:
    """Record the money a queued wire notice announced, in the notice's tenant (``payment:record``
    there, R-I17): the receipt cites the notice's first invoice and is in its currency, and matches it."""
    tenant_id = await tenant_of_item(ctx, Payment, notice_id)
    async with acting_in(ctx, tenant_id, PLUGIN) as tctx:
        notice = (await tctx.session.execute(select(Payment).where(Payment.id == notice_id))).scalar_one()
        if notice.method != "WIRE" or notice.status not in (*NOTICE_STATUSES, "MATCHED"):
            raise NotFound(_("No such wire notice"))
        if notice.status == "MATCHED":
            raise Conflict(_("This wire notice was matched by a receipt already"))
        receipt = Receipt(
            amount=amount,
            currency=notice.currency,
            received_on=received_on,
            bank_reference=bank_reference,
            invoice_number=sorted(notice.allocation)[0] if notice.allocation else None,
            payer_reference=notice.reference,
        )
        return await record_wire_receipt(tctx, receipt)
