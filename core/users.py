"""People of a tenant: invite, list, change role, remove (R-A2, R-A3, R-A4, R-S3).

Every way a person comes to exist or gets a role goes through this module, which decides who may:

- inviting (``user/invite``) is open to the contacts §6 names; people they add hold no role and get
  access only through shares (R-A3). Sharing invites newcomers the same way (without ``user/invite``);
- giving a role, on invitation or with :func:`change_roles`, needs ``user/grant_role`` (tenant
  admins) and only covers roles the giver holds — or ``user/grant_any_role`` (vendor operators acting
  in the tenant). Taking roles away is part of ``user/change_role``;
- removing (``user/remove``) ends the person's access at once: tokens issued until then are refused
  (``Person.tokens_revoked_at``) and plugins drop their shares and authorisations on the
  :data:`PERSON_REMOVED` event; re-admitting them is ``user/readmit`` (admins), and brings none back.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth import ADMIN_ROLE, PERSON_ROLES, token_clock
from core.context import Context
from core.emails import normalise_email
from core.errors import BadUserInput, Conflict, Forbidden, NotFound
from core.events import event_spec
from core.i18n import SUPPORTED_LOCALES, _, current_locale, locales_list, supported_locale
from core.ids import from_global_id
from core.models import Person, PersonRole

MAX_NAME = 100

USER_OBJECT = "user"
INVITE_ACTION = "invite"
CHANGE_ROLE_ACTION = "change_role"
REMOVE_ACTION = "remove"
GRANT_ROLE_ACTION = "grant_role"  # roles the granter holds themselves
GRANT_ANY_ROLE_ACTION = "grant_any_role"
READMIT_ACTION = "readmit"

# Domain event emitted by remove_person (payload in docs/writing-a-plugin.md §5).
PERSON_REMOVED = "person.removed"
CORE_EVENTS = (
    event_spec(
        PERSON_REMOVED,
        "core",
        "A tenant admin removed a person (`removeUser`, R-A3): after they are marked REMOVED, their roles "
        "cleared and their tokens refused, before the commit. End whatever you granted to their email.",
        ("person_id", "int", "the person's internal id"),
        ("email", "str", "their email (lower case): the key of grants such as shares"),
        ("removed_by", "str", "email of the admin who removed them"),
        ("removed_at", "str", "ISO-8601 UTC datetime (the app clock)"),
        every_plugin=True,
    ),
)
"""The events core emits (core/events.py); each plugin declares its own with ``cc_events``."""


def check_roles(roles: Iterable[str]) -> set[str]:
    roles = set(roles)
    unknown = roles - PERSON_ROLES
    if unknown:
        raise BadUserInput(_("Unknown role(s): {names}", names=", ".join(sorted(unknown))), field="roles")
    return roles


def check_name(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_NAME:
        raise BadUserInput(
            _("{field} is longer than {MAX_NAME} characters", field=field, MAX_NAME=MAX_NAME), field=field
        )
    return value


def authorize_grant(ctx: Context, granted: Iterable[str]) -> None:
    """R-A3: may the caller give these roles? Only a tenant admin gives roles, and nobody gives a
    role they do not hold; vendor operators acting in the tenant give any. Raises FORBIDDEN."""
    granted = set(granted)
    if not granted or ctx.allowed(USER_OBJECT, GRANT_ANY_ROLE_ACTION):
        return
    if not ctx.allowed(USER_OBJECT, GRANT_ROLE_ACTION):
        raise Forbidden(
            _("Only a tenant admin can give roles; invite the person without roles and share with them instead"),
            object=USER_OBJECT,
            action=GRANT_ROLE_ACTION,
            roles=sorted(granted),
        )
    missing = sorted(granted - ctx.principal.roles)
    if missing:
        raise Forbidden(
            _("You cannot give a role you do not hold yourself: {names}", names=", ".join(missing)),
            object=USER_OBJECT,
            action=GRANT_ROLE_ACTION,
            roles=missing,
        )


async def person_by_email(ctx: Context, email: str) -> Person | None:
    return (await ctx.session.execute(select(Person).where(Person.email == email))).scalar_one_or_none()


async def invite_user(
    ctx: Context, email: str, first_name: str = "", last_name: str = "", roles: Iterable[str] = ()
) -> Person:
    """The ``inviteUser`` mutation: a contact §6 allows to invite adds a person of their organisation."""
    ctx.require_tenant()
    ctx.require(USER_OBJECT, INVITE_ACTION)
    return await invite_person(ctx, email, first_name, last_name, roles)


async def invite_person(
    ctx: Context,
    email: str,
    first_name: str = "",
    last_name: str = "",
    roles: Iterable[str] = (),
    *,
    notify: bool = True,
    action: str = INVITE_ACTION,
) -> Person:
    """Invite a person of the caller's organisation (R-A3), also as a side effect of sharing. The email
    must be in one of the tenant's domains (R-S3, decided by the Casbin same-domain matcher); roles
    need :func:`authorize_grant`. An existing person is returned as is, except a removed one, whom
    only an admin re-admits (with the roles given now, their old access and tokens staying gone)."""
    roles = check_roles(roles)
    authorize_grant(ctx, roles)
    email = normalise_email(email)
    ctx.authz.require_same_domain(action, [email])
    existing = (
        await ctx.session.execute(
            select(Person).where(Person.email == email).execution_options(skip_tenant_filter=True)
        )
    ).scalar_one_or_none()
    if existing is not None:
        if existing.tenant_id != ctx.tenant_id:
            raise Conflict(_("{email} already belongs to another organisation", email=email))
        if existing.status != "REMOVED":
            return existing
        if not ctx.allowed(USER_OBJECT, READMIT_ACTION):
            raise Forbidden(
                _("{email} was removed from your organisation; only an admin can re-admit them", email=email),
                object=USER_OBJECT,
                action=READMIT_ACTION,
            )
        person = existing
        person.status = "INVITED"
        person.invited_by_email = ctx.principal.email
        person.roles = [PersonRole(tenant_id=person.tenant_id, role=r) for r in sorted(roles)]
    else:
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
            _("You have been invited to the {tenant} customer center", tenant=tenant.name),
            _(
                "{inviter} invited you to the customer center of {tenant}.\nYour username is your email address: "
                "{email}\nSign in to get started.",
                inviter=ctx.principal.email,
                tenant=tenant.name,
                email=email,
            ),
            kind="user.invited",
        )
    return person


async def set_my_locale(ctx: Context, locale: str) -> Person:
    """The ``setMyLocale`` mutation: a person chooses the language they read in (emails, messages,
    documents, errors). Only their own; the rest of this request answers in it already."""
    ctx.require_tenant()
    ctx.require("viewer", "view")
    if ctx.principal.person_id is None or ctx.principal.is_staff:
        raise Forbidden(_("Only a person of this organisation has a language to choose; send Accept-Language instead"))
    person = ctx.person or await ctx.session.get(Person, ctx.principal.person_id)
    found = supported_locale(locale)
    if person is None or found is None:
        raise BadUserInput(
            _("Unknown language '{locale}': choose one of {allowed}", locale=locale[:40], allowed=locales_list()),
            field="locale",
            allowed=list(SUPPORTED_LOCALES),
        )
    person.locale = found
    ctx.locale = found
    current_locale.set(found)
    await ctx.session.flush()
    return person


async def get_person(ctx: Context, person_id: int | str) -> Person:
    """A current person of the acting tenant, by id or by ``User`` global id (NOT_FOUND otherwise)."""
    if isinstance(person_id, str):
        person_id = from_global_id(person_id, "User")
    person = (await ctx.session.execute(select(Person).where(Person.id == person_id))).scalar_one_or_none()
    if person is None or person.status == "REMOVED":
        raise NotFound(_("No such user"))
    return person


async def change_roles(ctx: Context, person_id: int | str, roles: Iterable[str]) -> Person:
    """The ``changeUserRoles`` mutation (R-A3): replace a person's roles. Every role added must pass
    :func:`authorize_grant`, so nobody raises themselves; taking roles away needs only change_role.
    The caller is authorized before the id is even read, so a refusal tells nothing about it."""
    ctx.require_tenant()
    ctx.require(USER_OBJECT, CHANGE_ROLE_ACTION)
    roles = check_roles(roles)
    person = await get_person(ctx, person_id)
    authorize_grant(ctx, roles - person.role_names)
    if person.email == ctx.principal.email and ADMIN_ROLE in person.role_names and ADMIN_ROLE not in roles:
        raise Conflict(_("You cannot remove your own admin role"))
    person.roles = [r for r in person.roles if r.role in roles] + [
        PersonRole(tenant_id=person.tenant_id, role=r) for r in sorted(roles - person.role_names)
    ]
    await ctx.session.flush()
    return person


async def remove_person(ctx: Context, person_id: int | str) -> Person:
    """The ``removeUser`` mutation (R-A3): the person's access ends at once. Their roles go, every
    token issued until now is refused, and each installed plugin drops what it granted them."""
    ctx.require_tenant()
    ctx.require(USER_OBJECT, REMOVE_ACTION)
    person = await get_person(ctx, person_id)
    if person.email == ctx.principal.email:
        raise Conflict(_("You cannot remove yourself"))
    person.status = "REMOVED"
    person.roles = []
    person.tokens_revoked_at = token_clock()
    await ctx.session.flush()
    payload = {
        "person_id": person.id,
        "email": person.email,
        "removed_by": ctx.principal.email,
        "removed_at": ctx.now().isoformat(),
    }
    # Every installed plugin, not only the enabled ones: a module switched off now keeps its rows and
    # would hand the old access back once switched on again and the person re-admitted.
    await ctx.emit(PERSON_REMOVED, payload, every_plugin=True)
    return person


async def people_with_role(session: AsyncSession, tenant_id: int, role: str) -> list[str]:
    """The emails of a tenant's people (not removed) holding ``role``, sorted. For jobs and plugins
    whose session is not tenant-bound, so the tenant is named explicitly."""
    stmt = (
        select(Person.email)
        .join(PersonRole, PersonRole.person_id == Person.id)
        .where(Person.tenant_id == tenant_id, Person.status != "REMOVED", PersonRole.role == role)
        .order_by(Person.email)
        .execution_options(skip_tenant_filter=True)
    )
    return list((await session.execute(stmt)).scalars())
