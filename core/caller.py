"""Who is calling: the person or staff member a bearer token (or a signed link) names, their roles
and the tenant they act in."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from core import rls
from core.auth import MEMBER_ROLE, Principal, bearer_token, token_revoked, verify_token
from core.db import loaded, name_set, use_autocommit
from core.driver import compile_once, fetch
from core.errors import Forbidden, Unauthenticated
from core.hookspecs import EMAIL, TENANT_ID, RoleCheck
from core.i18n import _, negotiate
from core.models import Person, PersonRole, Tenant, TenantDomain, TenantPlugin
from core.state import AppState


async def principal_for_email(
    state: AppState, session: AsyncSession, email: str, tenant: Tenant | None = None
) -> Principal | None:
    """The tenant-wide roles of a person: their role rows, MEMBER, and plugin-granted roles."""
    found = await _person_and_home(state, session, email)
    if found is None or (tenant is not None and found[0].tenant_id != tenant.id):
        return None
    return await _principal_of(state, session, found[0], found[1], found[2])


def _names(column: Any, *where: Any) -> Any:
    """The set of ``column``'s values where ``where`` holds (empty for none)."""
    return select(name_set(column)).where(*where).scalar_subquery()


_PEOPLE, _TENANTS = Person.__table__, Tenant.__table__
_PERSON_KEYS = tuple(Person.__mapper__.get_property_by_column(c).key for c in _PEOPLE.c)
_TENANT_KEYS = tuple(Tenant.__mapper__.get_property_by_column(c).key for c in _TENANTS.c)
_TENANT_AT = len(_PERSON_KEYS)
_KNOWN = _TENANT_AT + len(_TENANT_KEYS) + 3  # the columns before the role checks'

# Built once: these run on every request, and building a statement costs more than running a cached one.
# The person's and their tenant's columns, and the names of the person's roles and of the tenant's
# domains and enabled plugins beside them: joining the collections' rows multiplied the rows by each
# other and built an ORM object per row, most of a request's CPU. Compiled once per dialect and sent
# to asyncpg as it is (core.driver: SQLAlchemy's execution cost five times the driver's), the row
# becomes the request's ORM objects (core.db.loaded) with their collections unloaded; a query that
# returns the person or tenant again loads them, as a change of them does (core.models._known).
_TENANT_NAMES = (
    _names(TenantDomain.domain, TenantDomain.tenant_id == Tenant.id),
    _names(TenantPlugin.plugin, TenantPlugin.tenant_id == Tenant.id, TenantPlugin.enabled.is_(True)),
)
_PERSON_AND_HOME = (
    select(
        *_PEOPLE.c,
        *_TENANTS.c,
        _names(PersonRole.role, PersonRole.person_id == Person.id, PersonRole.tenant_id == Person.tenant_id),
        *_TENANT_NAMES,
    )
    .select_from(_PEOPLE.join(_TENANTS, _TENANTS.c.id == _PEOPLE.c.tenant_id))
    .where(_PEOPLE.c.email == bindparam("email"), _PEOPLE.c.status != "REMOVED")
    .execution_options(skip_tenant_filter=True)
)
# The tenant ``X-Tenant`` names (vendor staff, a reseller's person in a customer), the same way.
_TENANT_BY_KEY = select(*_TENANTS.c, *_TENANT_NAMES).where(_TENANTS.c.key == bindparam("key"))


@dataclass(frozen=True)
class _Checked:
    """The plugins' role checks answered with the person statement: which checks, for which
    tenant, and what each found."""

    tenant_id: int
    checks: tuple[RoleCheck, ...]
    found: tuple[bool, ...]


# The role checks the plugins asked for a person's last request (their tenant, the checks), by
# email (``AppState.role_check_guesses``): the next request asks them in the person statement
# itself — one statement fewer — and uses the answers only when the plugins ask the very same checks
# (module constants) again for that tenant. A plugin building its checks per call never asks the
# same: such a person is not guessed (None).


