"""What authentication reads about the caller is the database's now, on every request and within it
(R-A3, R-T3, R-S3, SPEC §6): their roles, their tenant's domains and enabled modules.

core/caller.py reads the person, their tenant and those names in one statement (issue 21: building
the collections' rows cost most of a request's CPU); the names come with the row, nothing is kept
across requests, and a mutation that changes a collection works on the collection itself."""

from __future__ import annotations

from tests.conftest import ACME, GLOBEX, Api
from tests.security.conftest import CHANGE, OPERATOR, user_id

VIEWER = "{ viewer { roles isAdmin contactKinds enabledModules tenant { domains enabledModules } } }"
INVOICES = "{ invoices(first: 5) { totalCount } }"
MODULES = ("renewals", "invoicing", "rewards", "sharing")


async def test_roles_modules_and_domains_changed_between_two_requests_are_seen_on_the_next(api: Api) -> None:
    await api.load({"tenants": [ACME, GLOBEX]})
    fin = await user_id(api, "fin@acme.com")
    assert (await api.ok(VIEWER, as_="fin@acme.com"))["viewer"]["roles"] == ["FINANCE"]
    assert (await api.ok(INVOICES, as_="fin@acme.com"))["invoices"]["totalCount"] == 0

    # A role revoked, then granted again: each change holds from the very next request.
    await api.ok(CHANGE, {"id": fin, "roles": []}, as_="admin@acme.com")
    assert (await api.ok(VIEWER, as_="fin@acme.com"))["viewer"]["roles"] == []
    assert await api.code(INVOICES, as_="fin@acme.com") == "FORBIDDEN"
    await api.ok(CHANGE, {"id": fin, "roles": ["FINANCE", "EXECUTIVE"]}, **OPERATOR)
    viewer = (await api.ok(VIEWER, as_="fin@acme.com"))["viewer"]
    assert viewer["roles"] == ["EXECUTIVE", "FINANCE"] and viewer["contactKinds"] == ["FINANCE", "EXECUTIVE"]
    assert (await api.ok(INVOICES, as_="fin@acme.com"))["invoices"]["totalCount"] == 0

    # A module switched off: gone from the next request's modules and its field refused; every
    # module off is an empty list, not a stale one.
    await api.enable("acme", "invoicing", False)
    viewer = (await api.ok(VIEWER, as_="fin@acme.com"))["viewer"]
    assert "invoicing" not in viewer["enabledModules"] and "invoicing" not in viewer["tenant"]["enabledModules"]
    assert await api.code(INVOICES, as_="fin@acme.com") in ("MODULE_NOT_ENABLED", "GRAPHQL_VALIDATION_FAILED")
    for module in MODULES:
        await api.enable("acme", module, False)
    viewer = (await api.ok(VIEWER, as_="fin@acme.com"))["viewer"]
    assert viewer["enabledModules"] == [] and viewer["tenant"]["enabledModules"] == []
    await api.enable("acme", "invoicing", True)
    assert (await api.ok(VIEWER, as_="fin@acme.com"))["viewer"]["enabledModules"] == ["invoicing"]
    assert (await api.ok(INVOICES, as_="fin@acme.com"))["invoices"]["totalCount"] == 0
    # Another tenant's modules were never touched.
    assert set((await api.ok(VIEWER, as_="fin@globex.com"))["viewer"]["enabledModules"]) == set(MODULES)

    # A domain added: the next request knows it (the viewer's tenant, and invitations on it, R-S3).
    invite = "mutation($e: String!) { inviteUser(input: {email: $e}) { email } }"
    assert await api.code(invite, {"e": "new@acme.org"}, as_="admin@acme.com") == "BAD_USER_INPUT"
    await api.load({"tenants": [{**ACME, "domains": ["acme.com", "acme.org"]}]})
    viewer = (await api.ok(VIEWER, as_="admin@acme.com"))["viewer"]
    assert viewer["tenant"]["domains"] == ["acme.com", "acme.org"] and viewer["isAdmin"]
    assert (await api.ok(invite, {"e": "new@acme.org"}, as_="admin@acme.com"))["inviteUser"]["email"] == "new@acme.org"

    # A person without any role: none, not a stale or an empty-string one.
    assert (await api.ok(VIEWER, as_="plain@acme.com"))["viewer"]["roles"] == []


