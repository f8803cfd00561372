"""Messages to the sales rep: assistance (R-R13) and multi-year quotes (R-R11, R-R12)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select

from core.context import Context
from core.errors import BadUserInput, Conflict, NotFound
from core.i18n import LazyText, _
from core.money import Money
from plugins.renewals.models import Renewal, RenewalRequest
from plugins.renewals.service.edits import touch
from plugins.renewals.service.lists import lines_for
from plugins.renewals.service.rules import (
    MULTI_YEAR_PENDING,
    MULTI_YEAR_QUOTED,
    MULTI_YEAR_YEARS,
    PENDING,
    RENEWALS_DESK_EMAIL,
    check_message,
    list_of,
    multi_year_eligible_now,
)
from plugins.renewals.service.visibility import authorize, may_see, require_on


# --------------------------------------------------------------------------------------------
# Messages to the sales rep (R-R12, R-R13)
# --------------------------------------------------------------------------------------------
def store_message(
    ctx: Context, tenant_id: int, email: str, subject: str | LazyText, body: str | LazyText, kind: str
) -> None:
    """A message-center entry for ``email`` in ``tenant_id``, which need not be the caller's tenant (a rep
    answering in another tenant, an AutoRenew job); read in its reader's language."""
    ctx.post_message(email, subject, body, kind=kind, tenant_id=tenant_id)


async def request_assistance(ctx: Context, support_number: str, message: str) -> RenewalRequest:
    """R-R13: a message (≤ 1,800 characters) on a pending or future renewal, routed to its sales rep;
    the requester gets a copy."""
    text = check_message(message)
    renewal = await authorize(ctx, support_number, "request_assistance")
    if renewal.accepted_at is not None:
        raise Conflict(_("Assistance can be requested on pending or future renewals only"), reason="HISTORY")
    req = RenewalRequest(
        tenant_id=renewal.tenant_id,
        renewal_id=renewal.id,
        kind="ASSISTANCE",
        requester_email=ctx.principal.email,
        message=text,
        created_at=ctx.now(),
    )
    ctx.session.add(req)
    ctx.send_email(
        renewal.sales_rep_email or RENEWALS_DESK_EMAIL,
        _("Assistance requested on renewal {support_number}", support_number=renewal.support_number),
        _(
            "{requester} asks about support contract {support_number} ({customer}):\n\n{message}",
            requester=ctx.principal.email,
            support_number=renewal.support_number,
            customer=renewal.customer,
            message=text,
        ),
        kind="renewal.assistance",
        cc=[ctx.principal.email],
        tenant_id=renewal.tenant_id,
    )
    await ctx.session.flush()
    return req


async def answer_request(ctx: Context, request_id: int, answer: str) -> RenewalRequest:
    """The sales rep answers an assistance request; the requester is emailed and gets a message."""
    text = check_message(answer, "answer")
    # Authorised on the request's own renewal: a support number repeats across tenants, so looking
    # the renewal up again by number would let a rep answer a request on another rep's renewal.
    found = (
        await ctx.session.execute(
            select(RenewalRequest, Renewal)
            .join(Renewal, Renewal.id == RenewalRequest.renewal_id)
            .where(RenewalRequest.id == request_id, may_see(ctx))
        )
    ).one_or_none()
    if found is None:
        raise NotFound(_("No such request"))
    req, renewal = found
    await require_on(ctx, renewal, "answer_assistance")
    if ctx.tenant is None:  # from the assistance queue, across tenants: audited in the request's tenant
        ctx.acted_in.add(req.tenant_id)
    if req.answered_at is not None:
        raise Conflict(_("This request was already answered"))
    req.answer, req.answered_by, req.answered_at = text, ctx.principal.email, ctx.now()
    subject = _("Answer about renewal {support_number}", support_number=renewal.support_number)
    body = _(
        "{rep} answered your question about support contract {support_number}:\n\n{answer}",
        rep=ctx.principal.email,
        support_number=renewal.support_number,
        answer=text,
    )
    ctx.send_email(req.requester_email, subject, body, kind="renewal.assistance_answer", tenant_id=req.tenant_id)
    store_message(ctx, req.tenant_id, req.requester_email, subject, body, "renewal.assistance_answer")
    await ctx.session.flush()
    return req