async def _person_and_home(
    state: AppState, session: AsyncSession, email: str
) -> tuple[Person, Tenant, _Checked | None] | None:
    """The person (knowing their roles) and their tenant (knowing its domains and enabled plugins) in
    one statement, with the role checks of the person's last request when there was one."""
    guess = state.role_check_guesses.get(email)
    params: dict[str, Any] = {"email": email}
    checks: tuple[RoleCheck, ...] = ()
    if guess:
        tenant_id, checks = guess
        params |= {TENANT_ID.key: tenant_id, EMAIL.key: email}
    row = await _first_row(session, _person_statement(checks, session.bind.dialect), params)
    if row is None:
        return None
    person = loaded(session, Person, dict(zip(_PERSON_KEYS, row, strict=False)))
    tenant = loaded(session, Tenant, dict(zip(_TENANT_KEYS, row[_TENANT_AT:], strict=False)))
    person.know(row[_KNOWN - 3])
    tenant.know(row[_KNOWN - 2], row[_KNOWN - 1])
    checked = _Checked(tenant_id, checks, tuple(bool(v) for v in row[_KNOWN:])) if guess else None
    return person, tenant, checked


@dataclass(frozen=True)
class _Prepared:
    """An authentication statement for one dialect: for asyncpg (None for another driver, or when
    it does not compile once: SQLAlchemy runs it) and each column's result processing (what
    SQLAlchemy's result applies)."""

    statement: Select[Any]
    driver: Any
    processors: tuple[Callable[[Any], Any] | None, ...]


async def _first_row(session: AsyncSession, prepared: _Prepared, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """The statement's first row, each column as SQLAlchemy's result gives it."""
    if prepared.driver is None:
        found = (await session.execute(prepared.statement, params)).first()
        return tuple(found) if found is not None else None
    if session.new or session.dirty or session.deleted:
        await session.flush()  # as the session's own execute would (a role check asked mid-request)
    rows = await fetch(session, prepared.driver, params)
    if not rows:
        return None
    return tuple(v if p is None else p(v) for v, p in zip(rows[0], prepared.processors, strict=True))


@functools.lru_cache(maxsize=128)
def _person_statement(checks: tuple[RoleCheck, ...], dialect: Any) -> _Prepared:
    statement = _PERSON_AND_HOME.add_columns(*_exists_columns(checks)) if checks else _PERSON_AND_HOME
    return _prepared(statement, dialect)


@functools.lru_cache(maxsize=16)
def _tenant_statement(dialect: Any) -> _Prepared:
    return _prepared(_TENANT_BY_KEY, dialect)


def _prepared(statement: Select[Any], dialect: Any) -> _Prepared:
    processors = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in statement.selected_columns)
    asyncpg = dialect.name == "postgresql" and dialect.driver == "asyncpg"
    return _Prepared(statement, compile_once(statement, dialect, []) if asyncpg else None, processors)


