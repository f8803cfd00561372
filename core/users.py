"""People of a tenant: invite, list, change role, remove (R-A2, R-A3, R-A4, R-S3)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select

from core.auth import ADMIN_ROLE, PERSON_ROLES
from core.context import Context
from core.errors import BadUserInput, Conflict, NotFound
from core.models import Person, PersonRole

EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
MAX_NAME = 100


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise BadUserInput(f"{email!r} is not a valid email address", field="email")
    return email


def check_roles(roles: Iterable[str]) -> set[str]:
    roles = set(roles)
    unknown = roles - PERSON_ROLES
    if unknown:
        raise BadUserInput(f"Unknown role(s): {', '.join(sorted(unknown))}", field="roles")
    return roles


def check_name(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_NAME:
        raise BadUserInput(f"{field} is longer than {MAX_NAME} characters", field=field)
    return value


async def person_by_email(ctx: Context, email: str) -> Person | None:
    return (await ctx.session.execute(select(Person).where(Person.email == email))).scalar_one_or_none()


async def invite_person(
    ctx: Context,
    email: str,
    first_name: str = "",
    last_name: str = "",
    roles: Iterable[str] = (),
    *,
    notify: bool = True,
    action: str = "invite",
) -> Person:
    """Invite a person of the caller's organisation (R-A3). The email must be in one of the tenant's
    domains (R-S3, decided by the Casbin same-domain matcher). An existing person is returned as is."""
    email = normalise_email(email)
    ctx.authz.require_same_domain(action, [email])
    roles = check_roles(roles)
    existing = (
        await ctx.session.execute(
            select(Person).where(Person.email == email).execution_options(skip_tenant_filter=True)
        )
    ).scalar_one_or_none()
    if existing is not None:
        if existing.tenant_id != ctx.tenant_id:
            raise Conflict(f"{email} already belongs to another organisation")
        if existing.status == "REMOVED":
            existing.status = "INVITED"
        return existing
    person = Person(
        tenant_id=ctx.tenant_id,
        email=email,
        first_name=check_name(first_name, "firstName"),
        last_name=check_name(last_name, "lastName"),
        status="INVITED",
        invited_by_email=ctx.principal.email,
        created_at=ctx.now(),
        roles=[PersonRole(tenant_id=ctx.tenant_id, role=r) for r in sorted(roles)],
    )
    ctx.session.add(person)
    await ctx.session.flush()
    if notify:
        tenant = ctx.require_tenant()
        ctx.send_email(
            email,
            f"You have been invited to the {tenant.name} customer center",
            f"{ctx.principal.email} invited you to the customer center of {tenant.name}.\n"
            f"Your username is your email address: {email}\nSign in to get started.",
            kind="user.invited",
        )
    return person


async def get_person(ctx: Context, person_id: int) -> Person:
    person = (await ctx.session.execute(select(Person).where(Person.id == person_id))).scalar_one_or_none()
    if person is None or person.status == "REMOVED":
        raise NotFound("No such user")
    return person


async def set_roles(ctx: Context, person_id: int, roles: Iterable[str]) -> Person:
    person = await get_person(ctx, person_id)
    roles = check_roles(roles)
    if person.email == ctx.principal.email and ADMIN_ROLE in person.role_names and ADMIN_ROLE not in roles:
        raise Conflict("You cannot remove your own admin role")
    person.roles = [r for r in person.roles if r.role in roles] + [
        PersonRole(tenant_id=person.tenant_id, role=r) for r in sorted(roles - person.role_names)
    ]
    await ctx.session.flush()
    return person


async def remove_person(ctx: Context, person_id: int) -> Person:
    person = await get_person(ctx, person_id)
    if person.email == ctx.principal.email:
        raise Conflict("You cannot remove yourself")
    person.status = "REMOVED"
    person.roles = []
    await ctx.session.flush()
    return person
