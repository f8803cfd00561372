"""Visibility (R-S2, R-R15): a person sees the renewals whose quote-to contact they are (relation OWNER)
or that are shared with them by an ``ObjectGrant`` row (relation PARTICIPANT / VIEWER); a sales rep
(staff) sees the renewals assigned to them (relation ASSIGNED_REP) in any tenant. Lists express
these relations as SQL (EXISTS on object_grants) and ask the enforcer once per relation role."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select

from core.context import Context
from core.errors import BadUserInput, Forbidden, NotFound
from core.i18n import _
from core.models import ObjectGrant
from plugins.renewals.models import Renewal
from plugins.renewals.service.rules import ASSIGNED_REP, GRANT_ROLES, OBJECT, OWNER, SALES_REP


# --------------------------------------------------------------------------------------------
# Visibility and relation roles
# --------------------------------------------------------------------------------------------
def grant_exists(email: str, roles: Sequence[str]) -> ColumnElement[bool]:
    """SQL: the renewal is shared with ``email`` in one of ``roles`` (an ``ObjectGrant`` row)."""
    return exists().where(
        ObjectGrant.tenant_id == Renewal.tenant_id,
        ObjectGrant.object_type == OBJECT,
        ObjectGrant.object_id == Renewal.support_number,
        ObjectGrant.grantee_email == email,
        ObjectGrant.role.in_(list(roles)),
    )


def granted_numbers(email: str, roles: Sequence[str]) -> Select:
    """SQL: the support numbers shared with ``email`` in one of ``roles`` — a few rows of the grants
    index, to start from instead of testing every renewal with :func:`grant_exists`."""
    return select(ObjectGrant.object_id).where(
        ObjectGrant.object_type == OBJECT, ObjectGrant.grantee_email == email, ObjectGrant.role.in_(list(roles))
    )


def customer_relations(ctx: Context, action: str = "view") -> tuple[bool, list[str]]:
    """For a customer (not staff): whether OWNER may ``action``, and the grant roles that may."""
    owner = ctx.allowed(OBJECT, action, [OWNER])
    return owner, [r for r in GRANT_ROLES if ctx.allowed(OBJECT, action, [r])]


def visibility(ctx: Context, action: str = "view") -> ColumnElement[bool]:
    """SQL for "renewals the caller may ``action`` through a relation" (R-S2). One memoised enforcer
    question per relation role; raises FORBIDDEN when no relation could ever allow the action."""
    p = ctx.principal
    clauses: list[ColumnElement[bool]] = []
    if p.is_staff:
        if SALES_REP in p.staff_roles and ctx.allowed(OBJECT, action, [ASSIGNED_REP]):
            clauses.append(Renewal.sales_rep_email == p.email)
    else:
        owner, roles = customer_relations(ctx, action)
        if owner:
            clauses.append(Renewal.quote_to_email == p.email)
        if roles:
            clauses.append(grant_exists(p.email, roles))
    if not clauses:
        raise Forbidden(_("Not allowed to {action} renewals", action=action), object=OBJECT, action=action)
    return or_(*clauses)


def may_see(ctx: Context) -> ColumnElement[bool]:
    """Any relation at all (the enforcer then decides the action on that one renewal)."""
    p = ctx.principal
    if p.is_staff:
        return and_(Renewal.sales_rep_email == p.email, SALES_REP in p.staff_roles)
    return or_(Renewal.quote_to_email == p.email, grant_exists(p.email, GRANT_ROLES))


async def relation_roles(ctx: Context, renewal: Renewal) -> list[str]:
    p = ctx.principal
    roles: list[str] = []
    if p.is_staff:
        if SALES_REP in p.staff_roles and renewal.sales_rep_email and renewal.sales_rep_email == p.email:
            roles.append(ASSIGNED_REP)
        return roles
    if renewal.quote_to_email == p.email:
        roles.append(OWNER)
    grant = (
        await ctx.session.execute(
            select(ObjectGrant.role).where(
                ObjectGrant.tenant_id == renewal.tenant_id,
                ObjectGrant.object_type == OBJECT,
                ObjectGrant.object_id == renewal.support_number,
                ObjectGrant.grantee_email == p.email,
            )
        )
    ).scalar_one_or_none()
    if grant:
        roles.append(grant)
    return roles


async def find_renewal(ctx: Context, support_number: str, *, for_update: bool = False) -> Renewal:
    """The renewal with that support number that the caller has a relation to, else NOT_FOUND (never
    revealing whether it exists in another tenant or belongs to someone else)."""
    sn = (support_number or "").strip()
    if not sn or len(sn) > 64:
        raise BadUserInput(_("supportNumber is required"), field="supportNumber")
    stmt = select(Renewal).where(Renewal.support_number == sn, may_see(ctx)).limit(2)
    if for_update and ctx.state.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Renewal)
    found = list((await ctx.session.execute(stmt)).scalars())
    if not found:
        raise NotFound(_("No renewal {sn}", sn=sn))
    if len(found) > 1:
        raise BadUserInput(_("That support number exists in several tenants; choose one with the X-Tenant header"))
    return found[0]


async def authorize(ctx: Context, support_number: str, action: str, *, for_update: bool = False) -> Renewal:
    """Find a renewal the caller can see and require ``action`` on it with their relation roles."""
    return await require_on(ctx, await find_renewal(ctx, support_number, for_update=for_update), action)


async def require_on(ctx: Context, renewal: Renewal, action: str) -> Renewal:
    """Require ``action`` on this very renewal with the caller's relation roles to it; one they
    cannot view is NOT_FOUND, so probing ids tells nothing."""
    roles = await relation_roles(ctx, renewal)
    if not ctx.allowed(OBJECT, "view", roles):
        raise NotFound(_("No renewal {support_number}", support_number=renewal.support_number))
    ctx.require(OBJECT, action, roles)
    return renewal


async def object_roles(ctx: Context, support_number: str) -> list[str]:
    """cc_object_roles for ``renewal``: NOT_FOUND unless the caller can view it."""
    renewal = await find_renewal(ctx, support_number)
    roles = await relation_roles(ctx, renewal)
    if not ctx.allowed(OBJECT, "view", roles):
        raise NotFound(_("No renewal {support_number}", support_number=renewal.support_number))
    return roles
