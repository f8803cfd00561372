"""Sharing rules (SPEC §5): renewal shares (R-S1, R-S2), the same-email-domain rule (R-S3),
billing-dashboard shares (R-S4) and listing / revoking shares (R-S5).

Every permission is decided by the Casbin enforcer (``ctx.require`` for role × object × action,
``ctx.authz.require_same_domain`` for R-S3, Casbin matcher m2); this module only orders the steps so
that all validation happens before the first write, and a refused request changes nothing.
Shares are rows of the core relation table :class:`core.models.ObjectGrant`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import users as user_service
from core.context import Context
from core.emails import normalise_email
from core.errors import BadUserInput, Conflict, NotFound
from core.hookspecs import EMAIL, TENANT_ID, RoleCheck
from core.models import ObjectGrant, Person
from plugins.sharing.models import ShareList, ShareListMember

# R-S1: the relation roles a renewal can be shared with (policy.csv gives each its actions).
PARTICIPANT = "PARTICIPANT"
VIEWER = "VIEWER"
SHARE_ROLES = (PARTICIPANT, VIEWER)
RENEWAL_OBJECT = "renewal"

# R-S4: the billing dashboard is one object per tenant; its share grants a tenant-wide role.
BILLING_DASHBOARD_OBJECT = "billing_dashboard"
BILLING_DASHBOARD_ID = "*"
BILLING_DASHBOARD_ROLE = "BILLING_DASHBOARD"

SHARE_LIST_OBJECT = "share_list"
SHARE_ACTION = "share"  # Casbin action for sharing, and for R-S3 (matcher m2)

# Input caps (an input list is capped like Shopify's 250) and the list name length.
MAX_EMAILS_PER_SHARE = 250
MAX_LIST_MEMBERS = 250
MAX_LIST_NAME = 100

# Kinds of the outbox emails / message-center entries this plugin writes.
RENEWAL_SHARED_KIND = "sharing.renewal_shared"
BILLING_DASHBOARD_SHARED_KIND = "sharing.billing_dashboard_shared"


@dataclass(frozen=True)
class ShareTargets:
    """The people a share reaches, validated: normalised, de-duplicated, same domain (R-S3)."""

    emails: tuple[str, ...]


async def _flush(ctx: Context, what: str) -> None:
    """Flush; a unique-key race with a concurrent request (two people sharing with the same person at
    once) becomes a retryable CONFLICT instead of an internal error. The request is rolled back whole."""
    try:
        await ctx.session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{what} was changed by another request at the same time; try again", retryable=True) from exc


# ------------------------------------------------------------------------------- validation
def check_share_role(role: str) -> str:
    if role not in SHARE_ROLES:
        raise BadUserInput(f"Unknown share role {role!r}; use one of {', '.join(SHARE_ROLES)}", field="role")
    return role


def normalise_emails(emails: Iterable[str], *, limit: int = MAX_EMAILS_PER_SHARE, field: str = "emails") -> list[str]:
    """Lower-cased, valid, de-duplicated (first occurrence kept) and at most ``limit`` addresses."""
    raw = list(emails)
    if len(raw) > limit:
        raise BadUserInput(f"At most {limit} email addresses at a time (got {len(raw)})", field=field)
    out: list[str] = []
    for e in raw:
        email = normalise_email(e)
        if email not in out:
            out.append(email)
    return out


def check_list_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise BadUserInput("A share list needs a name", field="name")
    if len(name) > MAX_LIST_NAME:
        raise BadUserInput(f"A share list name is at most {MAX_LIST_NAME} characters", field="name")
    return name


def share_targets(ctx: Context, emails: Iterable[str], *, limit: int = MAX_EMAILS_PER_SHARE) -> ShareTargets:
    """Validate the people to share with. A list with one foreign address is refused whole,
    naming that address (R-S3, decided by the Casbin same-domain matcher)."""
    wanted = normalise_emails(emails, limit=limit)
    if not wanted:
        raise BadUserInput("Name at least one person (an email or a share list) to share with", field="emails")
    if ctx.principal.email in wanted:
        raise BadUserInput("You cannot share with yourself", field="emails")
    ctx.authz.require_same_domain(SHARE_ACTION, wanted)
    return ShareTargets(tuple(wanted))


# ------------------------------------------------------------------------------- renewals
async def renewal_relation_roles(ctx: Context, support_number: str) -> list[str]:
    """The caller's relation roles on one renewal, from the plugin that owns renewals.

    That plugin raises NotFound when the renewal does not exist or is invisible to the caller; when
    no enabled plugin owns renewals at all, the renewal cannot exist for this tenant either."""
    hook = ctx.state.plugins.hook_for("cc_object_roles", ctx.enabled_plugins)
    owned = False
    roles: list[str] = []
    for result in hook(ctx=ctx, object=RENEWAL_OBJECT, object_id=str(support_number)):
        value = await result if hasattr(result, "__await__") else result
        if value is not None:
            owned = True
            roles.extend(value)
    if not owned:
        raise NotFound(f"No renewal {support_number}")
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
            f"{', '.join(removed)} was removed from your organisation; ask an admin to invite them again",
            emails=removed,
        )
    invited: list[str] = []
    for email in emails:
        if email not in found:
            try:
                await user_service.invite_person(ctx, email, action=SHARE_ACTION)
            except IntegrityError as exc:  # invited by a concurrent request a moment ago
                raise Conflict(f"{email} was invited by another request at the same time; try again") from exc
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
    what = "take part in (view, accept, request assistance)" if role == PARTICIPANT else "view"
    for email in targets.emails:
        if email in invited:
            continue  # the invitation email already told them; the share shows after first sign-in
        subject = f"{ctx.principal.email} shared renewal {support_number} with you"
        body = (
            f"{ctx.principal.email} shared support renewal {support_number} of {tenant.name} with you: "
            f"you can now {what} it in the customer center."
        )
        ctx.send_email(email, subject, body, kind=RENEWAL_SHARED_KIND)
        ctx.post_message(email, subject, body, kind=RENEWAL_SHARED_KIND)
    await ctx.emit("renewal.shared", {"supportNumber": support_number, "emails": list(targets.emails), "role": role})
    return grants


async def get_renewal_share(ctx: Context, share_id: int) -> ObjectGrant:
    grant = await ctx.session.get(ObjectGrant, share_id)
    if grant is None or grant.tenant_id != ctx.tenant_id or grant.object_type != RENEWAL_OBJECT:
        raise NotFound("No such share")
    return grant


async def change_share_role(ctx: Context, share_id: int, role: str) -> ObjectGrant:
    role = check_share_role(role)
    ctx.require_tenant()
    grant = await get_renewal_share(ctx, share_id)
    await authorize_renewal_share(ctx, grant.object_id)
    grant.role = role
    grant.granted_by = ctx.principal.email
    await ctx.session.flush()
    return grant


async def revoke_renewal_share(ctx: Context, share_id: int) -> ObjectGrant:
    """Revoke one share (R-S5). The grantee loses access on their next request."""
    ctx.require_tenant()
    grant = await get_renewal_share(ctx, share_id)
    await authorize_renewal_share(ctx, grant.object_id)
    await ctx.session.delete(grant)
    await ctx.session.flush()
    await ctx.emit("renewal.unshared", {"supportNumber": grant.object_id, "email": grant.grantee_email})
    return grant


def renewal_shares_stmt_many(support_numbers: Sequence[str]):  # noqa: ANN201
    return select(ObjectGrant).where(
        ObjectGrant.object_type == RENEWAL_OBJECT, ObjectGrant.object_id.in_(list(support_numbers))
    )


def renewal_shares_stmt(support_number: str):  # noqa: ANN201
    return select(ObjectGrant).where(ObjectGrant.object_type == RENEWAL_OBJECT, ObjectGrant.object_id == support_number)


# ------------------------------------------------------------------------- billing dashboard
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
    by = "Billing support" if ctx.principal.is_staff else ctx.principal.email
    for email in targets.emails:
        if email in invited:
            continue
        subject = f"{by} shared the {tenant.name} billing dashboard with you"
        body = f"{by} gave you access to the invoices and rewards of {tenant.name} in the customer center."
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
        raise NotFound(f"The billing dashboard is not shared with {email}")
    await ctx.session.delete(grant)
    await ctx.session.flush()
    return grant


def billing_dashboard_shares_stmt():  # noqa: ANN201
    return select(ObjectGrant).where(
        ObjectGrant.object_type == BILLING_DASHBOARD_OBJECT, ObjectGrant.object_id == BILLING_DASHBOARD_ID
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


# ------------------------------------------------------------------------------- share lists
async def get_share_list(ctx: Context, list_id: int) -> ShareList:
    """A share list of the caller's own (anyone else's is NOT_FOUND, not FORBIDDEN)."""
    ctx.require_tenant()
    ctx.require(SHARE_LIST_OBJECT, "manage")
    found = await ctx.session.get(ShareList, list_id)
    if found is None or found.tenant_id != ctx.tenant_id or found.owner_email != ctx.principal.email:
        raise NotFound("No such share list")
    return found


async def list_share_lists(ctx: Context) -> list[ShareList]:
    ctx.require_tenant()
    ctx.require(SHARE_LIST_OBJECT, "manage")
    stmt = select(ShareList).where(ShareList.owner_email == ctx.principal.email).order_by(ShareList.name, ShareList.id)
    return list((await ctx.session.execute(stmt)).scalars())


async def save_share_list(ctx: Context, name: str, emails: Iterable[str], list_id: int | None = None) -> ShareList:
    """Create or replace a named list. Its members must pass the same-domain rule now (R-S3), so a
    saved list never holds an address that sharing would refuse."""
    ctx.require_tenant()
    ctx.require(SHARE_LIST_OBJECT, "manage")
    name = check_list_name(name)
    members = normalise_emails(emails, limit=MAX_LIST_MEMBERS)
    if not members:
        raise BadUserInput("A share list needs at least one email", field="emails")
    ctx.authz.require_same_domain(SHARE_ACTION, members)
    clash = (
        await ctx.session.execute(
            select(ShareList.id).where(ShareList.owner_email == ctx.principal.email, ShareList.name == name)
        )
    ).scalar_one_or_none()
    if clash is not None and clash != list_id:
        raise Conflict(f"You already have a share list named {name!r}")
    if list_id is None:
        share_list = ShareList(
            tenant_id=ctx.tenant_id,
            owner_email=ctx.principal.email,
            name=name,
            created_at=ctx.now(),
            updated_at=ctx.now(),
        )
        ctx.session.add(share_list)
    else:
        share_list = await get_share_list(ctx, list_id)
        share_list.name = name
        share_list.updated_at = ctx.now()
    keep = [m for m in share_list.members if m.email in members]
    have = {m.email for m in keep}
    share_list.members = keep + [ShareListMember(tenant_id=ctx.tenant_id, email=e) for e in members if e not in have]
    await _flush(ctx, "This share list")
    await ctx.session.refresh(share_list, ["members"])
    return share_list


async def delete_share_list(ctx: Context, list_id: int) -> ShareList:
    share_list = await get_share_list(ctx, list_id)
    await ctx.session.delete(share_list)
    await ctx.session.flush()
    return share_list


# ---------------------------------------------------------------------------------- people
async def forget_person(ctx: Context, email: str) -> int:
    """A removed person's shares end at once (R-A3): their renewal shares and billing-dashboard share
    are deleted, not kept for a re-admission (re-admitted people start without shares). Shares they
    gave others stay: those were the sharers' own decisions. Returns how many were deleted."""
    grants = list(
        (
            await ctx.session.execute(
                select(ObjectGrant).where(
                    ObjectGrant.tenant_id == ctx.tenant_id,
                    ObjectGrant.grantee_email == email,
                    ObjectGrant.object_type.in_([RENEWAL_OBJECT, BILLING_DASHBOARD_OBJECT]),
                )
            )
        ).scalars()
    )
    for grant in grants:
        await ctx.session.delete(grant)
    await ctx.session.flush()
    for grant in grants:
        if grant.object_type == RENEWAL_OBJECT:
            await ctx.emit("renewal.unshared", {"supportNumber": grant.object_id, "email": grant.grantee_email})
    return len(grants)


async def person_statuses(session: AsyncSession, emails: Sequence[str]) -> list[str | None]:
    """Batch: the user status (INVITED / ACTIVE / REMOVED) of each email, None when unknown."""
    found = {
        email: status
        for email, status in (
            await session.execute(select(Person.email, Person.status).where(Person.email.in_(set(emails))))
        ).all()
    }
    return [found.get(e) for e in emails]
