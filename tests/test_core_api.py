"""Core API through HTTP: viewer (R-A4), tokens, invitations (R-A3, R-S3), user management, tenancy (R-T1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select

from core.models import OutboxEmail, Person
from core.rls import EVERY_TENANT  # the test's own inspection: every tenant (core/rls.py)

VIEWER = """{ viewer { email firstName lastName lastSignInAt roles contactKinds isAdmin enabledModules
  tenant { key name domains } } }"""
INVITE = """mutation($input: InviteUserInput!) { inviteUser(input: $input) { id email status roles } }"""
USERS = "{ users(first: 50) { totalCount edges { node { id email roles status } } } }"


async def test_viewer_shows_person_tenant_roles_and_sign_in(two_tenants):
    api = two_tenants
    data = await api.ok(VIEWER, as_="tech@acme.com")
    v = data["viewer"]
    assert v["email"] == "tech@acme.com"
    assert v["contactKinds"] == ["TECHNICAL"]
    assert v["tenant"] == {"key": "acme", "name": "Acme Corp", "domains": ["acme.com"]}
    assert v["lastSignInAt"] is not None  # R-A4
    assert set(v["enabledModules"]) == {"renewals", "invoicing", "rewards", "sharing"}


async def test_token_failures_are_unauthenticated(two_tenants):
    api = two_tenants
    resp = await api.client.post("/graphql", json={"query": VIEWER})
    assert resp.status_code == 401
    assert resp.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    resp = await api.client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": "Bearer nonsense"})
    assert resp.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    expired = api.token("tech@acme.com")
    api.clock.advance(days=2)  # the token's expiry is in real time; move the real clock instead
    import jwt

    from core.auth import issue_token

    old = issue_token(api.state.settings, "tech@acme.com", now=datetime.now(UTC) - timedelta(days=30))
    resp = await api.client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {old}"})
    assert resp.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert resp.json()["errors"][0]["message"] == "Token expired"
    wrong_aud = jwt.encode(
        {"sub": "tech@acme.com", "iss": api.state.settings.jwt_issuer, "aud": "other", "exp": 4102444800},
        api.state.settings.jwt_secret,
        algorithm="HS256",
    )
    resp = await api.client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {wrong_aud}"})
    assert resp.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert expired  # a fresh token still works
    assert (await api.ok(VIEWER, as_="tech@acme.com"))["viewer"]["email"] == "tech@acme.com"


async def test_unknown_email_has_no_access(two_tenants):
    code = await two_tenants.code(VIEWER, as_="stranger@nowhere.org")
    assert code == "FORBIDDEN"


async def test_invite_same_domain_and_refuse_foreign_domain(two_tenants, smtp):
    api = two_tenants
    # without roles: only an admin gives roles (R-A3, tests/security/test_role_grants.py)
    data = await api.ok(INVITE, {"input": {"email": "New.Person@acme.com"}}, as_="tech@acme.com")
    assert data["inviteUser"]["email"] == "new.person@acme.com"
    assert data["inviteUser"]["status"] == "INVITED"
    err = await api.error(INVITE, {"input": {"email": "spy@globex.com"}}, as_="tech@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert "spy@globex.com" in err["message"]
    err = await api.error(INVITE, {"input": {"email": "someone@gmail.com"}}, as_="tech@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    rows = await api.sql("select email from people where email in ('spy@globex.com', 'someone@gmail.com')")
    assert rows == []
    # the invitation email went through the outbox to the SMTP server
    await api.run_jobs("outbox.deliver")
    assert smtp.to("new.person@acme.com")


async def test_invite_bad_email_is_bad_user_input(two_tenants):
    assert await two_tenants.code(INVITE, {"input": {"email": "not-an-email"}}, as_="tech@acme.com") == "BAD_USER_INPUT"
    assert (
        await two_tenants.code(INVITE, {"input": {"email": "x@acme.com", "roles": ["KING"]}}, as_="tech@acme.com")
        == "BAD_USER_INPUT"
    )


async def test_contact_kinds_on_core_actions(two_tenants):
    api = two_tenants
    # invite: TECHNICAL, EXECUTIVE and ADMIN may; FINANCE may not (§6)
    for email, allowed in [
        ("tech@acme.com", True),
        ("exec@acme.com", True),
        ("admin@acme.com", True),
        ("fin@acme.com", False),
        ("plain@acme.com", False),
    ]:
        body = await api.gql(INVITE, {"input": {"email": f"by-{email.split('@')[0]}@acme.com"}}, as_=email)
        assert bool(body.get("errors")) is not allowed, (email, body)
        if not allowed:
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    users = (await api.ok(USERS, as_="admin@acme.com"))["users"]["edges"]
    fin = next(u["node"] for u in users if u["node"]["email"] == "fin@acme.com")
    change = "mutation($id: ID!, $roles: [PersonRoleName!]!) { changeUserRoles(id: $id, roles: $roles) { roles } }"
    assert await api.code(change, {"id": fin["id"], "roles": ["EXECUTIVE"]}, as_="tech@acme.com") == "FORBIDDEN"
    # the admin (TECHNICAL + ADMIN) gives only roles they hold (R-A3)
    data = await api.ok(change, {"id": fin["id"], "roles": ["TECHNICAL", "FINANCE"]}, as_="admin@acme.com")
    assert data["changeUserRoles"]["roles"] == ["FINANCE", "TECHNICAL"]
    remove = "mutation($id: ID!) { removeUser(id: $id) { status } }"
    assert await api.code(remove, {"id": fin["id"]}, as_="exec@acme.com") == "FORBIDDEN"
    assert (await api.ok(remove, {"id": fin["id"]}, as_="admin@acme.com"))["removeUser"]["status"] == "REMOVED"
    assert await api.code(VIEWER, as_="fin@acme.com") == "FORBIDDEN"  # removed people lose access


async def test_cross_tenant_reads_and_writes_are_refused(two_tenants):
    api = two_tenants
    users = (await api.ok(USERS, as_="admin@acme.com"))["users"]
    assert {e["node"]["email"].split("@")[1] for e in users["edges"]} == {"acme.com"}
    globex_users = (await api.ok(USERS, as_="admin@globex.com"))["users"]["edges"]
    globex_fin = next(u["node"]["id"] for u in globex_users if u["node"]["email"] == "fin@globex.com")
    change = "mutation($id: ID!) { changeUserRoles(id: $id, roles: [ADMIN]) { roles } }"
    err = await api.error(change, {"id": globex_fin}, as_="admin@acme.com")
    assert err["extensions"]["code"] == "NOT_FOUND"
    assert "globex" not in str(err).lower()
    rows = await api.sql(
        "select role from person_roles r join people p on p.id = r.person_id where p.email = 'fin@globex.com'"
    )
    assert [r[0] for r in rows] == ["FINANCE"]
    # a person cannot pick another tenant with the header
    assert await api.code(VIEWER, as_="tech@acme.com", tenant="globex") == "FORBIDDEN"


async def test_central_tenant_filter_applies_to_unfiltered_queries(two_tenants):
    """R-T1: a query that forgets the tenant filter still returns only the caller's rows."""
    api = two_tenants
    async with api.state.sessionmaker(info=EVERY_TENANT) as session:
        acme_id = (await api.sql("select id from tenants where key = 'acme'"))[0][0]
        session.info["tenant_id"] = acme_id
        emails = (await session.execute(select(Person.email))).scalars().all()  # no WHERE tenant_id
        assert emails and all(e.endswith("@acme.com") for e in emails)
        # aggregate-only selects are filtered too
        assert (await session.execute(select(func.count(Person.id)))).scalar_one() == len(emails)
        summed = select(func.coalesce(func.sum(case((Person.email != "", 1), else_=0)), 0))
        assert (await session.execute(summed)).scalar_one() == len(emails)
        assert (await session.execute(select(func.count()).select_from(Person))).scalar_one() == len(emails)
        session.add(
            OutboxEmail(
                tenant_id=acme_id + 1,
                to_addr="x@y.z",
                subject="s",
                body="b",
                kind="k",
                next_attempt_at=api.clock.now(),
                created_at=api.clock.now(),
            )
        )
        try:
            await session.flush()
            raise AssertionError("writing another tenant's row must fail")
        except PermissionError:
            await session.rollback()


