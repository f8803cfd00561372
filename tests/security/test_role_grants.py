"""Privilege escalation by invitation (R-A3, SPEC §6): only a tenant admin (or vendor staff OPERATOR
acting in the tenant) gives or changes roles, nobody gives a role they do not hold, and every other
way people come to exist (sharing) adds them without roles. A refused request changes nothing."""

from __future__ import annotations

from tests.conftest import Api
from tests.security.conftest import CHANGE, INVITE, OPERATOR, USERS, VIEWER, person_row, snapshot, user_id

INVOICES = "{ invoices(first: 5) { totalCount } }"


async def signed_in(api: Api, *emails: str) -> None:
    """A first request signs a person in (R-A4 writes their row): done before a snapshot is taken."""
    for email in emails:
        await api.ok(VIEWER, as_=email)


async def test_a_contact_who_may_invite_cannot_invite_with_roles(acme: Api) -> None:
    """R-A3, §6: TECHNICAL and EXECUTIVE contacts may invite, but only without roles. The reported
    attack (invite me+admin@<own domain> as ADMIN + FINANCE, sign in as it) is FORBIDDEN and creates
    nobody; nothing at all changes."""
    api = acme
    await signed_in(api, "tech@acme.com", "exec@acme.com")
    before = await snapshot(api)
    for inviter in ("tech@acme.com", "exec@acme.com"):
        for roles in (["ADMIN", "FINANCE"], ["ADMIN"], ["FINANCE"], ["TECHNICAL"]):
            email = f"me+{inviter.split('@')[0]}-{'-'.join(roles).lower()}@acme.com"
            err = await api.error(INVITE, {"input": {"email": email, "roles": roles}}, as_=inviter)
            assert err["extensions"]["code"] == "FORBIDDEN", (inviter, roles, err)
            assert "admin" in err["message"].lower()
    assert await snapshot(api) == before
    assert await api.code(VIEWER, as_="me+tech-admin-finance@acme.com") == "FORBIDDEN"  # no such user


async def test_people_invited_by_a_non_admin_get_no_roles(acme: Api) -> None:
    """R-A3: others allowed to invite add people without a contact kind, who get access only
    through shares: the invitee has no invoice, admin or user-management power."""
    api = acme
    data = await api.ok(INVITE, {"input": {"email": "new@acme.com"}}, as_="tech@acme.com")
    assert data["inviteUser"]["roles"] == []
    assert await person_row(api, "new@acme.com") == ("INVITED", ())
    assert (await api.ok(VIEWER, as_="new@acme.com"))["viewer"]["roles"] == []
    assert await api.code(INVOICES, as_="new@acme.com") == "FORBIDDEN"
    assert await api.code(INVITE, {"input": {"email": "x@acme.com"}}, as_="new@acme.com") == "FORBIDDEN"


async def test_an_admin_grants_admin_and_only_the_contact_kinds_they_hold(acme: Api) -> None:
    """R-A3: nobody grants a role they do not hold. admin@acme.com is TECHNICAL + ADMIN: they may
    invite an ADMIN or a TECHNICAL contact, not a FINANCE or EXECUTIVE one (FORBIDDEN, nobody created)."""
    api = acme
    data = await api.ok(
        INVITE, {"input": {"email": "deputy@acme.com", "roles": ["ADMIN", "TECHNICAL"]}}, as_="admin@acme.com"
    )
    assert data["inviteUser"]["roles"] == ["ADMIN", "TECHNICAL"]
    await signed_in(api, "admin@acme.com")
    before = await snapshot(api)
    for roles in (["FINANCE"], ["ADMIN", "EXECUTIVE"]):
        err = await api.error(INVITE, {"input": {"email": "payer@acme.com", "roles": roles}}, as_="admin@acme.com")
        assert err["extensions"]["code"] == "FORBIDDEN", (roles, err)
        assert [r for r in roles if r not in ("ADMIN", "TECHNICAL")][0] in err["message"]
    assert await snapshot(api) == before
    # the new admin holds TECHNICAL + ADMIN as well: the same limits apply to them
    assert (
        await api.code(INVITE, {"input": {"email": "p2@acme.com", "roles": ["FINANCE"]}}, as_="deputy@acme.com")
        == "FORBIDDEN"
    )
    assert await person_row(api, "p2@acme.com") is None


