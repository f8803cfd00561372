"""Sharing the billing dashboard (R-S4): a tenant-wide BILLING_DASHBOARD role."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from core.context import Context
from core.emails import normalise_email
from core.errors import NotFound
from core.hookspecs import EMAIL, TENANT_ID, RoleCheck
from core.i18n import _
from core.models import ObjectGrant
from core.pagination import keyset_page
from plugins.sharing.service.common import (
    BILLING_DASHBOARD_ID,
    BILLING_DASHBOARD_OBJECT,
    BILLING_DASHBOARD_ROLE,
    BILLING_DASHBOARD_SHARED_KIND,
    SHARE_ACTION,
    Page,
)
from plugins.sharing.service.renewals import _ensure_people, _upsert_grants
from plugins.sharing.service.validation import share_targets


async def share_billing_dashboard(ctx: Context, emails: Iterable[str]) -> list[ObjectGrant]:
    """The invoice recipient (FINANCE), or billing support on the tenant's behalf, gives colleagues
    view access to invoices and rewards (R-S4) through the tenant-wide BILLING_DASHBOARD role."""
    tenant = ctx.require_tenant()
    ctx.require(BILLING_DASHBOARD_OBJECT, SHARE_ACTION)
    targets = share_targets(ctx, emails)
    invited = await _ensure_people(ctx, targets.emails)
    grants = await _upsert_grants(
        ctx, BILLING_DASHBOARD_OBJECT, BILLING_DASHBOARD_ID, targets.emails, BILLING_DASHBOARD_ROLE
    )
    by = _("Billing support") if ctx.principal.is_staff else ctx.principal.email
    for email in targets.emails:
        if email in invited:
            continue
        subject = _("{sharer} shared the {tenant} billing dashboard with you", sharer=by, tenant=tenant.name)
        body = _(
            "{sharer} gave you access to the invoices and rewards of {tenant} in the customer center.",
            sharer=by,
            tenant=tenant.name,
        )
        ctx.send_email(email, subject, body, kind=BILLING_DASHBOARD_SHARED_KIND)
        ctx.post_message(email, subject, body, kind=BILLING_DASHBOARD_SHARED_KIND)
    return grants


async def revoke_billing_dashboard(ctx: Context, email: str) -> ObjectGrant:
    ctx.require_tenant()
    ctx.require(BILLING_DASHBOARD_OBJECT, SHARE_ACTION)
    email = normalise_email(email)
    grant = (
        await ctx.session.execute(
            select(ObjectGrant).where(
                ObjectGrant.object_type == BILLING_DASHBOARD_OBJECT,
                ObjectGrant.object_id == BILLING_DASHBOARD_ID,
                ObjectGrant.grantee_email == email,
            )
        )
    ).scalar_one_or_none()
    if grant is None:
        raise NotFound(_("The billing dashboard is not shared with {email}", email=email))
    await ctx.session.delete(grant)
    await ctx.session.flush()
    return grant


async def billing_dashboard_shares_page(ctx: Context, *, first: int | None, after: str | None) -> Page:
    """Colleagues the billing dashboard is shared with, by email (R-S4, R-S5)."""
    ctx.require_tenant()
    ctx.require(BILLING_DASHBOARD_OBJECT, SHARE_ACTION)
    return await keyset_page(
        ctx.session,
        select(ObjectGrant).where(
            ObjectGrant.object_type == BILLING_DASHBOARD_OBJECT, ObjectGrant.object_id == BILLING_DASHBOARD_ID
        ),
        [(ObjectGrant.grantee_email, False), (ObjectGrant.id, False)],
        first=first,
        after=after,
    )


# Tenant-wide roles granted by shares: BILLING_DASHBOARD when the dashboard is shared (R-S4).
# Checked on every request, so a revoked share takes effect on the next one.
DASHBOARD_SHARED = RoleCheck(
    BILLING_DASHBOARD_ROLE,
    select(ObjectGrant.id).where(
        ObjectGrant.tenant_id == TENANT_ID,
        ObjectGrant.object_type == BILLING_DASHBOARD_OBJECT,
        ObjectGrant.object_id == BILLING_DASHBOARD_ID,
        ObjectGrant.grantee_email == EMAIL,
    ),
)
