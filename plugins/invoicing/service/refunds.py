"""Refunds of credit (R-I19, R-I20) and settling money received onto invoices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import BadUserInput, Conflict, Forbidden, NotFound
from core.exchange import RateTable, rate_table
from core.i18n import _
from core.idempotency import idempotent
from core.pagination import keyset_page
from plugins.invoicing.models import Credit, Invoice, Payment, Refund
from plugins.invoicing.service.ledger import _apply, _new_credit, apply_open_credits
from plugins.invoicing.service.reads import Page
from plugins.invoicing.service.rules import ZERO, _lock, invoices_by_number, next_number

if TYPE_CHECKING:
    from core.context import Context


# ---- refunds (R-I19, R-I20) ---------------------------------------------------------------------
REFUND_STATUSES = ("PENDING_APPROVAL", "APPROVED", "REJECTED")
# Money that came in as support rewards is never paid out in cash (R-W10): a credit holding it can
# still close invoices, but is not refunded.
NON_REFUNDABLE_METHODS = frozenset({"REWARDS"})


async def _new_refund(
    session: AsyncSession,
    credit: Credit,
    actor: str,
    now: datetime,
    *,
    status: str,
    decided_by: str | None = None,
) -> Refund:
    """Take the credit's open remainder off it into a refund. The money leaves the credit at once,
    approved or not, so a pending refund cannot also close an invoice nor be requested twice."""
    refund = Refund(
        tenant_id=credit.tenant_id,
        number=await next_number(session, "RF", credit.tenant_id),
        credit_id=credit.id,
        currency=credit.currency,
        amount=credit.remaining,
        status=status,
        actor_email=actor,
        created_at=now,
        decided_by=decided_by,
        decided_at=now if decided_by else None,
    )
    credit.remaining = ZERO
    session.add(refund)
    await session.flush()
    return refund


async def refund_credit(session: AsyncSession, credit: Credit, actor: str, now: datetime) -> Refund | None:
    """R-I20: billing support cancelling a paid invoice returns what is left of the freed payment; the
    resolution is their decision, so the refund is approved by it. Rewards are not refunded (R-W10)."""
    if credit.remaining <= 0 or credit.method in NON_REFUNDABLE_METHODS:
        return None
    return await _new_refund(session, credit, actor, now, status="APPROVED", decided_by=actor)


def refund_needs_approval(
    amount: Decimal, currency: str, approval_above_usd: Decimal, on: date, *, rates: RateTable
) -> bool:
    return rates.to_usd(amount, currency, on) > approval_above_usd


async def request_refund(
    session: AsyncSession, credit_number: str, actor: str, now: datetime, *, approval_above_usd: Decimal
) -> Refund:
    """R-I19: a credit is refunded only when no unpaid invoices are left for it to close, and never more
    than it holds — and a credit holds only money received. Above ``approval_above_usd`` (the setting
    ``invoicing_refund_approval_usd``) the refund waits in PENDING_APPROVAL for billing support."""
    credit = (
        await session.execute(_lock(session, select(Credit).where(Credit.number == (credit_number or "").strip())))
    ).scalar_one_or_none()
    if credit is None:
        raise NotFound(_("No credit '{credit_number}'", credit_number=credit_number), field="creditNumber")
    if credit.method in NON_REFUNDABLE_METHODS:
        raise Conflict(
            _("Credit {number} holds support rewards, which are never paid out in cash (R-W10)", number=credit.number),
            field="creditNumber",
        )
    if credit.remaining <= 0:
        raise Conflict(_("Credit {number} has nothing left to refund", number=credit.number))
    await apply_open_credits(session, credit.currency, now, credits=[credit])
    if credit.remaining <= 0:
        raise Conflict(
            _("Credit {number} was used to close unpaid invoices; nothing left to refund", number=credit.number)
        )
    rates = await rate_table(session)
    if refund_needs_approval(credit.remaining, credit.currency, approval_above_usd, now.date(), rates=rates):
        return await _new_refund(session, credit, actor, now, status="PENDING_APPROVAL")
    return await _new_refund(session, credit, actor, now, status="APPROVED", decided_by="auto")


async def decide_refund(
    session: AsyncSession, refund_number: str, approve: bool, actor: str, now: datetime, note: str = ""
) -> Refund:
    """Billing support approves (pays out) or rejects a refund waiting for approval. A rejected
    refund's amount goes back to its credit, which then closes unpaid invoices first (R-I19)."""
    note = (note or "").strip()
    if len(note) > 500:
        raise BadUserInput(_("note must be at most 500 characters"), field="note")
    if not approve and not note:
        raise BadUserInput(_("Say why the refund is rejected (note)"), field="note")
    refund = (
        await session.execute(_lock(session, select(Refund).where(Refund.number == (refund_number or "").strip())))
    ).scalar_one_or_none()
    if refund is None:
        raise NotFound(_("No refund '{refund_number}'", refund_number=refund_number), field="refundNumber")
    if refund.status != "PENDING_APPROVAL":
        raise Conflict(_("Refund {number} is already {status}", number=refund.number, status=refund.status))
    if refund.actor_email == actor:
        raise Forbidden(_("A refund is approved or rejected by someone other than the person who asked for it"))
    refund.status = "APPROVED" if approve else "REJECTED"
    refund.decided_by, refund.decided_at, refund.decision_note = actor, now, note
    if not approve:
        credit = (
            await session.execute(_lock(session, select(Credit).where(Credit.id == refund.credit_id)))
        ).scalar_one()
        credit.remaining += refund.amount
        if credit.remaining > credit.amount:
            raise AssertionError(f"credit {credit.number} out of range")
        await apply_open_credits(session, credit.currency, now, credits=[credit])
    await session.flush()
    return refund


