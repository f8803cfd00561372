"""``cc_principal_roles`` (docs/writing-a-plugin.md): plugins return role names, or ``RoleCheck``
lookups that every enabled plugin's checks answer together in one statement per request."""

from __future__ import annotations

import types

from sqlalchemy import select

from core.hookspecs import EMAIL, HOOK_VERSION, TENANT_ID, PluginManifest, RoleCheck, hookimpl
from core.models import Person, PersonRole
from core.rls import row_security_on
from tests.conftest import ACME, GLOBEX
from tests.plugins.conftest import enable

ROLES = "{ viewer { roles } }"


def _roles_plugin() -> types.ModuleType:
    plugin = types.ModuleType("checked_roles")
    plugin.MANIFEST = PluginManifest("checked_roles", "Checked roles (test)", HOOK_VERSION, default_enabled=False)

    # Built once with the person's parameters, as the product's plugins do ...
    admins = RoleCheck(
        "ADMIN_FOUND_ROLE",
        select(PersonRole.id).where(
            PersonRole.tenant_id == TENANT_ID,
            PersonRole.person_id == Person.id,
            PersonRole.role == "ADMIN",
            Person.email == EMAIL,
        ),
    )

    def cc_principal_roles(tenant_id: int, email: str) -> list[object]:
        # ... or per call with the values themselves.
        mine = select(Person.id).where(Person.tenant_id == tenant_id, Person.email == email)
        nobody = select(Person.id).where(Person.tenant_id == tenant_id, Person.email == "nobody@acme.com")
        return ["PLAIN_ROLE", RoleCheck("FOUND_ROLE", mine), RoleCheck("ABSENT_ROLE", nobody), admins]

    plugin.cc_principal_roles = hookimpl(cc_principal_roles)
    return plugin


async def test_role_checks_grant_what_they_find_in_one_statement_for_enabling_tenants_only(plugin_api):
    api = await plugin_api([_roles_plugin()])
    await api.load({"tenants": [ACME, GLOBEX]})
    await api.ok(ROLES, as_="fin@acme.com")  # the first request records the sign-in
    before = set((await api.ok(ROLES, as_="fin@acme.com"))["viewer"]["roles"])
    assert not before & {"PLAIN_ROLE", "FOUND_ROLE", "ABSENT_ROLE"}
    await enable(api, "acme", "checked_roles")
    headers = api.headers("fin@acme.com")
    await api.client.post("/graphql", json={"query": ROLES}, headers=headers)  # loads the new policies
    with api.count_statements() as statements:
        resp = await api.client.post("/graphql", json={"query": ROLES}, headers=headers)
    roles = set(resp.json()["data"]["viewer"]["roles"])
    assert {"PLAIN_ROLE", "FOUND_ROLE"} <= roles and not roles & {"ABSENT_ROLE", "ADMIN_FOUND_ROLE"}
    # The caller's rows, then every enabled plugin's checks (this one's three, sharing's, rewards'): one each.
    # (On PostgreSQL the sign-in's row-level security scope comes first: core/rls.py.)
    scoped = api.scope_statements(statements)
    assert len(scoped) == (1 if row_security_on(api.state) else 0), scoped
    statements = [s for s in statements if s not in scoped]
    assert len(statements) == 2 and statements[1].upper().count("EXISTS") == 5
    admin = set((await api.ok(ROLES, as_="admin@acme.com"))["viewer"]["roles"])
    assert {"FOUND_ROLE", "ADMIN_FOUND_ROLE"} <= admin  # the parameters name this person, not the last one
    globex = set((await api.ok(ROLES, as_="fin@globex.com"))["viewer"]["roles"])
    assert not globex & {"PLAIN_ROLE", "FOUND_ROLE", "ADMIN_FOUND_ROLE"}  # R-T3: only for tenants that enable it


async def test_constant_checks_ride_in_the_person_statement_and_stay_current(api):
    """Issue 21: the built-in plugins' checks are module constants, so from a person's second request
    on they are asked in the person statement itself (core.caller: no statement of their own) — and
    still answer what the database holds now: a redeemer authorised, then revoked, between two
    requests has the role on the very next one, then not."""
    await api.load({"tenants": [ACME, GLOBEX]})
    await api.ok(ROLES, as_="fin@acme.com")  # the sign-in, and the checks the plugins ask

    async def roles_and_statements() -> tuple[set[str], list[str]]:
        with api.count_statements() as statements:
            roles = set((await api.ok(ROLES, as_="fin@acme.com"))["viewer"]["roles"])
        scoped = api.scope_statements(statements)
        return roles, [s for s in statements if s not in scoped]

    roles, statements = await roles_and_statements()
    assert "REWARDS_REDEEMER" not in roles
    assert len(statements) == 1 and statements[0].upper().count("EXISTS") == 2, statements  # sharing's, rewards'
    tenant = (await api.sql("select id from tenants where key = 'acme'"))[0][0]
    await api.sql(
        "insert into rewards_redeemers (tenant_id, email, code_hash, authorized_by, authorized_at) "
        f"values ({tenant}, 'fin@acme.com', 'x', 'admin@acme.com', '2026-01-01')"
    )
    roles, statements = await roles_and_statements()
    assert "REWARDS_REDEEMER" in roles and len(statements) == 1
    await api.sql("update rewards_redeemers set revoked_at = '2026-01-02' where email = 'fin@acme.com'")
    roles, statements = await roles_and_statements()
    assert "REWARDS_REDEEMER" not in roles and len(statements) == 1
    # Another person's checks are asked with their own parameters, not the last person's.
    other = set((await api.ok(ROLES, as_="fin@globex.com"))["viewer"]["roles"])
    assert "REWARDS_REDEEMER" not in other
