"""Disputes (R-I20): credit, rebill or cancel a disputed invoice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.context import queue_email
from core.errors import BadUserInput, Conflict, NotFound
from core.i18n import _, join
from core.idempotency import idempotent
from core.money import parse_amount, quantize
from core.pagination import Page, keyset_page
from plugins.invoicing.models import Application, Credit, CreditNote, Dispute, Invoice, Payment
from plugins.invoicing.service.invoices import InvoiceSpec, LineSpec, create_invoice
from plugins.invoicing.service.ledger import _apply, _new_credit, apply_open_credits, payable
from plugins.invoicing.service.published import dispute_resolved
from plugins.invoicing.service.refunds import refund_credit
from plugins.invoicing.service.rules import MAX_REASON_CHARS, _lock, _recompute, invoice_by_number, next_number

if TYPE_CHECKING:
    from core.context import Context


# ---- disputes (R-I20) ----------------------------------------------------------------------------
async def open_dispute(session: AsyncSession, number: str, reason: str, actor: str, now: datetime) -> Dispute:
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON_CHARS:
        raise BadUserInput(
            _("reason must be 1 to {MAX_REASON_CHARS} characters", MAX_REASON_CHARS=MAX_REASON_CHARS), field="reason"
        )
    inv = await invoice_by_number(session, number, lock=True)
    if inv.cancelled or inv.credited_total >= inv.total:
        raise Conflict(_("Invoice {number} has been credited already", number=inv.number))
    existing = (
        await session.execute(select(Dispute.id).where(Dispute.invoice_id == inv.id, Dispute.status == "OPEN"))
    ).first()
    if existing:
        raise Conflict(_("Invoice {number} already has an open dispute", number=inv.number))
    dispute = Dispute(
        tenant_id=inv.tenant_id,
        number=await next_number(session, "DSP", inv.tenant_id),
        invoice_id=inv.id,
        reason=reason,
        opened_by=actor,
        opened_at=now,
        status="OPEN",
    )
    session.add(dispute)
    await session.flush()
    return dispute


@dataclass
class RebillLine:
    position: int
    pre_tax_amount: Decimal


async def resolve_dispute(
    session: AsyncSession,
    dispute_number: str,
    outcome: str,
    actor: str,
    now: datetime,
    *,
    rebill_lines: Sequence[RebillLine] = (),
    note: str = "",
) -> Dispute:
    """R-I20. REJECT: nothing moves. REBILL: the invoice is credited in full and a corrected invoice is
    issued; what was paid moves to it (closing it when it covers it), any excess becomes credit.
    CANCEL: credited in full, not rebilled; what was paid closes other unpaid invoices, the rest is refunded."""
    if outcome not in ("REBILL", "CANCEL", "REJECT"):
        raise BadUserInput(_("outcome must be REBILL, CANCEL or REJECT"), field="outcome")
    dispute = (
        await session.execute(_lock(session, select(Dispute).where(Dispute.number == dispute_number)))
    ).scalar_one_or_none()
    if dispute is None:
        raise NotFound(_("No dispute '{dispute_number}'", dispute_number=dispute_number), field="disputeNumber")
    if dispute.status != "OPEN":
        raise Conflict(_("Dispute {number} is already {status}", number=dispute.number, status=dispute.status))
    dispute.resolved_by, dispute.resolved_at, dispute.resolution_note = actor, now, note[:MAX_REASON_CHARS]
    if outcome == "REJECT":
        dispute.status = "REJECTED"
        await session.flush()
        await dispute_resolved(session, dispute)
        number = (await session.execute(select(Invoice.number).where(Invoice.id == dispute.invoice_id))).scalar_one()
        _outcome_email(session, dispute, number, None, now)
        return dispute
    inv = (
        await session.execute(
            _lock(session, select(Invoice).where(Invoice.id == dispute.invoice_id).options(selectinload(Invoice.lines)))
        )
    ).scalar_one()
    if inv.pending_total > 0:
        raise Conflict(
            _(
                "The customer announced a wire for {number}: record its receipt, or resolve once the notice is overdue",
                number=inv.number,
            )
        )
    new_lines: list[LineSpec] = []
    if outcome == "REBILL":
        overrides = {r.position: r for r in rebill_lines}
        unknown = set(overrides) - {ln.position for ln in inv.lines}
        if unknown:
            raise BadUserInput(
                _("No line at position {value} on {number}", value=sorted(unknown)[0], number=inv.number),
                field="rebillLines",
            )
        for ln in inv.lines:
            amount = ln.pre_tax_amount
            if ln.position in overrides:
                amount = parse_amount(overrides[ln.position].pre_tax_amount, inv.currency, allow_zero=True)
            new_lines.append(
                LineSpec(
                    product=ln.product,
                    pre_tax_amount=amount,
                    category=ln.category,
                    program=ln.program,
                    product_family=ln.product_family,
                    bundles_license=ln.bundles_license,
                    description=ln.description,
                    quantity=ln.quantity,
                    tax_rate=ln.tax_rate,
                    period_start=ln.period_start,
                    period_end=ln.period_end,
                )
            )
    freed = await _free_applications(session, inv, dispute, now)
    credited = inv.total - inv.credited_total
    if credited > 0:
        session.add(
            CreditNote(
                tenant_id=inv.tenant_id,
                invoice_id=inv.id,
                dispute_id=dispute.id,
                amount=credited,
                reason=f"Dispute {dispute.number}",
                created_at=now,
            )
        )
        inv.credited_total += credited
    inv.cancelled = True
    _recompute(inv)
    await session.flush()
    if outcome == "REBILL":
        rebill = await create_invoice(
            session,
            InvoiceSpec(
                currency=inv.currency,
                country=inv.country,
                invoice_date=now.date(),
                billing_email=inv.billing_email,
                cc_emails=[e for e in inv.cc_emails.split(",") if e],
                lines=new_lines,
                order_number=inv.order_number,
                po_number=inv.po_number,
                order_payment_method=inv.order_payment_method,
                source="REBILL",
                source_key=f"rebill:{dispute.number}",
                subscription_id=inv.subscription_id,
                period_start=inv.period_start,
                period_end=inv.period_end,
                rebill_of_id=inv.id,
                buyer_name=inv.buyer_name,
                buyer_address=inv.buyer_address,
                buyer_tax_id=inv.buyer_tax_id,
            ),
            now,
            inv.tenant_id,
            apply_credits=False,  # an older, unrelated credit must not get there before the original payment
        )
        # R-I20: the disputed invoice's own payment closes the rebill first; what it does not need
        # stays in its credit.
        for credit in freed:
            take = min(credit.remaining, payable(rebill))
            if take > 0:
                _apply(session, rebill, take, method=credit.method, kind="TRANSFER", now=now, credit=credit)
        dispute.rebill_invoice_id = rebill.id
        dispute.status = "REBILLED"
        # Then as for any new invoice (R-I19): open credits close what is still unpaid — the rest of a
        # larger rebill, or other invoices from what the rebill did not need.
        await apply_open_credits(session, inv.currency, now)
    else:
        dispute.status = "CANCELLED"
        await apply_open_credits(session, inv.currency, now, credits=freed)
        for credit in freed:
            await refund_credit(session, credit, actor, now)
    await session.flush()
    await dispute_resolved(session, dispute)
    _outcome_email(session, dispute, inv.number, rebill.number if outcome == "REBILL" else None, now)
    return dispute


def _outcome_email(
    session: AsyncSession, dispute: Dispute, number: str, rebill_number: str | None, now: datetime
) -> None:
    """R-I20: the person who opened the dispute learns its outcome, in their language."""
    if dispute.status == "REBILLED":
        body = _(
            "Your dispute {dispute} of invoice {number} was accepted: the invoice was credited in full and "
            "replaced by invoice {rebill}; what you paid moves to it.",
            dispute=dispute.number,
            number=number,
            rebill=rebill_number,
        )
    elif dispute.status == "CANCELLED":
        body = _(
            "Your dispute {dispute} of invoice {number} was accepted: the invoice was cancelled and credited in "
            "full; what you paid closes other unpaid invoices and the rest is refunded.",
            dispute=dispute.number,
            number=number,
        )
    else:
        body = _(
            "Your dispute {dispute} of invoice {number} was rejected: the invoice stands as issued.",
            dispute=dispute.number,
            number=number,
        )
    if dispute.resolution_note:
        body = join([body, "", _("Note from billing support: {note}", note=dispute.resolution_note)])
    queue_email(
        session,
        now,
        dispute.tenant_id,
        dispute.opened_by,
        _("Outcome of your dispute {dispute} of invoice {number}", dispute=dispute.number, number=number),
        body,
        kind="invoice.dispute_resolved",
    )


async def _free_applications(session: AsyncSession, inv: Invoice, dispute: Dispute, now: datetime) -> list[Credit]:
    """Reverse what was applied to ``inv``: credit-sourced amounts go back to their credit; payment
    amounts become a DISPUTE credit per payment. Returns the credits holding the freed money."""
    rows = (
        await session.execute(
            select(Application.payment_id, Application.credit_id, Application.method, func.sum(Application.amount))
            .where(Application.invoice_id == inv.id)
            .group_by(Application.payment_id, Application.credit_id, Application.method)
            .order_by(func.min(Application.id))
        )
    ).all()
    freed: list[Credit] = []
    for payment_id, credit_id, method, total in rows:
        net = quantize(Decimal(total or 0), inv.currency)
        if net <= 0:
            continue
        if credit_id is not None:
            credit = await session.get(Credit, credit_id)
            _apply(session, inv, -net, method=method, kind="REVERSAL", now=now, credit=credit)
            freed.append(credit)
        else:
            payment = await session.get(Payment, payment_id) if payment_id else None
            _apply(session, inv, -net, method=method, kind="REVERSAL", now=now, payment=payment)
            await session.flush()
            freed.append(
                await _new_credit(
                    session,
                    tenant_id=inv.tenant_id,
                    currency=inv.currency,
                    amount=net,
                    source="DISPUTE",
                    method=method,
                    now=now,
                    payment=payment,
                    dispute=dispute,
                )
            )
    return freed


# ---- disputes for the request's caller ------------------------------------------------------------
@dataclass(frozen=True)
class DisputeView:
    """A dispute with the numbers of its invoice and of the invoice that rebilled it."""

    dispute: Dispute
    invoice_number: str
    rebill_invoice_number: str | None


async def dispute_views(ctx: Context, disputes: Sequence[Dispute]) -> list[DisputeView]:
    """``disputes`` with their invoices' numbers (one statement for any number of disputes)."""
    ids = {d.invoice_id for d in disputes} | {d.rebill_invoice_id for d in disputes if d.rebill_invoice_id}
    numbers = dict((await ctx.session.execute(select(Invoice.id, Invoice.number).where(Invoice.id.in_(ids)))).all())
    return [
        DisputeView(d, numbers[d.invoice_id], numbers.get(d.rebill_invoice_id) if d.rebill_invoice_id else None)
        for d in disputes
    ]