def payment_takes(payment: Payment, invoices: Mapping[str, Invoice]) -> tuple[list[tuple[Invoice, Decimal]], Decimal]:
    """How much of a received ``payment`` goes to each cited invoice (up to its balance; nothing to a
    cancelled one), in allocation order, and the excess left for a credit (R-I19)."""
    takes: list[tuple[Invoice, Decimal]] = []
    excess = payment.amount
    for number, amount_s in sorted(payment.allocation.items()):
        inv = invoices.get(number)
        if inv is None:
            raise NotFound(_("No invoice '{number}'", number=number), field="invoiceNumber")
        take = min(Decimal(amount_s), inv.balance) if not inv.cancelled else ZERO
        takes.append((inv, take))
        excess -= take
    return takes, excess


async def settle_payment(
    session: AsyncSession, payment: Payment, now: datetime, *, invoices: Mapping[str, Invoice] | None = None
) -> None:
    """Money has been received: apply it to the cited invoices (up to each balance); any excess becomes
    a credit (R-I19) that closes other unpaid invoices. Callers pass only money received — a confirmed
    card charge, a recorded or imported receipt, a redemption — never a wire notice. ``invoices``: the
    cited ones by number, already locked in this transaction (else they are, in one statement)."""
    if invoices is None:
        invoices = await invoices_by_number(session, list(payment.allocation), lock=True)
    takes, excess = payment_takes(payment, invoices)
    for inv, take in takes:
        _apply(session, inv, take, method=payment.method, kind="PAYMENT", now=now, payment=payment)
    payment.status = "SUCCEEDED"
    payment.settled_at = now
    await session.flush()
    if excess > 0:
        credit = await _new_credit(
            session,
            tenant_id=payment.tenant_id,
            currency=payment.currency,
            amount=excess,
            source="OVERPAYMENT",
            method=payment.method,
            now=now,
            payment=payment,
        )
        await apply_open_credits(session, payment.currency, now, credits=[credit])


# ---- refunds for the request's caller -------------------------------------------------------------
@dataclass(frozen=True)
class RefundView:
    """A refund with where its money came from: the credit and the payment the credit holds."""

    refund: Refund
    credit_number: str
    credit_source: str
    payment_number: str | None


async def refund_views(ctx: Context, refunds: Sequence[Refund]) -> list[RefundView]:
    """``refunds`` with their credits and payments (two statements for any number of refunds)."""
    credits = {
        c.id: c
        for c in (
            await ctx.session.execute(select(Credit).where(Credit.id.in_({r.credit_id for r in refunds})))
        ).scalars()
    }
    payment_ids = {c.payment_id for c in credits.values() if c.payment_id}
    numbers = dict(
        (await ctx.session.execute(select(Payment.id, Payment.number).where(Payment.id.in_(payment_ids)))).all()
    )
    out = []
    for r in refunds:
        credit = credits[r.credit_id]
        out.append(RefundView(r, credit.number, credit.source, numbers.get(credit.payment_id)))
    return out


async def _refund_view(ctx: Context, number: str) -> RefundView:
    refund = (await ctx.session.execute(select(Refund).where(Refund.number == number))).scalar_one()
    return (await refund_views(ctx, [refund]))[0]


async def refund_page(ctx: Context, status: str | None, *, first: int | None, after: str | None) -> Page:
    """Refunds of credit, newest first, optionally of one status (R-I19, R-I20), as RefundViews."""
    ctx.require_tenant()
    ctx.require("invoice", "view")
    stmt = select(Refund)
    if status is not None:
        stmt = stmt.where(Refund.status == status)
    rows, page, total, cursors = await keyset_page(ctx.session, stmt, [(Refund.id, True)], first=first, after=after)
    return await refund_views(ctx, list(rows)), page, total, cursors


async def refund_invoice_credit(ctx: Context, credit_number: str, idempotency_key: str | None = None) -> RefundView:
    """The caller asks for a credit's refund (``request_refund``): a customer who may pay invoices, or
    billing support who records payments. Replaying an idempotency key returns the first refund."""
    ctx.require_tenant()
    if not (ctx.allowed("invoice", "pay") or ctx.allowed("payment", "record")):
        ctx.require("invoice", "pay")

    async def run() -> dict[str, Any]:
        r = await request_refund(
            ctx.session,
            credit_number,
            ctx.principal.email,
            ctx.now(),
            approval_above_usd=ctx.state.settings.invoicing_refund_approval_usd,
        )
        return {"refund": r.number}

    out = await idempotent(ctx, "invoicing.refund", idempotency_key, {"credit": credit_number}, run)
    return await _refund_view(ctx, out["refund"])


async def decide_invoice_refund(ctx: Context, refund_number: str, approve: bool, note: str = "") -> RefundView:
    """Billing support (``refund:approve``) approves or rejects a refund waiting for approval
    (``decide_refund``)."""
    ctx.require_tenant()
    ctx.require("refund", "approve")
    r = await decide_refund(ctx.session, refund_number, approve, ctx.principal.email, ctx.now(), note)
    return await _refund_view(ctx, r.number)