async def test_the_callers_own_roles_changed_twice_in_one_request(api: Api) -> None:
    """The caller's person is the request's own ORM object: changing their own roles works on its
    roles as the database holds them, so a second change in the same request starts from the first's
    result (not from what authentication read), and the next request has the last one."""
    await api.load({"tenants": [ACME]})
    admin = await user_id(api, "admin@acme.com")
    twice = """mutation($id: ID!) {
      a: changeUserRoles(id: $id, roles: [ADMIN]) { roles }
      b: changeUserRoles(id: $id, roles: [ADMIN, TECHNICAL]) { roles }
      c: changeUserRoles(id: $id, roles: [ADMIN]) { roles } }"""
    data = await api.ok(twice, {"id": admin}, as_="admin@acme.com")
    assert [data[k]["roles"] for k in "abc"] == [["ADMIN"], ["ADMIN", "TECHNICAL"], ["ADMIN"]]
    assert (await api.ok(VIEWER, as_="admin@acme.com"))["viewer"]["roles"] == ["ADMIN"]
    rows = await api.sql(
        "select r.role from person_roles r join people p on p.id = r.person_id where p.email = 'admin@acme.com'"
    )
    assert [r[0] for r in rows] == ["ADMIN"]


async def test_the_callers_objects_from_the_row_equal_what_the_orm_loads(api: Api) -> None:
    """The person statement's row (sent to the driver as it is on PostgreSQL, core/driver.py) becomes
    the request's ORM objects (core.db.loaded): every column's value and type equal what a query
    through the ORM loads — dates with their zone, a JSON list, a NULL locale — and the session holds
    them as persistent objects without changes, so authentication writes nothing it did not mean to."""
    from sqlalchemy import inspect, select

    from core import caller, rls
    from core.db import use_autocommit
    from core.models import Person, Tenant

    acme = {**ACME, "portalOrigins": ["https://portal.acme.com"], "locale": "de"}
    await api.load({"tenants": [acme]})
    await api.ok(VIEWER, as_="fin@acme.com")  # signed in: the sign-in dates are set
    async with api.state.sessionmaker() as session:
        await use_autocommit(session)
        await rls.scope_to_login(session, "fin@acme.com")
        person, tenant, _ = await caller._person_and_home(api.state, session, "fin@acme.com")
        assert inspect(person).persistent and inspect(tenant).persistent
        assert not (session.new or session.dirty or session.deleted)
        assert person.role_names == {"FINANCE"} and tenant.domain_names == {"acme.com"}
        assert tenant.enabled_plugins == set(MODULES)
        # Expired (a rollback, a refresh), a collection is loaded again to be read, never answered
        # from what authentication read: a module switched off meanwhile is seen.
        await api.sql("update tenant_plugins set enabled = false where plugin = 'rewards'")
        session.expire(tenant, ["plugins"])
        assert await session.run_sync(lambda _: tenant.enabled_plugins) == set(MODULES) - {"rewards"}
        assert tenant.domain_names == {"acme.com"} and person.role_names == {"FINANCE"}
    async with api.state.sessionmaker() as session:
        await rls.scope_to_login(session, "fin@acme.com")
        query = select(Person).where(Person.email == "fin@acme.com").execution_options(skip_tenant_filter=True)
        orm_person = (await session.execute(query)).scalar_one()
        orm_tenant = await session.get(Tenant, orm_person.tenant_id)
        for built, orm, keys in ((person, orm_person, caller._PERSON_KEYS), (tenant, orm_tenant, caller._TENANT_KEYS)):
            for key in keys:
                mine, theirs = getattr(built, key), getattr(orm, key)
                assert (mine, type(mine)) == (theirs, type(theirs)), key
    assert person.last_sign_in_at is not None and person.last_sign_in_at.utcoffset() is not None
    assert person.locale is None and tenant.portal_origins == ["https://portal.acme.com"]
    assert tenant.default_locale == "de"


async def test_the_tenant_x_tenant_names_is_read_in_one_statement_and_current(api: Api) -> None:
    """Vendor staff (and a reseller's person in a customer) name the tenant they act in (X-Tenant):
    it is read with its domains and enabled modules in one statement (no statement per collection),
    and a module switched off is gone from the very next request's."""
    await api.load({"tenants": [ACME, GLOBEX]})
    staff = {"as_": "op@vendor.example", "staff": ["OPERATOR"], "tenant": "acme"}
    query = "{ viewer { tenant { key domains enabledModules } } }"
    await api.ok(query, **staff)  # the tenant's policy rows, read once per configuration
    with api.count_statements() as statements:
        tenant = (await api.ok(query, **staff))["viewer"]["tenant"]
    assert tenant == {"key": "acme", "domains": ["acme.com"], "enabledModules": sorted(MODULES)}
    own = [s for s in statements if s not in api.scope_statements(statements)]
    assert len(own) == 1 and "FROM tenants" in own[0], statements
    await api.enable("acme", "sharing", False)
    tenant = (await api.ok(query, **staff))["viewer"]["tenant"]
    assert tenant["enabledModules"] == sorted(set(MODULES) - {"sharing"})
    assert await api.code(query, **{**staff, "tenant": "nosuch"}) == "FORBIDDEN"