async def test_staff_operator_switches_modules_without_restart(two_tenants):
    api = two_tenants
    switch = """mutation($t: String!, $m: String!, $e: Boolean!) {
      setModuleEnabled(tenantKey: $t, module: $m, enabled: $e) { key enabledModules } }"""
    assert await api.code(switch, {"t": "acme", "m": "rewards", "e": False}, as_="admin@acme.com") == "FORBIDDEN"
    data = await api.ok(switch, {"t": "acme", "m": "rewards", "e": False}, as_="op@vendor.example", staff=["OPERATOR"])
    assert "rewards" not in data["setModuleEnabled"]["enabledModules"]
    v = (await api.ok(VIEWER, as_="tech@acme.com"))["viewer"]
    assert "rewards" not in v["enabledModules"]
    v = (await api.ok(VIEWER, as_="tech@globex.com"))["viewer"]
    assert "rewards" in v["enabledModules"]


async def test_can_query_answers_from_the_enforcer(two_tenants):
    api = two_tenants
    q = '{ can(object: "user", action: "invite") }'
    assert (await api.ok(q, as_="tech@acme.com"))["can"] is True
    assert (await api.ok(q, as_="fin@acme.com"))["can"] is False


async def test_errors_are_masked_and_typed(two_tenants):
    api = two_tenants
    err = await api.error("{ nope }", as_="tech@acme.com")
    assert err["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    resp = await api.client.post("/graphql", content=b"{not json", headers=api.headers("tech@acme.com"))
    assert resp.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    err = await api.error(USERS.replace("50", "5000"), as_="admin@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    err = await api.error('{ users(first: 5, after: "garbage!") { totalCount } }', as_="admin@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Traceback" not in str(err)


async def test_healthz_and_graphiql(api):
    assert (await api.client.get("/healthz")).status_code == 200
    resp = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert resp.status_code == 200 and "graphiql" in resp.text.lower()


async def test_sign_in_is_recorded_even_when_the_first_request_fails_r_a4(two_tenants):
    """R-A4: the sign-in is committed before the operation runs, so a refused first request (and the
    rollback of its transaction) still leaves the last-sign-in time."""
    api = two_tenants
    assert (await api.sql("select last_sign_in_at from people where email = 'tech@acme.com'"))[0][0] is None
    invite = 'mutation { inviteUser(input: {email: "someone@globex.com"}) { id } }'
    assert await api.code(invite, as_="tech@acme.com") in ("BAD_USER_INPUT", "FORBIDDEN")
    assert (await api.sql("select last_sign_in_at from people where email = 'tech@acme.com'"))[0][0] is not None
    assert await api.sql("select 1 from people where email = 'someone@globex.com'") == []


async def test_a_validated_text_runs_directly_only_where_it_was_validated(two_tenants, monkeypatch):
    """A query text a schema has validated runs without strawberry's operation the next time
    (core.limits.execute_validated), answering the same; a text that failed validation is validated
    again every time; and a text validated in one tenant's schema is validated anew in a schema
    without that module (the rewards field of a tenant where the operator turned rewards off)."""
    import core.routes.graphql as graphql_route

    api = two_tenants
    direct: list[bool] = []
    real = graphql_route.execute_validated

    async def spy(*args, **kwargs):
        result = await real(*args, **kwargs)
        direct.append(result is not None)
        return result

    monkeypatch.setattr(graphql_route, "execute_validated", spy)
    query = "{ viewer { email enabledModules } rewards { balance { amount } } }"
    first = await api.ok(query, as_="fin@globex.com")
    again = await api.ok(query, as_="fin@globex.com")
    assert first == again and direct == [False, True]
    for _ in range(2):
        assert (await api.error("{ nope }", as_="fin@globex.com"))["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert direct[2:] == [False, False]
    switch = 'mutation($t: String!) { setModuleEnabled(tenantKey: $t, module: "rewards", enabled: false) { key } }'
    await api.ok(switch, {"t": "acme"}, as_="op@vendor.example", staff=["OPERATOR"])
    assert (await api.error(query, as_="fin@acme.com"))["extensions"]["code"] == "MODULE_NOT_ENABLED"
    assert direct[-1] is False  # validated in acme's schema without rewards: refused there
