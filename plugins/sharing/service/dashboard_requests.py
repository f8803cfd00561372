"""Billing-dashboard share requests (R-S4, issue 22): when the invoice recipient cannot share the billing
dashboard (they left the company), a person of the organisation asks billing support to share it on the
organisation's behalf; billing support works the requests from its queue across tenants and grants one
in its tenant (the same share as ``shareBillingDashboard``, authorized there) or declines it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select

from core.errors import BadUserInput, Conflict, NotFound
from core.i18n import _
from core.pagination import Page, keyset_page
from core.queues import QueueScope, acting_in, tenant_of_item
from plugins.sharing.models import DashboardShareRequest
from plugins.sharing.service.billing_dashboard import share_billing_dashboard
from plugins.sharing.service.common import BILLING_DASHBOARD_OBJECT, SHARE_ACTION
from plugins.sharing.service.validation import normalise_emails

if TYPE_CHECKING:
    from core.context import Context

PLUGIN = "sharing"
REQUEST_ACTION = "request_share"  # (role, *, billing_dashboard, request_share): any person of the tenant
QUEUE = "dashboard_share_requests"
STATUSES = ("OPEN", "GRANTED", "DECLINED")
MAX_REASON_CHARS = 1800
MAX_EMAILS_PER_REQUEST = 20
MAX_OPEN_PER_PERSON = 1  # one open request at a time: billing support answers it before another


def _text(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text or len(text) > MAX_REASON_CHARS:
        raise BadUserInput(
            _("{field} must be 1 to {MAX_REASON_CHARS} characters", field=field, MAX_REASON_CHARS=MAX_REASON_CHARS),
            field=field,
        )
    return text


async def request_dashboard_share(ctx: Context, emails: Iterable[str], reason: str) -> DashboardShareRequest:
    """A person asks billing support to share the billing dashboard with ``emails`` (themselves
    included) of their own organisation (R-S3), saying why the recipient cannot."""
    ctx.require_tenant()
    ctx.require(BILLING_DASHBOARD_OBJECT, REQUEST_ACTION)
    wanted = normalise_emails(emails, limit=MAX_EMAILS_PER_REQUEST)
    if not wanted:
        raise BadUserInput(_("Name at least one person to share the billing dashboard with"), field="emails")
    ctx.authz.require_same_domain(SHARE_ACTION, wanted)
    text = _text(reason, "reason")
    me = ctx.principal.email
    open_ones = (
        await ctx.session.execute(
            select(DashboardShareRequest.id).where(
                DashboardShareRequest.requested_by == me, DashboardShareRequest.status == "OPEN"
            )
        )
    ).all()
    if len(open_ones) >= MAX_OPEN_PER_PERSON:
        raise Conflict(_("You already have an open request; billing support answers it first"))
    req = DashboardShareRequest(
        tenant_id=ctx.require_tenant().id,
        requested_by=me,
        emails=",".join(wanted),
        reason=text,
        status="OPEN",
        created_at=ctx.now(),
        resolution_note="",
    )
    ctx.session.add(req)
    await ctx.session.flush()
    return req


async def dashboard_request_queue(
    ctx: Context,
    scope: QueueScope,
    *,
    status: str | None,
    tenant_key: str | None,
    first: int | None,
    after: str | None,
) -> Page:
    """Requests (OPEN unless ``status`` says otherwise) over the caller's scope, oldest first."""
    scope.require(QUEUE)
    status = status or "OPEN"
    if status not in STATUSES:
        raise BadUserInput(_("status must be one of {names}", names=", ".join(STATUSES)), field="status")
    stmt = select(DashboardShareRequest).where(
        DashboardShareRequest.status == status, scope.where(DashboardShareRequest.tenant_id, PLUGIN, tenant_key)
    )
    return await keyset_page(
        ctx.session,
        stmt,
        [(DashboardShareRequest.created_at, False), (DashboardShareRequest.id, False)],
        first=first,
        after=after,
    )


async def _open_request(ctx: Context, request_id: int) -> DashboardShareRequest:
    stmt = select(DashboardShareRequest).where(DashboardShareRequest.id == request_id)
    if ctx.state.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    req = (await ctx.session.execute(stmt)).scalar_one_or_none()
    if req is None:
        raise NotFound(_("No such request"))
    if req.status != "OPEN":
        raise Conflict(_("This request was {value} already", value=req.status.lower()))
    return req


async def grant_dashboard_request(ctx: Context, request_id: int) -> DashboardShareRequest:
    """Share the billing dashboard as requested, in the request's tenant (``billing_dashboard:share``
    there: billing support on the organisation's behalf, R-S4); the people get the usual email."""
    tenant_id = await tenant_of_item(ctx, DashboardShareRequest, request_id)
    async with acting_in(ctx, tenant_id, PLUGIN) as tctx:
        req = await _open_request(tctx, request_id)
        await share_billing_dashboard(tctx, req.emails.split(","))
        req.status, req.resolved_by, req.resolved_at = "GRANTED", ctx.principal.email, ctx.now()
        await tctx.session.flush()
        return req


async def decline_dashboard_request(ctx: Context, request_id: int, note: str) -> DashboardShareRequest:
    """Decline a request (with the reason the requester is told), in its tenant, by whoever may share
    the dashboard there on the organisation's behalf."""
    text = _text(note, "note")
    tenant_id = await tenant_of_item(ctx, DashboardShareRequest, request_id)
    async with acting_in(ctx, tenant_id, PLUGIN) as tctx:
        tctx.require(BILLING_DASHBOARD_OBJECT, SHARE_ACTION)
        req = await _open_request(tctx, request_id)
        req.status, req.resolved_by, req.resolved_at, req.resolution_note = (
            "DECLINED",
            ctx.principal.email,
            ctx.now(),
            text,
        )
        subject = _("Your billing dashboard request was declined")
        body = _("Your request to share the billing dashboard was declined:\n\n{note}", note=text)
        tctx.send_email(req.requested_by, subject, body, kind="sharing.dashboard_request_declined")
        tctx.post_message(req.requested_by, subject, body, kind="sharing.dashboard_request_declined")
        await tctx.session.flush()
        return req
