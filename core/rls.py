"""PostgreSQL row-level security per tenant: defence in depth under the ORM's tenant filter.

On PostgreSQL, on by default (``CC_ROW_LEVEL_SECURITY=false`` turns it off; SQLite has none).
``apply_row_security`` (the last step of ``db upgrade`` on PostgreSQL with the setting on,
``core.migrate``) enables RLS on every table with a ``tenant_id`` column — core's and every installed
plugin's — with policies that **deny by default**: a row is visible and writable only when its
``tenant_id`` is in the scope, set in one statement per transaction (``set_config(…, true)``, so a
pooled connection never carries one into the next transaction):

- ``app.tenant_id`` — one tenant (policy :data:`POLICY`, every role: an equality the planner folds
  into the ORM's own ``tenant_id = :id``): a request acting in a tenant, a job's unit;
- role :data:`TENANT_LIST_ROLE` with ``app.tenant_ids`` — a comma list (a reseller's person reading
  the work queues: their own tenant and their customers');
- role :data:`ALL_TENANTS_ROLE` — every tenant, rows without a tenant (server-wide job runs, staff
  audit rows) included: only vendor staff without ``X-Tenant`` (SPEC: staff work across every
  tenant) and the server's own cross-tenant machinery (the outbox and webhook deliverers, ``jobs
  run``'s bookkeeping, the import, ``/metrics``).

Both roles are NOLOGIN, without BYPASSRLS; the app's role is a member and switches to them
(``set_config('role', …, true)``, i.e. ``SET LOCAL ROLE``) only in a transaction of that scope.
A query runs on an autocommit connection (``core.db.use_autocommit``): there the scope is set for
the connection's session and its next check-out clears it (:func:`ready_for_checkout`).

Unset (a session nobody scoped) sees and writes no tenant-owned row. The scope lives in the
session (``session.info``): :func:`set_scope` sets it, and every transaction the session begins
applies it first (``after_begin``); a session bound to a tenant (``info["tenant_id"]``, e.g.
``core.db.tenant_session`` for a job's unit) is scoped to that tenant unless told otherwise.

Authentication looks a person up by email before their tenant is known: :data:`LOGIN_FUNCTION`, a
narrow ``SECURITY DEFINER`` function owned by the tables' owner, answers that person's tenant id
and nothing else; the request then scopes itself to it (one statement: ``set_config`` of the
function's answer).

The tenant directory — ``tenant_domains`` and ``tenant_plugins`` beside ``tenants`` (which has no
``tenant_id``) — is exempt (:data:`DIRECTORY`): it routes a request before its tenant is known (the
``X-Tenant`` header, CORS origins, the tenants a job acts for) and holds no customer data.

The policies bind ordinary roles only: a superuser, a role with BYPASSRLS and the tables' owner
skip them. ``db upgrade`` runs as the owner; the app connects as a role made by ``customer-center
db create-app-role`` (NOSUPERUSER NOBYPASSRLS, owning nothing), and ``serve`` refuses to start with
row-level security on as a role that would bypass it (:func:`bypass_reason`). docs/operations.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, Table, event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from core.driver import Prepared

TENANT_ID = "app.tenant_id"
TENANT_IDS = "app.tenant_ids"
POLICY = "cc_tenant_isolation"
TENANT_LIST_ROLE = "cc_tenant_list"
"""The NOLOGIN role whose policy passes the rows of a list of tenants (``app.tenant_ids``): the app
becomes it only in the transactions of a scope of several tenants (a reseller's work queues)."""
ALL_TENANTS_ROLE = "cc_all_tenants"
"""The NOLOGIN role whose policy passes every row: the app becomes it (``SET LOCAL ROLE``, a member
since ``db create-app-role``) only in the transactions of a scope of every tenant. A role rather than
an ``OR`` in the tenant policy: that ``OR`` kept the policy out of the index condition, so the
planner gave up index-only scans of ``tenant_id`` indexes (tests/test_count_plans.py)."""
LOGIN_FUNCTION = "cc_login_tenant"
# The tenant directory: read to route a request before its tenant is known; no customer data.
DIRECTORY = frozenset({"tenant_domains", "tenant_plugins"})
# One tenant, the scope of nearly every transaction: an equality the planner puts in the equivalence
# class of the ORM's own ``tenant_id = :id``, so the plan is the one without the policy plus a
# one-time filter (tests/test_count_plans.py).
CONDITION = f"(tenant_id = NULLIF(current_setting('{TENANT_ID}', true), '')::bigint)"
LIST_CONDITION = (
    f"(tenant_id = ANY (string_to_array(NULLIF(current_setting('{TENANT_IDS}', true), ''), ',')::bigint[]))"
)
_ROLES = (ALL_TENANTS_ROLE, TENANT_LIST_ROLE)

ALL = "all"
"""The scope of every tenant (:data:`ALL_TENANTS_ROLE`)."""
_SCOPE = "cc_rls_scope"
_ON = "cc_rls_on"
EVERY_TENANT = {_SCOPE: ALL}
"""``state.sessionmaker(info=EVERY_TENANT)``: a session of the server's cross-tenant machinery."""

Scope = tuple[int, ...] | str | None
# One statement whatever the scope: the tenant list and the role (``none``: the login role again).
# ``:local`` false only on an autocommit connection, where a transaction-local setting would end with
# the statement: the connection's next check-out clears it before it serves anyone else.
_SET = text(
    f"SELECT set_config('{TENANT_ID}', :id, :local), set_config('{TENANT_IDS}', :ids, :local),"
    " set_config('role', :role, :local)"
)
_CLEAR = (
    f"SELECT set_config('{TENANT_ID}', '', false), set_config('{TENANT_IDS}', '', false),"
    " set_config('role', 'none', false)"
)


# ------------------------------------------------------------------------------------------ DDL
def tenant_tables(metadata: MetaData) -> list[Table]:
    """Every tenant-owned table the policy covers (the directory aside)."""
    return [t for t in metadata.sorted_tables if "tenant_id" in t.columns and t.name not in DIRECTORY]


def policy_statements(table: Table) -> list[str]:
    name = table.name  # names come from the models, not from input
    return [
        f'ALTER TABLE "{name}" ENABLE ROW LEVEL SECURITY',
        # Not FORCE: the owner (db upgrade, data migrations) is not held; the app must not be the owner.
        f'ALTER TABLE "{name}" NO FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY} ON "{name}"',
        f'CREATE POLICY {POLICY} ON "{name}" USING {CONDITION} WITH CHECK {CONDITION}',
        f'DROP POLICY IF EXISTS {TENANT_LIST_ROLE} ON "{name}"',
        f'CREATE POLICY {TENANT_LIST_ROLE} ON "{name}" TO {TENANT_LIST_ROLE} '
        f"USING {LIST_CONDITION} WITH CHECK {LIST_CONDITION}",
        f'DROP POLICY IF EXISTS {ALL_TENANTS_ROLE} ON "{name}"',
        f'CREATE POLICY {ALL_TENANTS_ROLE} ON "{name}" TO {ALL_TENANTS_ROLE} USING (true) WITH CHECK (true)',
    ]


def scope_role_statements(role: str) -> list[str]:
    """A scope's role (NOLOGIN, no BYPASSRLS: only its own policy lets it through) with the data
    rights the app has, on the schema ``{schema}``: first its creation, then its rights."""
    name = _ident(role)
    attrs = "NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
    return [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(role)}) THEN "
        f"CREATE ROLE {name} {attrs}; END IF; END $$",
        f"ALTER ROLE {name} {attrs}",
        *_data_rights(name),
    ]