async def dispute_page(
    ctx: Context, status: str | None = None, *, first: int | None = None, after: str | None = None
) -> Page:
    """Disputes (R-I20), newest first, optionally of one status, as DisputeViews (two statements a page)."""
    ctx.require_tenant()
    ctx.require("invoice", "view")
    stmt = select(Dispute)
    if status:
        stmt = stmt.where(Dispute.status == status)
    rows, page, total, cursors = await keyset_page(ctx.session, stmt, [(Dispute.id, True)], first=first, after=after)
    return await dispute_views(ctx, list(rows)), page, total, cursors


async def open_invoice_dispute(ctx: Context, invoice_number: str, reason: str) -> DisputeView:
    """The caller (``invoice:dispute``) disputes an invoice by number (``open_dispute``)."""
    ctx.require_tenant()
    ctx.require("invoice", "dispute")
    d = await open_dispute(ctx.session, invoice_number, reason, ctx.principal.email, ctx.now())
    return (await dispute_views(ctx, [d]))[0]


async def resolve_invoice_dispute(
    ctx: Context,
    dispute_number: str,
    outcome: str,
    *,
    rebill_lines: Sequence[RebillLine] = (),
    note: str = "",
    idempotency_key: str | None = None,
) -> DisputeView:
    """Billing support (``dispute:resolve``) rebills, cancels or rejects a dispute (``resolve_dispute``).
    Replaying an idempotency key returns the dispute as it is now."""
    ctx.require_tenant()
    ctx.require("dispute", "resolve")

    async def run() -> dict[str, Any]:
        d = await resolve_dispute(
            ctx.session,
            dispute_number,
            outcome,
            ctx.principal.email,
            ctx.now(),
            rebill_lines=rebill_lines,
            note=note,
        )
        return {"dispute": d.number}

    request = {
        "d": dispute_number,
        "o": outcome,
        "lines": [(r.position, str(r.pre_tax_amount)) for r in rebill_lines],
    }
    out = await idempotent(ctx, "invoicing.dispute", idempotency_key, request, run)
    d = (await ctx.session.execute(select(Dispute).where(Dispute.number == out["dispute"]))).scalar_one()
    return (await dispute_views(ctx, [d]))[0]