async def test_only_admins_change_roles_and_only_to_roles_they_hold(acme: Api) -> None:
    """R-A3, §6: changeUserRoles is for tenant admins; an admin cannot grant a role they do not hold,
    to someone else or to themselves (no self-escalation); taking a role away is an admin's call."""
    api = acme
    plain, fin, admin = [await user_id(api, e) for e in ("plain@acme.com", "fin@acme.com", "admin@acme.com")]
    await signed_in(api, "tech@acme.com", "exec@acme.com", "fin@acme.com", "plain@acme.com")
    before = await snapshot(api)
    for caller in ("tech@acme.com", "exec@acme.com", "fin@acme.com", "plain@acme.com"):
        assert await api.code(CHANGE, {"id": plain, "roles": ["TECHNICAL"]}, as_=caller) == "FORBIDDEN", caller
    # a contact cannot raise themselves either
    own = await user_id(api, "tech@acme.com")
    assert await api.code(CHANGE, {"id": own, "roles": ["TECHNICAL", "ADMIN"]}, as_="tech@acme.com") == "FORBIDDEN"
    # the admin cannot hand out FINANCE / EXECUTIVE (not theirs), nor take them for themselves
    assert await api.code(CHANGE, {"id": plain, "roles": ["FINANCE"]}, as_="admin@acme.com") == "FORBIDDEN"
    assert await api.code(CHANGE, {"id": fin, "roles": ["FINANCE", "EXECUTIVE"]}, as_="admin@acme.com") == "FORBIDDEN"
    roles = ["ADMIN", "TECHNICAL", "FINANCE"]
    assert await api.code(CHANGE, {"id": admin, "roles": roles}, as_="admin@acme.com") == "FORBIDDEN"
    assert await snapshot(api) == before
    # what an admin may do: grant what they hold, keep or take away anything
    data = await api.ok(CHANGE, {"id": plain, "roles": ["TECHNICAL"]}, as_="admin@acme.com")
    assert data["changeUserRoles"]["roles"] == ["TECHNICAL"]
    data = await api.ok(CHANGE, {"id": fin, "roles": ["FINANCE", "TECHNICAL"]}, as_="admin@acme.com")
    assert data["changeUserRoles"]["roles"] == ["FINANCE", "TECHNICAL"]
    assert (await api.ok(CHANGE, {"id": fin, "roles": []}, as_="admin@acme.com"))["changeUserRoles"]["roles"] == []
    assert await person_row(api, "fin@acme.com") == ("ACTIVE", ())


async def test_an_operator_acting_in_the_tenant_grants_any_role(acme: Api) -> None:
    """R-A3, §6: vendor staff OPERATOR, acting in a tenant with X-Tenant, may give any role
    (e.g. the first FINANCE contact); without a tenant there is nobody to give it in."""
    api = acme
    data = await api.ok(INVITE, {"input": {"email": "cfo@acme.com", "roles": ["FINANCE", "ADMIN"]}}, **OPERATOR)
    assert data["inviteUser"]["roles"] == ["ADMIN", "FINANCE"]
    plain = await user_id(api, "plain@acme.com")
    data = await api.ok(CHANGE, {"id": plain, "roles": ["EXECUTIVE"]}, **OPERATOR)
    assert data["changeUserRoles"]["roles"] == ["EXECUTIVE"]
    no_tenant = {"as_": OPERATOR["as_"], "staff": OPERATOR["staff"]}
    assert (
        await api.code(INVITE, {"input": {"email": "x@acme.com", "roles": ["ADMIN"]}}, **no_tenant) == "BAD_USER_INPUT"
    )
    # other staff roles manage no people
    for staff in (("BILLING_SUPPORT",), ("SALES_REP",)):
        kw = {"as_": "s@vendor.example", "staff": staff, "tenant": "acme"}
        assert await api.code(INVITE, {"input": {"email": "y@acme.com", "roles": ["ADMIN"]}}, **kw) == "FORBIDDEN"
        assert await api.code(CHANGE, {"id": plain, "roles": ["ADMIN"]}, **kw) == "FORBIDDEN"
    assert await person_row(api, "y@acme.com") is None


async def test_sharing_invites_newcomers_without_roles(acme: Api) -> None:
    """R-S1, R-S4, R-A3: sharing a renewal or the billing dashboard with someone new invites them as a
    side effect; they get the share and no role, whoever shares (a contact or billing support)."""
    api = acme
    share = 'mutation { shareRenewal(supportNumber: "SN-1", role: PARTICIPANT, emails: ["side@acme.com"]) { id } }'
    await api.ok(share, as_="tech@acme.com")
    await api.ok('mutation { shareBillingDashboard(emails: ["bd-new@acme.com"]) { id } }', as_="fin@acme.com")
    await api.ok(
        'mutation { shareBillingDashboard(emails: ["bs-new@acme.com"]) { id } }',
        as_="bs@vendor.example",
        staff=("BILLING_SUPPORT",),
        tenant="acme",
    )
    for email in ("side@acme.com", "bd-new@acme.com", "bs-new@acme.com"):
        assert await person_row(api, email) == ("INVITED", ()), email
    assert (await api.ok(VIEWER, as_="side@acme.com"))["viewer"]["roles"] == []
    assert (await api.ok(VIEWER, as_="bd-new@acme.com"))["viewer"]["roles"] == ["BILLING_DASHBOARD"]
    # the users list shows them without roles too
    users = (await api.ok(USERS, {"all": False}, as_="admin@acme.com"))["users"]["nodes"]
    assert {u["email"]: u["roles"] for u in users}["side@acme.com"] == []
