"""Sharing renewals (R-S1, R-S2, R-S5): who may share one, granting, changing and revoking shares."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import users as user_service
from core.context import Context
from core.errors import Conflict, NotFound
from core.i18n import _
from core.models import ObjectGrant, Person
from core.pagination import keyset_page
from plugins.sharing.api import RENEWAL_SHARE_CHANGED, RENEWAL_SHARED, RENEWAL_UNSHARED
from plugins.sharing.service.common import PARTICIPANT, RENEWAL_OBJECT, RENEWAL_SHARED_KIND, SHARE_ACTION, Page, _flush
from plugins.sharing.service.share_lists import get_share_list
from plugins.sharing.service.validation import check_share_role, share_targets


async def renewal_relation_roles(ctx: Context, support_number: str) -> list[str]:
    """The caller's relation roles on one renewal, from the plugin that owns renewals.

    That plugin raises NotFound when the renewal does not exist or is invisible to the caller; when
    no enabled plugin owns renewals at all, the renewal cannot exist for this tenant either."""
    hook = ctx.state.plugins.hook_for("cc_object_roles", ctx.enabled_plugins)
    owned = False
    roles: list[str] = []
    for result in hook(ctx=ctx, object_type=RENEWAL_OBJECT, object_id=str(support_number)):
        value = await result if hasattr(result, "__await__") else result
        if value is not None:
            owned = True
            roles.extend(value)
    if not owned:
        raise NotFound(_("No renewal {support_number}", support_number=support_number))
    return roles


async def authorize_renewal_share(ctx: Context, support_number: str) -> str:
    """The sharer must see the renewal (else NOT_FOUND, never revealing it) and be allowed to share it.
    Returns the support number as stored (trimmed), the key of its share rows."""
    ctx.require_tenant()
    support_number = (support_number or "").strip()
    roles = await renewal_relation_roles(ctx, support_number)
    ctx.require(RENEWAL_OBJECT, SHARE_ACTION, roles)
    return support_number


async def _ensure_people(ctx: Context, emails: Sequence[str]) -> list[str]:
    """Invite whoever is not a user yet (R-S1: they see the share after first sign-in).
    Returns the emails that were invited (the invitation email replaces the share notice)."""
    found = {p.email: p for p in (await ctx.session.execute(select(Person).where(Person.email.in_(emails)))).scalars()}
    removed = [e for e in emails if e in found and found[e].status == "REMOVED"]
    if removed:
        # Sharing must not quietly undo an admin's removal (R-A3): an admin invites them again.
        raise Conflict(
            _(
                "{names} was removed from your organisation; ask an admin to invite them again",
                names=", ".join(removed),
            ),
            emails=removed,
        )
    invited: list[str] = []
    for email in emails:
        if email not in found:
            try:
                await user_service.invite_person(ctx, email, action=SHARE_ACTION)
            except IntegrityError as exc:  # invited by a concurrent request a moment ago
                raise Conflict(
                    _("{email} was invited by another request at the same time; try again", email=email)
                ) from exc
            invited.append(email)
    return invited


async def _upsert_grants(
    ctx: Context, object_type: str, object_id: str, emails: Sequence[str], role: str
) -> list[ObjectGrant]:
    existing = {
        g.grantee_email: g
        for g in (
            await ctx.session.execute(
                select(ObjectGrant).where(
                    ObjectGrant.object_type == object_type,
                    ObjectGrant.object_id == object_id,
                    ObjectGrant.grantee_email.in_(emails),
                )
            )
        ).scalars()
    }
    out: list[ObjectGrant] = []
    for email in emails:
        grant = existing.get(email)
        if grant is None:
            grant = ObjectGrant(
                tenant_id=ctx.tenant_id,
                object_type=object_type,
                object_id=object_id,
                grantee_email=email,
                role=role,
                granted_by=ctx.principal.email,
                created_at=ctx.now(),
            )
            ctx.session.add(grant)
        else:
            # Sharing again changes the role; the original grant date is kept.
            grant.role = role
            grant.granted_by = ctx.principal.email
        out.append(grant)
    await _flush(ctx, "These shares")
    return out


async def share_list_emails(ctx: Context, list_id: int) -> list[str]:
    share_list = await get_share_list(ctx, list_id)
    return share_list.emails


async def share_renewal(
    ctx: Context, support_number: str, role: str, emails: Iterable[str] = (), list_id: int | None = None
) -> list[ObjectGrant]:
    """Share a renewal with people and/or a saved list, as PARTICIPANT or VIEWER (R-S1, R-S3).
    Sharing again with someone who already has a share changes their role."""
    role = check_share_role(role)
    support_number = await authorize_renewal_share(ctx, support_number)
    wanted = list(emails)
    if list_id is not None:
        wanted.extend(await share_list_emails(ctx, list_id))
    targets = share_targets(ctx, wanted)
    invited = await _ensure_people(ctx, targets.emails)
    grants = await _upsert_grants(ctx, RENEWAL_OBJECT, support_number, targets.emails, role)
    tenant = ctx.require_tenant()
    for email in targets.emails:
        if email in invited:
            continue  # the invitation email already told them; the share shows after first sign-in
        subject = _(
            "{sharer} shared renewal {support_number} with you",
            sharer=ctx.principal.email,
            support_number=support_number,
        )
        body = (
            _(
                "{sharer} shared support renewal {support_number} of {tenant} with you: you can now take part in it "
                "(view, accept, request assistance) in the customer center.",
                sharer=ctx.principal.email,
                support_number=support_number,
                tenant=tenant.name,
            )
            if role == PARTICIPANT
            else _(
                "{sharer} shared support renewal {support_number} of {tenant} with you: you can now view it in the "
                "customer center.",
                sharer=ctx.principal.email,
                support_number=support_number,
                tenant=tenant.name,
            )
        )
        ctx.send_email(email, subject, body, kind=RENEWAL_SHARED_KIND)
        ctx.post_message(email, subject, body, kind=RENEWAL_SHARED_KIND)
    payload = {"support_number": support_number, "emails": list(targets.emails), "role": role}
    await ctx.emit(RENEWAL_SHARED, {**payload, "shared_by": ctx.principal.email})
    return grants


async def get_renewal_share(ctx: Context, share_id: int) -> ObjectGrant:
    grant = await ctx.session.get(ObjectGrant, share_id)
    if grant is None or grant.tenant_id != ctx.tenant_id or grant.object_type != RENEWAL_OBJECT:
        raise NotFound(_("No such share"))
    return grant


async def change_share_role(ctx: Context, share_id: int, role: str) -> ObjectGrant:
    role = check_share_role(role)
    ctx.require_tenant()
    grant = await get_renewal_share(ctx, share_id)
    await authorize_renewal_share(ctx, grant.object_id)
    grant.role = role
    grant.granted_by = ctx.principal.email
    await ctx.session.flush()
    payload = {"support_number": grant.object_id, "email": grant.grantee_email, "role": role}
    await ctx.emit(RENEWAL_SHARE_CHANGED, {**payload, "changed_by": ctx.principal.email})
    return grant


async def revoke_renewal_share(ctx: Context, share_id: int) -> ObjectGrant:
    """Revoke one share (R-S5). The grantee loses access on their next request."""
    ctx.require_tenant()
    grant = await get_renewal_share(ctx, share_id)
    await authorize_renewal_share(ctx, grant.object_id)
    await ctx.session.delete(grant)
    await ctx.session.flush()
    await ctx.emit(RENEWAL_UNSHARED, {"support_number": grant.object_id, "email": grant.grantee_email})
    return grant


async def renewal_shares_page(ctx: Context, support_number: str, *, first: int | None, after: str | None) -> Page:
    """People a renewal is shared with, by email (R-S5), for whoever may share it."""
    support_number = await authorize_renewal_share(ctx, support_number)
    return await keyset_page(
        ctx.session,
        select(ObjectGrant).where(ObjectGrant.object_type == RENEWAL_OBJECT, ObjectGrant.object_id == support_number),
        [(ObjectGrant.grantee_email, False), (ObjectGrant.id, False)],
        first=first,
        after=after,
    )


async def shares_of(session: AsyncSession, support_numbers: Sequence[str]) -> list[list[ObjectGrant]]:
    """Each renewal's shares, by grantee email, in one statement whatever the number of renewals."""
    rows = (
        await session.execute(
            select(ObjectGrant)
            .where(ObjectGrant.object_type == RENEWAL_OBJECT, ObjectGrant.object_id.in_(list(support_numbers)))
            .order_by(ObjectGrant.grantee_email, ObjectGrant.id)
        )
    ).scalars()
    by: dict[str, list[ObjectGrant]] = {n: [] for n in support_numbers}
    for g in rows:
        by[g.object_id].append(g)
    return [by[n] for n in support_numbers]