async def requests_for(ctx: Context, renewal_ids: Sequence[int]) -> list[list[RenewalRequest]]:
    """Each renewal's assistance and multi-year requests, oldest first."""
    rows = (
        await ctx.session.execute(
            select(RenewalRequest)
            .where(RenewalRequest.renewal_id.in_(list(renewal_ids)))
            .order_by(RenewalRequest.created_at, RenewalRequest.id)
        )
    ).scalars()
    by: dict[int, list[RenewalRequest]] = {i: [] for i in renewal_ids}
    for r in rows:
        by[r.renewal_id].append(r)
    return [by[i] for i in renewal_ids]


# --------------------------------------------------------------------------------------------
# Multi-year (R-R11, R-R12)
# --------------------------------------------------------------------------------------------
async def request_multi_year(ctx: Context, support_number: str, message: str) -> Renewal:
    text = check_message(message)
    renewal = await authorize(ctx, support_number, "accept", for_update=True)
    if list_of(renewal.accepted_at is not None, renewal.start_date, ctx.today()) != PENDING:
        raise Conflict(_("A multi-year quote can be requested for pending renewals only"), reason="NOT_PENDING")
    if renewal.status in (MULTI_YEAR_PENDING, MULTI_YEAR_QUOTED):
        raise Conflict(_("A multi-year quote was already requested for this renewal"), reason="ALREADY_REQUESTED")
    lines = (await lines_for(ctx, [renewal.id]))[0]
    if not await multi_year_eligible_now(ctx, renewal, lines):
        raise BadUserInput(
            _("This renewal is not eligible for multi-year: Database products only, under USD 50,000 a year"),
            field="supportNumber",
        )
    renewal.status = MULTI_YEAR_PENDING
    renewal.multi_year_message = text
    touch(ctx, renewal)
    ctx.session.add(
        RenewalRequest(
            tenant_id=renewal.tenant_id,
            renewal_id=renewal.id,
            kind="MULTI_YEAR",
            requester_email=ctx.principal.email,
            message=text,
            created_at=ctx.now(),
        )
    )
    ctx.send_email(
        renewal.sales_rep_email or RENEWALS_DESK_EMAIL,
        _("Multi-year quote requested for renewal {support_number}", support_number=renewal.support_number),
        _(
            "{requester} asks for a {years}-year quote for support contract {support_number} ({customer}, "
            "{amount} a year):\n\n{message}",
            requester=ctx.principal.email,
            years=MULTI_YEAR_YEARS,
            support_number=renewal.support_number,
            customer=renewal.customer,
            amount=Money(renewal.amount, renewal.currency) if renewal.amount is not None else "—",
            message=text,
        ),
        kind="renewal.multi_year_request",
        cc=[ctx.principal.email],
        tenant_id=renewal.tenant_id,
    )
    await ctx.session.flush()
    return renewal


async def update_multi_year_quote(ctx: Context, support_number: str, amount: Decimal, currency: str) -> Renewal:
    """R-R12: the assigned sales rep sets the multi-year quote (total over the term)."""
    renewal = await authorize(ctx, support_number, "update_quote", for_update=True)
    if renewal.status not in (MULTI_YEAR_PENDING, MULTI_YEAR_QUOTED) or renewal.accepted_at is not None:
        raise Conflict(_("No multi-year quote was requested for this renewal"), reason="NOT_REQUESTED")
    if currency != renewal.currency:
        raise BadUserInput(_("The quote must be in {currency}", currency=renewal.currency), field="amount")
    renewal.multi_year_amount = amount
    renewal.multi_year_years = MULTI_YEAR_YEARS
    renewal.status = MULTI_YEAR_QUOTED
    touch(ctx, renewal)
    subject = _("Your multi-year quote for renewal {support_number} is ready", support_number=renewal.support_number)
    body = _(
        "The {years}-year renewal of support contract {support_number} is quoted at {amount}. Review and accept "
        "it in the customer center.",
        years=MULTI_YEAR_YEARS,
        support_number=renewal.support_number,
        amount=Money(amount, currency),
    )
    ctx.send_email(renewal.quote_to_email, subject, body, kind="renewal.multi_year_quoted", tenant_id=renewal.tenant_id)
    store_message(ctx, renewal.tenant_id, renewal.quote_to_email, subject, body, "renewal.multi_year_quoted")
    await ctx.session.flush()
    return renewal