def _same_checks(a: tuple[RoleCheck, ...], b: tuple[RoleCheck, ...]) -> bool:
    """The very same check objects (a query's ``==`` builds SQL, it does not compare)."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _exists_columns(checks: tuple[RoleCheck, ...]) -> list[Any]:
    return [c.query.exists().label(f"check_{i}") for i, c in enumerate(checks)]


@functools.lru_cache(maxsize=128)
def _role_checks_statement(checks: tuple[RoleCheck, ...]) -> Select[Any]:
    """One ``SELECT EXISTS (…), …`` for ``checks``; remembered, as plugins return the same checks
    (module constants using the ``TENANT_ID``/``EMAIL`` parameters) on every request."""
    return select(*_exists_columns(checks)).execution_options(skip_tenant_filter=True)


async def _principal_of(
    state: AppState, session: AsyncSession, person: Person, home: Tenant, checked: _Checked | None = None
) -> Principal:
    roles = set(person.role_names) | {MEMBER_ROLE}
    hook = state.plugins.hook_for("cc_principal_roles", home.enabled_plugins)
    results = hook(session=session, tenant_id=home.id, email=person.email)
    checks: list[RoleCheck] = []
    try:
        for result in results:
            value = await result if inspect.isawaitable(result) else result
            for role in value or []:
                if isinstance(role, RoleCheck):
                    checks.append(role)
                else:
                    roles.add(role)
    finally:
        for result in results:  # when one fails, the rest are never awaited: close them quietly
            if inspect.iscoroutine(result):
                result.close()
    asked = tuple(checks)
    same = checked is not None and checked.tenant_id == home.id and _same_checks(checked.checks, asked)
    if same:
        roles.update(c.role for c, hit in zip(asked, checked.found, strict=True) if hit)  # type: ignore[union-attr]
    elif asked:
        person_params = {TENANT_ID.key: home.id, EMAIL.key: person.email}
        row = (await session.execute(_role_checks_statement(asked), person_params)).one()
        roles.update(c.role for c, hit in zip(asked, row, strict=True) if hit)
    guesses = state.role_check_guesses
    if not same and (checked is not None or person.email not in guesses):
        # Not the same checks for the same tenant: built per call, never to be guessed (None).
        rebuilt = checked is not None and checked.tenant_id == home.id
        guesses[person.email] = (home.id, asked) if asked and not rebuilt else None
    return Principal(
        email=person.email,
        tenant_id=home.id,
        tenant_key=home.key,
        person_id=person.id,
        roles=frozenset(roles),
        home_tenant_id=home.id,
    )


async def _tenant_by_key(session: AsyncSession, key: str) -> Tenant:
    """The tenant named ``key`` (knowing its domains and enabled plugins) in one statement."""
    row = await _first_row(session, _tenant_statement(session.bind.dialect), {"key": key})
    if row is None:
        raise Forbidden(_("No access to that tenant"))
    tenant = loaded(session, Tenant, dict(zip(_TENANT_KEYS, row, strict=False)))
    tenant.know(row[-2], row[-1])
    return tenant


@dataclass(frozen=True)
class Caller:
    """Who is calling and where they act: the principal, the acting tenant and, for a person acting
    in their own tenant, their row (kept so the request's resolvers need not load it again)."""

    principal: Principal
    tenant: Tenant | None
    person: Person | None = None


async def authenticate(
    state: AppState, request: Request, session: AsyncSession, *, queues_only: bool = False, autocommit: bool = False
) -> Caller:
    """Verify the bearer token and resolve the acting tenant (own tenant; staff and reseller staff
    may name one with the ``X-Tenant`` header as §6 allows). Records the sign-in (R-A4); callers
    commit it before running the operation, so it stands even when the operation fails.

    ``queues_only`` (a query of the work queues and nothing else): a reseller's person without
    ``X-Tenant`` reads them over all their customer tenants (core.queues) as ``RESELLER_<role>``, bound
    to no tenant — as vendor staff are — which only such a request may be: any other field would run
    unbound with the reseller's roles.

    ``autocommit`` (a read): the session's connection is checked out here, in autocommit
    (``core.db.use_autocommit``) — after the token is verified, so a refused token costs no
    connection, and a person's with their login scope in the check-out's statement (core.rls)."""
    claims = verify_token(state.settings, bearer_token(request.headers.get("authorization")))
    wanted = request.headers.get("x-tenant")
    caller = await authenticate_claims(state, session, claims, wanted, queues_only=queues_only, autocommit=autocommit)
    note_acting_tenants(request, caller)
    person = caller.person
    if person is not None and person.locale is None and request.headers.get("accept-language"):
        # A person who never chose reads in what their client asks for from the first request on:
        # emails sent later, with no request to ask, go out in it too.
        asked = negotiate(request.headers["accept-language"], default="")
        if asked:
            person.locale = asked
    return caller


def note_acting_tenants(request: Request, caller: Caller) -> None:
    """Record for CORS (core/cors.py) which tenants' portal origins may read this response: the
    acting tenant, its reseller and the caller's home tenant."""
    tenant = caller.tenant
    ids = {caller.principal.home_tenant_id}
    if tenant is not None:
        ids |= {tenant.id, tenant.reseller_id}
    request.state.cc_tenant_ids = frozenset(i for i in ids if i is not None)


async def authenticate_claims(
    state: AppState,
    session: AsyncSession,
    claims: dict[str, Any],
    wanted_tenant: str | None,
    *,
    queues_only: bool = False,
    autocommit: bool = False,
) -> Caller:
    """The caller named by verified claims (a bearer token's, or a signed link's: core/links.py);
    ``autocommit``: as :func:`authenticate`'s."""
    caller = await _caller_of(state, session, claims, wanted_tenant, queues_only, autocommit)
    issued, expires = claims.get("iat"), claims.get("exp")
    principal = replace(
        caller.principal,
        token_iat=issued if isinstance(issued, int) and not isinstance(issued, bool) else None,
        token_exp=expires if isinstance(expires, int) and not isinstance(expires, bool) else None,
    )
    return Caller(principal, caller.tenant, caller.person)


async def _caller_of(
    state: AppState,
    session: AsyncSession,
    claims: dict[str, Any],
    wanted_tenant: str | None,
    queues_only: bool,
    autocommit: bool,
) -> Caller:
    email = str(claims["sub"]).lower()
    staff_roles = frozenset(claims.get("staff_roles", []))
    if staff_roles:
        if autocommit:
            await use_autocommit(session)
        tenant = await _tenant_by_key(session, wanted_tenant) if wanted_tenant else None
        principal = Principal(
            email=email,
            tenant_id=tenant.id if tenant else None,
            tenant_key=tenant.key if tenant else None,
            roles=staff_roles,
            staff_roles=staff_roles,
        )
        return Caller(principal, tenant)
    # The person's tenant, before any tenant is known.
    await rls.scope_to_login(session, email, autocommit=autocommit)
    found = await _person_and_home(state, session, email)
    if found is None:
        raise Forbidden(_("No access: this email is not a user of any organisation"))
    person, home, checked = found
    if "pid" in claims and claims["pid"] != person.id:
        raise Unauthenticated(_("Token revoked; sign in again"))
    if token_revoked(claims, person.tokens_revoked_at):
        # Issued before the person was removed (R-A3): re-admission does not revive it.
        raise Unauthenticated(_("Token revoked; sign in again"))
    principal = await _principal_of(state, session, person, home, checked)
    _record_sign_in(person, claims, state)
    if queues_only and not wanted_tenant and home.is_reseller:
        across = Principal(
            email=email,
            tenant_id=None,
            tenant_key=None,
            roles=frozenset({f"RESELLER_{r}" for r in principal.roles}),
            home_tenant_id=home.id,
        )
        return Caller(across, None)
    if wanted_tenant and wanted_tenant != home.key:
        tenant = await _tenant_by_key(session, wanted_tenant)
        if tenant.reseller_id != home.id or not home.is_reseller:
            raise Forbidden(_("No access to that tenant"))
        # Reseller staff act in a customer tenant with RESELLER_<role> subjects only.
        roles = frozenset({f"RESELLER_{r}" for r in principal.roles})
        reseller = Principal(
            email=email,
            tenant_id=tenant.id,
            tenant_key=tenant.key,
            person_id=None,
            roles=roles,
            home_tenant_id=home.id,
        )
        return Caller(reseller, tenant)
    return Caller(principal, home, person)


async def bind_caller(session: AsyncSession, caller: Caller) -> None:
    """The request's session acts for ``caller`` from here on: the ORM filter's tenant and the
    row-level security scope (core/rls.py) — the acting tenant; every tenant for vendor staff
    without ``X-Tenant``; a reseller's tenant and its customers for their person reading the work
    queues across them; nothing for anyone else (anonymous introspection)."""
    tenant, principal = caller.tenant, caller.principal
    session.info["tenant_id"] = tenant.id if tenant else None
    if tenant is not None:
        await rls.set_scope(session, (tenant.id,))
    elif principal.is_staff:
        await rls.set_scope(session, rls.ALL)
    elif principal.home_tenant_id is not None:
        await rls.scope_to_reseller(session, principal.home_tenant_id)
    else:
        await rls.set_scope(session, None)


async def commit_sign_in(session: AsyncSession, *, carry_on: bool) -> None:
    """Commit what authentication wrote (the sign-in, R-A4), so it stands even when the operation
    then fails. When it wrote nothing and ``carry_on``, the operation goes on in the same
    transaction: a COMMIT, a BEGIN, a pool check-out and the row-level security scope's statement
    fewer on most requests (a mutation's rollback then undoes only reads).

    ``carry_on`` is for reads, and for mutations on PostgreSQL only: on SQLite a mutation's
    transaction must begin after the server's write lock is taken — a transaction that read before
    cannot write once another one has committed (SQLITE_BUSY_SNAPSHOT)."""
    if session.new or session.dirty or session.deleted or not carry_on:
        await session.commit()


def _record_sign_in(person: Person, claims: dict[str, Any], state: AppState) -> None:
    issued = int(claims.get("iat") or 0)
    if person.last_token_iat is None or issued > person.last_token_iat:
        person.last_token_iat = issued
        person.previous_sign_in_at = person.last_sign_in_at
        person.last_sign_in_at = state.clock.now()
    if person.status == "INVITED":
        person.status = "ACTIVE"