def _data_rights(name: str) -> list[str]:
    return [
        f"GRANT USAGE ON SCHEMA {{schema}} TO {name}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {{schema}} TO {name}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {{schema}} TO {name}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {{schema}} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {{schema}} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {name}",
        f"GRANT EXECUTE ON FUNCTION {LOGIN_FUNCTION}(text) TO {name}",
    ]


# The person's tenant by email, as authentication needs it before any scope: runs as the owner
# (who the policies do not hold), answers one id, and pins its search_path (a SECURITY DEFINER
# function must not resolve names through the caller's). PL/pgSQL, not SQL: a SQL function that
# cannot be inlined (SECURITY DEFINER, SET) parses and plans its body on every call — an eighth of
# a page request's PostgreSQL CPU (issue 21) — where PL/pgSQL keeps the plan for the session.
LOGIN_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {LOGIN_FUNCTION}(login_email text) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN (SELECT p.tenant_id FROM {{schema}}.people p
          WHERE p.email = login_email AND p.status <> 'REMOVED' ORDER BY p.id LIMIT 1);
END
$$"""


async def apply_row_security(engine: AsyncEngine, metadata: MetaData) -> int:
    """Enable the policy on every tenant-owned table (idempotent); returns the tables covered."""
    async with engine.begin() as conn:
        schema = (await conn.execute(text("SELECT current_schema()"))).scalar_one()
        present = set((await conn.execute(text(_PRESENT))).scalars())
        # The metadata may hold models of plugins this database does not have (tests load several).
        tables = [t for t in tenant_tables(metadata) if t.name in present]
        for role in _ROLES:  # the policies name them
            await conn.execute(text(scope_role_statements(role)[0]))
        for table in tables:
            for statement in policy_statements(table):
                await conn.execute(text(statement))
        await conn.execute(text(LOGIN_FUNCTION_SQL.format(schema=_ident(schema))))
        await conn.execute(text(f"REVOKE ALL ON FUNCTION {LOGIN_FUNCTION}(text) FROM PUBLIC"))
        for role in _ROLES:
            for statement in scope_role_statements(role)[1:]:
                await conn.execute(text(statement.replace("{schema}", _ident(schema))))
            # A development server connected as the owner itself (whom the policies skip) still
            # switches to these roles in its scopes: it must be a member.
            await conn.execute(text(f"GRANT {_ident(role)} TO CURRENT_USER"))
        roles = (await conn.execute(text(_APP_ROLES))).scalars().all()
        for role in roles:  # roles made earlier keep their rights after a re-apply
            await conn.execute(text(f"GRANT EXECUTE ON FUNCTION {LOGIN_FUNCTION}(text) TO {_ident(role)}"))
    return len(tables)


_PRESENT = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
# Ordinary roles that may already use the tables (db create-app-role's).
_APP_ROLES = (
    "SELECT DISTINCT grantee FROM information_schema.role_table_grants g JOIN pg_roles r ON r.rolname = g.grantee "
    "WHERE g.table_schema = current_schema() AND g.table_name = 'people' AND NOT r.rolsuper"
)


def _ident(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return f'"{name}"'


def app_role_statements(role: str, password: str | None) -> list[str]:
    """SQL (run as the tables' owner) that makes ``role`` the app's login: no SUPERUSER, no
    BYPASSRLS, owning nothing; data rights on every table and sequence of the schema, now and for
    tables later migrations create (default privileges of the owner running them)."""
    name = _ident(role)
    login = "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT"
    secret = " PASSWORD " + _literal(password) if password else ""
    return [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(role)}) THEN "
        f"CREATE ROLE {name} {login}; END IF; END $$",
        f"ALTER ROLE {name} {login}{secret}",
        *_data_rights(name),
        # NOINHERIT: the member holds a scope role's policy only after SET ROLE, in that scope.
        *(f"GRANT {_ident(role)} TO {name}" for role in _ROLES),
    ]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


async def create_app_role(engine: AsyncEngine, role: str, password: str | None = None) -> None:
    """Make (or bring up to date) the app's login role; the connection must be the tables' owner."""
    async with engine.begin() as conn:
        schema = _ident((await conn.execute(text("SELECT current_schema()"))).scalar_one())
        for statement in app_role_statements(role, password):
            await conn.execute(text(statement.replace("{schema}", schema)))


async def bypass_reason(conn: AsyncConnection) -> str | None:
    """Why the connected role would not be held by the policies (superuser, BYPASSRLS, owner of a
    tenant table), or None."""
    row = (
        await conn.execute(
            text(
                "SELECT r.rolname, r.rolsuper, r.rolbypassrls, EXISTS (SELECT FROM pg_tables t "
                "WHERE t.tableowner = r.rolname AND t.schemaname = current_schema() AND t.tablename = 'people') "
                "FROM pg_roles r WHERE r.rolname = current_user"
            )
        )
    ).one()
    name, superuser, bypass, owner = row
    if superuser:
        return f"role {name} is a superuser"
    if bypass:
        return f"role {name} has BYPASSRLS"
    if owner:
        return f"role {name} owns the tables"
    return None


# ------------------------------------------------------------------------------------ the scope
def row_security_on(state: Any) -> bool:
    return bool(getattr(state.settings, "row_level_security", False)) and not state.is_sqlite


def session_flags(state: Any) -> dict[str, Any]:
    """What the server's sessionmaker adds to every session's info: whether scopes are applied."""
    return {_ON: row_security_on(state)}


def scope_of(info: dict[str, Any]) -> Scope:
    scope = info.get(_SCOPE)
    if scope is None and info.get("tenant_id") is not None:
        return (int(info["tenant_id"]),)
    return scope


class ScopedSession(Session):
    """The server's sync session class: each transaction it begins applies the session's scope."""


_ENGAGED = "cc_rls_engaged"  # the session holds a connection (its scope was applied): "local" or "session"
_HELD = "cc_rls_session_scope"  # on a pooled connection's record: a session-level scope to clear


def _autocommit(connection: Any) -> bool:
    return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


@event.listens_for(ScopedSession, "after_begin")
def _apply_scope(session: Session, transaction: Any, connection: Any) -> None:
    if not session.info.get(_ON):
        return
    level = "session" if _autocommit(connection) else "local"
    session.info[_ENGAGED] = level
    if level == "session":
        connection.info[_HELD] = True  # whatever is set below, and later set_scope calls
    scope = scope_of(session.info)
    if scope:  # unset: nothing to set, and the policy denies
        connection.execute(_SET, _values(scope, level))


@event.listens_for(ScopedSession, "after_transaction_end")
def _ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_ENGAGED, None)


@dataclass
class _AtCheckOut:
    """A statement the next check-out sends in place of its ping or clear, setting the whole scope
    (``found``: its first value — for a sign-in the login function's answer, the tenant id as text
    or ``''``)."""

    sql: str
    parameters: tuple[Any, ...]
    found: Any = None
    done: bool = False


# Set only around the check-out of an autocommit connection: a sign-in's (:func:`scope_to_login`),
# a root field's own (:func:`scoped_connection`).
_AT_CHECK_OUT: ContextVar[_AtCheckOut | None] = ContextVar("cc_rls_at_check_out", default=None)
# The login scope as a whole scope (the list and the role reset too): what the clear does, and more.
_LOGIN_AT_CHECK_OUT = (
    f"SELECT set_config('{TENANT_ID}', COALESCE({LOGIN_FUNCTION}($1)::text, ''), false), "
    f"set_config('{TENANT_IDS}', '', false), set_config('role', 'none', false)"
)
# A known scope, at session level, as a whole: a root field's own connection (:func:`scoped_connection`).
_SCOPE_AT_CHECK_OUT = (
    f"SELECT set_config('{TENANT_ID}', $1, false), set_config('{TENANT_IDS}', $2, false), set_config('role', $3, false)"
)


def ready_for_checkout(dbapi_connection: Any, record: Any, fresh: bool = False) -> None:
    """A pooled connection's one statement before it serves a check-out (core.db's check-out, in
    place of the pool's ping): a connection that held a session-level scope (an autocommit read)
    forgets it — the same round trip proves it alive — and any other is pinged. So a request's
    connection costs one round trip to hand over, not a clear at check-in and a ping at check-out.

    A person's sign-in on an autocommit connection (:func:`scope_to_login`) has its whole scope set
    by that same statement instead — the person's tenant, no list, no role — so the connection is
    never handed over with another request's scope, and the sign-in's own statement is spared; a
    root field's own connection (:func:`scoped_connection`) has its request's scope set the same way.
    ``fresh``: just connected (alive, nothing held): only a sign-in's scope to set."""
    pending = _AT_CHECK_OUT.get()
    if pending is not None and not pending.done:
        cursor = dbapi_connection.cursor()  # in autocommit (the caller's): no BEGIN around it
        cursor.execute(pending.sql, pending.parameters)
        pending.found = cursor.fetchone()[0]
        cursor.close()
        record.info[_HELD] = True  # a session-level scope: the next check-out clears it
        pending.done = True
        return
    if fresh:
        return
    if not record.info.pop(_HELD, False):
        dbapi_connection.ping()
        return
    cursor = dbapi_connection.cursor()  # in autocommit (the caller's): no BEGIN around it
    cursor.execute(_CLEAR)
    cursor.close()


def _values(scope: Scope, level: str) -> dict[str, Any]:
    local = level != "session"
    if scope == ALL:
        return {"id": "", "ids": "", "role": ALL_TENANTS_ROLE, "local": local}
    ids = [str(int(t)) for t in scope or ()]
    if len(ids) == 1:
        return {"id": ids[0], "ids": "", "role": "none", "local": local}
    return {"id": "", "ids": ",".join(ids), "role": TENANT_LIST_ROLE if ids else "none", "local": local}


async def set_scope(session: AsyncSession, scope: Scope) -> None:
    """Scope ``session`` to ``scope`` (tenant ids, :data:`ALL` or None for nothing): its current
    transaction at once, and every later one."""
    scope = scope if scope == ALL else tuple(scope or ())
    if scope == session.info.get(_SCOPE):
        return  # most requests act where their sign-in was scoped: no statement
    session.info[_SCOPE] = scope
    level = session.info.get(_ENGAGED)
    if level:  # else the transaction's first statement applies it (after_begin)
        await session.execute(_SET, _values(scope, level))


async def _level(session: AsyncSession) -> str:
    engaged = session.info.get(_ENGAGED)
    if engaged:  # a connection is held, its scope applied: nothing to begin
        return str(engaged)
    await session.connection()  # begins (after_begin) without a statement of its own
    return str(session.info.get(_ENGAGED) or "local")


_LOGIN = Prepared(
    lambda: text(f"SELECT set_config('{TENANT_ID}', COALESCE({LOGIN_FUNCTION}(:email)::text, ''), :local)")
)


async def scope_to_login(session: AsyncSession, email: str, *, autocommit: bool = False) -> None:
    """Authentication, before the tenant is known: scope the session to the tenant of the person
    signing in with ``email`` (none when there is no such person), in one statement — sent to the
    driver as it is (core.driver: every request runs it).

    ``autocommit`` (a read's sign-in): the session's connection, checked out here in autocommit
    (``core.db.use_autocommit``), has the scope set by its check-out's own statement
    (:func:`ready_for_checkout`): one round trip fewer on every read."""
    from core.db import use_autocommit

    if not session.info.get(_ON):
        if autocommit:
            await use_autocommit(session)
        return
    if autocommit and not session.in_transaction():
        login = _AtCheckOut(_LOGIN_AT_CHECK_OUT, (email,))
        token = _AT_CHECK_OUT.set(login)
        try:
            connection = await use_autocommit(session)
        finally:
            _AT_CHECK_OUT.reset(token)
        if login.done:
            _seen(connection, login.sql, login.parameters)
            session.info[_SCOPE] = (int(login.found),) if login.found else ()
            return
    local = await _level(session) != "session"
    rows = await _LOGIN.rows(session, {"email": email, "local": local})
    found = rows[0][0]
    session.info[_SCOPE] = (int(found),) if found else ()


async def scoped_connection(session: AsyncSession) -> AsyncConnection:
    """A connection of ``session``'s engine beside the session's own, reading in autocommit with the
    session's scope, which its check-out's one statement sets (a query's root field running beside
    the others, ``core.driver.apart``). The caller closes it; its next check-out clears the scope."""
    pending = None
    if session.info.get(_ON):
        values = _values(scope_of(session.info), "session")
        pending = _AtCheckOut(_SCOPE_AT_CHECK_OUT, (values["id"], values["ids"], values["role"]))
    token = _AT_CHECK_OUT.set(pending)
    try:
        connection = await session.bind.connect()
    finally:
        _AT_CHECK_OUT.reset(token)
    try:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        if pending is not None:
            if not pending.done:  # no check-out statement ran (not core.db's engine): no scope held
                raise RuntimeError("a root field's own connection was checked out without its scope")
            _seen(connection, pending.sql, pending.parameters)
    except BaseException:
        await connection.close()
        raise
    return connection


def _seen(connection: AsyncConnection, statement: str, parameters: tuple[Any, ...]) -> None:
    """A statement the check-out ran, shown to the engine's statement listeners as any statement
    (the request log's count, the tests' counts, the bench)."""
    sync = connection.sync_connection
    if sync._has_events or sync.engine._has_events:
        for listener in sync.dispatch.before_cursor_execute:
            listener(sync, None, statement, parameters, None, False)


async def scope_to_reseller(session: AsyncSession, home_id: int) -> None:
    """A reseller's person across their customers (the work queues): their tenant and every
    customer of it, read and set in one statement."""
    if not session.info.get(_ON):
        session.info[_SCOPE] = (home_id,)
        return
    stmt = text(
        f"SELECT set_config('{TENANT_IDS}', (SELECT string_agg(id::text, ',') FROM tenants "
        f"WHERE id = :home OR reseller_id = :home), :local), set_config('{TENANT_ID}', '', :local), "
        f"set_config('role', '{TENANT_LIST_ROLE}', :local)"
    )
    local = await _level(session) != "session"
    found = (await session.execute(stmt, {"home": home_id, "local": local})).scalar_one() or ""
    session.info[_SCOPE] = tuple(int(t) for t in found.split(",") if t)


def scope_for_rows(tenant_ids: Iterable[int | None]) -> Scope:
    """The scope that may write rows of these tenants (a row of no tenant needs every tenant's)."""
    ids = list(tenant_ids)
    return ALL if any(t is None for t in ids) else tuple(sorted({int(t) for t in ids if t is not None}))