async def share_counts(session: AsyncSession, support_numbers: Sequence[str]) -> dict[str, int]:
    """How many people each renewal is shared with (R-S5), in one statement."""
    tenant_id = session.info.get("tenant_id")
    if tenant_id is None:  # the central tenant filter does not see an aggregate of columns
        raise RuntimeError("share counts need a tenant-bound session")
    rows = await session.execute(
        select(ObjectGrant.object_id, func.count())
        .where(
            ObjectGrant.tenant_id == tenant_id,
            ObjectGrant.object_type == RENEWAL_OBJECT,
            ObjectGrant.object_id.in_(list(support_numbers)),
        )
        .group_by(ObjectGrant.object_id)
    )
    found = {number: int(n) for number, n in rows.all()}
    return {number: found.get(number, 0) for number in support_numbers}


async def renewal_shares_by_number(ctx: Context, support_numbers: Sequence[str]) -> list[list[ObjectGrant]]:
    """The shares of a page of renewals (their sharing tabs), unchecked: each tab is checked with
    :func:`require_may_see_shares` once its shares are loaded, as they decide the caller's roles."""
    return await shares_of(ctx.session, support_numbers)


def require_may_see_shares(
    ctx: Context, grants: Sequence[ObjectGrant], owner_email: str, rep_email: str | None
) -> None:
    """A renewal's sharing tab is for those who may share it (§6: TECHNICAL). The caller's relation
    roles come from the renewal's owner and assigned rep and from its shares already loaded, so a
    page of renewals costs no query per renewal."""
    p = ctx.principal
    roles = [g.role for g in grants if g.grantee_email == p.email]
    if not p.is_staff and owner_email == p.email:
        roles.append("OWNER")
    if p.is_staff and rep_email == p.email:
        roles.append("ASSIGNED_REP")
    ctx.require(RENEWAL_OBJECT, SHARE_ACTION, roles)
    ctx.require_tenant()
