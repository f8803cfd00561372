"""Sharing through the GraphQL endpoint (SPEC §5): renewal shares as participant / viewer (R-S1, R-S2),
the same-email-domain rule (R-S3), billing-dashboard shares (R-S4), listing and revoking (R-S5)."""

from __future__ import annotations

from core.db import tenant_session
from plugins.sharing import api as sharing_api

SHARE = """mutation($sn: String!, $role: ShareRole!, $emails: [String!], $list: ID) {
  shareRenewal(supportNumber: $sn, role: $role, emails: $emails, listId: $list) {
    id supportNumber email role grantedBy userStatus } }"""
SHARES = """query($sn: String!, $first: Int) { renewalShares(supportNumber: $sn, first: $first) {
  totalCount edges { node { id email role grantedBy userStatus } } } }"""
CHANGE = "mutation($id: ID!, $role: ShareRole!) { changeShareRole(id: $id, role: $role) { id email role } }"
REVOKE = "mutation($id: ID!) { revokeShare(id: $id) { email role } }"
SAVE_LIST = """mutation($name: String!, $emails: [String!]!, $id: ID) {
  saveShareList(name: $name, emails: $emails, id: $id) { id name emails } }"""
LISTS = "{ shareLists { nodes { id name emails } } }"
DELETE_LIST = "mutation($id: ID!) { deleteShareList(id: $id) }"
SHARE_BD = "mutation($emails: [String!]!) { shareBillingDashboard(emails: $emails) { id email grantedBy userStatus } }"
BD_SHARES = "{ billingDashboardShares(first: 50) { totalCount edges { node { email grantedBy } } } }"
REVOKE_BD = "mutation($email: String!) { revokeBillingDashboard(email: $email) { email } }"
VIEW = "query($sn: String!) { renewal(supportNumber: $sn) { supportNumber } }"
ACCEPT = """mutation($sn: String!) { checkout(input: {supportNumbers: [$sn], paymentMethod: INVOICE,
  acceptTerms: true, acceptTssa: true}) { __typename } }"""
ASSIST = """mutation($sn: String!) { requestRenewalAssistance(supportNumber: $sn, message: "Help") { __typename } }"""
ROLES = "{ viewer { roles } }"
CAN = 'query($act: String!, $sn: ID!) { can(object: "renewal", action: $act, id: $sn) }'
EXPLAIN = """query($email: String!, $object: String!, $action: String!, $id: ID) {
  explain(email: $email, object: $object, action: $action, id: $id) { allowed decidedByRole rule rolesConsidered } }"""


async def grants(api, object_type: str = "renewal") -> list[tuple]:
    return sorted(
        tuple(r)
        for r in await api.sql(
            "select object_id, grantee_email, role from object_grants where object_type = :t", t=object_type
        )
    )


def reads(statements: list[str]) -> list[str]:
    """Statements minus the sign-in bookkeeping (R-A4), which depends on the token's issue second."""
    return [s for s in statements if not s.lstrip().upper().startswith("UPDATE PEOPLE")]


async def outbox_count(api) -> int:
    return (await api.sql("select count(*) from outbox_emails"))[0][0]


# --------------------------------------------------------------------------- renewal shares
async def test_participant_and_viewer_get_their_actions_on_that_renewal_only(rapi):
    """R-S1, R-S2: participant views, accepts, asks for help; viewer views and asks for help only;
    neither sees other renewals. plain@ holds no contact kind, so the share alone decides."""
    api = rapi
    assert await api.code(VIEW, {"sn": "SN-1"}, as_="plain@acme.com") == "NOT_FOUND"  # not shared yet
    data = await api.ok(SHARE, {"sn": "SN-1", "role": "PARTICIPANT", "emails": ["Plain@Acme.com"]}, as_="tech@acme.com")
    assert data["shareRenewal"] == [
        {
            "id": data["shareRenewal"][0]["id"],
            "supportNumber": "SN-1",
            "email": "plain@acme.com",
            "role": "PARTICIPANT",
            "grantedBy": "tech@acme.com",
            "userStatus": "ACTIVE",
        }
    ]
    await api.ok(SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": ["fin@acme.com"]}, as_="tech@acme.com")
    assert await api.ok(VIEW, {"sn": "SN-1"}, as_="fin@acme.com")
    assert await api.ok(ASSIST, {"sn": "SN-1"}, as_="fin@acme.com")
    assert await api.code(ACCEPT, {"sn": "SN-1"}, as_="fin@acme.com") == "FORBIDDEN"
    assert await api.ok(VIEW, {"sn": "SN-1"}, as_="plain@acme.com")
    assert await api.ok(ASSIST, {"sn": "SN-1"}, as_="plain@acme.com")
    assert await api.ok(ACCEPT, {"sn": "SN-1"}, as_="plain@acme.com")
    assert await api.code(VIEW, {"sn": "SN-2"}, as_="plain@acme.com") == "NOT_FOUND"  # only that renewal
    assert await api.code(VIEW, {"sn": "SN-1"}, as_="exec@acme.com") == "NOT_FOUND"
    listed = (await api.ok(SHARES, {"sn": "SN-1"}, as_="tech@acme.com"))["renewalShares"]
    assert listed["totalCount"] == 2
    assert [(e["node"]["email"], e["node"]["role"]) for e in listed["edges"]] == [
        ("fin@acme.com", "VIEWER"),
        ("plain@acme.com", "PARTICIPANT"),
    ]
    # the renewal shows how many people it is shared with (R-S5 feeds R-R19 / R-R22)
    count = await api.ok('query { renewal(supportNumber: "SN-1") { sharedWithCount } }', as_="tech@acme.com")
    assert count["renewal"]["sharedWithCount"] == 2
    # the existing users are told in the message center and by email (outbox)
    kinds = await api.sql("select to_addr from outbox_emails where kind = 'sharing.renewal_shared' order by to_addr")
    assert [r[0] for r in kinds] == ["fin@acme.com", "plain@acme.com"]
    msgs = (await api.ok("{ viewer { messages { nodes { kind subject } } } }", as_="fin@acme.com"))["viewer"][
        "messages"
    ]["nodes"]
    assert any(m["kind"] == "sharing.renewal_shared" and "SN-1" in m["subject"] for m in msgs)


async def test_change_role_and_revoke_take_effect_on_the_next_request(rapi):
    """R-S5: a changed or revoked share changes access on the very next request."""
    api = rapi
    share = (
        await api.ok(SHARE, {"sn": "SN-1", "role": "PARTICIPANT", "emails": ["plain@acme.com"]}, as_="tech@acme.com")
    )["shareRenewal"][0]
    assert (await api.ok(CAN, {"act": "accept", "sn": "SN-1"}, as_="plain@acme.com"))["can"] is True
    changed = (await api.ok(CHANGE, {"id": share["id"], "role": "VIEWER"}, as_="tech@acme.com"))["changeShareRole"]
    assert changed == {"id": share["id"], "email": "plain@acme.com", "role": "VIEWER"}
    assert (await api.ok(CAN, {"act": "accept", "sn": "SN-1"}, as_="plain@acme.com"))["can"] is False
    assert await api.code(ACCEPT, {"sn": "SN-1"}, as_="plain@acme.com") == "FORBIDDEN"
    assert await api.ok(VIEW, {"sn": "SN-1"}, as_="plain@acme.com")
    revoked = (await api.ok(REVOKE, {"id": share["id"]}, as_="tech@acme.com"))["revokeShare"]
    assert revoked == {"email": "plain@acme.com", "role": "VIEWER"}
    assert await api.code(VIEW, {"sn": "SN-1"}, as_="plain@acme.com") == "NOT_FOUND"
    assert await grants(api) == []
    assert await api.code(REVOKE, {"id": share["id"]}, as_="tech@acme.com") == "NOT_FOUND"  # already gone


async def test_sharing_again_changes_the_role_without_duplicates(rapi):
    api = rapi
    await api.ok(SHARE, {"sn": " SN-1 ", "role": "VIEWER", "emails": ["exec@acme.com"]}, as_="tech@acme.com")
    assert (await api.ok(SHARES, {"sn": "SN-1 "}, as_="tech@acme.com"))["renewalShares"]["totalCount"] == 1
    await api.ok(
        SHARE, {"sn": "SN-1", "role": "PARTICIPANT", "emails": ["exec@acme.com", "EXEC@acme.com"]}, as_="tech@acme.com"
    )
    assert await grants(api) == [("SN-1", "exec@acme.com", "PARTICIPANT")]


async def test_one_foreign_address_refuses_the_whole_list_and_names_it(rapi, smtp):
    """R-S3: a list with one address outside the organisation's domains shares with nobody."""
    api = rapi
    for foreign in ["spy@globex.com", "someone@gmail.com", "x@sub.acme.com", "x@acme.com.evil.org"]:
        err = await api.error(
            SHARE,
            {"sn": "SN-1", "role": "VIEWER", "emails": ["exec@acme.com", "newbie@acme.com", foreign]},
            as_="tech@acme.com",
        )
        assert err["extensions"]["code"] == "BAD_USER_INPUT"
        assert err["extensions"]["reason"] == "DOMAIN_MISMATCH"
        assert foreign in err["message"] and "exec@acme.com" not in err["message"]
        assert err["extensions"]["emails"] == [foreign]
    assert await grants(api) == []
    assert await api.sql("select email from people where email = 'newbie@acme.com'") == []
    assert await outbox_count(api) == 0


async def test_bad_input_is_refused_with_nothing_changed(rapi):
    api = rapi
    cases = [
        ({"sn": "SN-1", "role": "VIEWER", "emails": []}, "BAD_USER_INPUT"),  # nobody named
        ({"sn": "SN-1", "role": "VIEWER"}, "BAD_USER_INPUT"),
        ({"sn": "SN-1", "role": "VIEWER", "emails": ["not-an-email"]}, "BAD_USER_INPUT"),
        ({"sn": "SN-1", "role": "VIEWER", "emails": ["tech@acme.com"]}, "BAD_USER_INPUT"),  # yourself
        ({"sn": "SN-1", "role": "OWNER", "emails": ["exec@acme.com"]}, "BAD_USER_INPUT"),  # not a share role
        ({"sn": "SN-1", "role": "VIEWER", "list": "bogus"}, "BAD_USER_INPUT"),
        ({"sn": "NOPE", "role": "VIEWER", "emails": ["exec@acme.com"]}, "NOT_FOUND"),
    ]
    for variables, code in cases:
        assert await api.code(SHARE, variables, as_="tech@acme.com") == code, variables
    # R-S1 input cap: 250 addresses are fine, 251 are refused (threshold)
    many = [f"p{i}@acme.com" for i in range(251)]
    err = await api.error(SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": many}, as_="tech@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "250" in err["message"]
    assert await grants(api) == []
    assert await outbox_count(api) == 0
    data = await api.ok(SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": many[:250]}, as_="tech@acme.com")
    assert len(data["shareRenewal"]) == 250


async def test_who_may_share(rapi):
    """§6: TECHNICAL (and the admin as a technical contact) shares renewals they see; others cannot,
    even when they see it."""
    api = rapi
    await api.ok(SHARE, {"sn": "SN-1", "role": "PARTICIPANT", "emails": ["exec@acme.com"]}, as_="tech@acme.com")
    await api.ok(SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": ["plain@acme.com"]}, as_="tech@acme.com")
    await api.ok(SHARE, {"sn": "SN-2", "role": "VIEWER", "emails": ["fin@acme.com"]}, as_="admin@acme.com")
    # R-S2: the admin is not SN-1's quote-to contact and it is not shared with them
    assert (
        await api.code(SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": ["fin@acme.com"]}, as_="admin@acme.com")
        == "NOT_FOUND"
    )
    # exec sees SN-1 as participant but is not allowed to share it: FORBIDDEN, nothing changed
    assert (
        await api.code(SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": ["fin@acme.com"]}, as_="exec@acme.com")
        == "FORBIDDEN"
    )
    assert await api.code(SHARES, {"sn": "SN-1"}, as_="exec@acme.com") == "FORBIDDEN"
    # fin cannot even see SN-1: NOT_FOUND (never confirms the renewal exists)
    assert (
        await api.code(SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": ["plain@acme.com"]}, as_="fin@acme.com")
        == "NOT_FOUND"
    )
    share_id = (await api.ok(SHARES, {"sn": "SN-1"}, as_="tech@acme.com"))["renewalShares"]["edges"][0]["node"]["id"]
    assert await api.code(REVOKE, {"id": share_id}, as_="exec@acme.com") == "FORBIDDEN"
    assert await api.code(CHANGE, {"id": share_id, "role": "VIEWER"}, as_="plain@acme.com") == "FORBIDDEN"
    assert await grants(api) == [
        ("SN-1", "exec@acme.com", "PARTICIPANT"),
        ("SN-1", "plain@acme.com", "VIEWER"),
        ("SN-2", "fin@acme.com", "VIEWER"),
    ]


async def test_cross_tenant_attempts_are_refused_with_nothing_changed(rapi):
    """R-T1: another tenant's renewal and share ids are NOT_FOUND, never revealed or changed."""
    api = rapi
    share_id = (
        await api.ok(SHARE, {"sn": "SN-1", "role": "PARTICIPANT", "emails": ["exec@acme.com"]}, as_="tech@acme.com")
    )["shareRenewal"][0]["id"]
    assert (
        await api.code(SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": ["fin@globex.com"]}, as_="tech@globex.com")
        == "NOT_FOUND"
    )
    assert await api.code(SHARES, {"sn": "SN-1"}, as_="admin@globex.com") == "NOT_FOUND"
    assert await api.code(CHANGE, {"id": share_id, "role": "VIEWER"}, as_="tech@globex.com") == "NOT_FOUND"
    assert await api.code(REVOKE, {"id": share_id}, as_="admin@globex.com") == "NOT_FOUND"
    # sharing one's own renewal with another organisation's person is the R-S3 refusal
    err = await api.error(SHARE, {"sn": "SN-9", "role": "VIEWER", "emails": ["exec@acme.com"]}, as_="tech@globex.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "exec@acme.com" in err["message"]
    assert await grants(api) == [("SN-1", "exec@acme.com", "PARTICIPANT")]
    # the globex admin's list of shares of their own renewal does not include acme's
    assert (await api.ok(SHARES, {"sn": "SN-9"}, as_="tech@globex.com"))["renewalShares"]["totalCount"] == 0


async def test_sharing_with_a_new_person_invites_them_and_they_see_it_after_sign_in(rapi, smtp):
    """R-S1 + R-A3: not yet a user -> invited (status INVITED, invitation email via the outbox)."""
    api = rapi
    data = await api.ok(SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": ["Newbie@acme.com"]}, as_="tech@acme.com")
    assert data["shareRenewal"][0]["userStatus"] == "INVITED"
    assert [tuple(r) for r in await api.sql("select email, status from people where email = 'newbie@acme.com'")] == [
        ("newbie@acme.com", "INVITED")
    ]
    await api.run_jobs("outbox.deliver")
    mails = smtp.to("newbie@acme.com")
    assert len(mails) == 1 and "invited" in mails[0]["Subject"]
    assert await api.ok(VIEW, {"sn": "SN-1"}, as_="newbie@acme.com")  # first sign-in
    listed = (await api.ok(SHARES, {"sn": "SN-1"}, as_="tech@acme.com"))["renewalShares"]["edges"]
    assert listed[0]["node"]["userStatus"] == "ACTIVE"


async def test_sharing_with_a_removed_person_is_a_conflict(rapi):
    """An admin's removal (R-A3) is not undone by sharing; nothing is shared."""
    api = rapi
    await api.sql("update people set status = 'REMOVED' where email = 'plain@acme.com'")
    err = await api.error(
        SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": ["exec@acme.com", "plain@acme.com"]}, as_="tech@acme.com"
    )
    assert err["extensions"]["code"] == "CONFLICT" and "plain@acme.com" in err["message"]
    assert await api.code(SHARE_BD, {"emails": ["plain@acme.com"]}, as_="fin@acme.com") == "CONFLICT"
    assert await grants(api) == []
    assert (await api.sql("select status from people where email = 'plain@acme.com'"))[0][0] == "REMOVED"


async def test_share_with_a_saved_list(rapi):
    """R-S1: a named list is saved once and shared with; list and emails are merged."""
    api = rapi
    saved = (
        await api.ok(SAVE_LIST, {"name": " Board ", "emails": ["exec@acme.com", "fin@acme.com"]}, as_="tech@acme.com")
    )["saveShareList"]
    assert saved["name"] == "Board" and saved["emails"] == ["exec@acme.com", "fin@acme.com"]
    data = await api.ok(
        SHARE, {"sn": "SN-1", "role": "VIEWER", "list": saved["id"], "emails": ["plain@acme.com"]}, as_="tech@acme.com"
    )
    assert sorted(s["email"] for s in data["shareRenewal"]) == ["exec@acme.com", "fin@acme.com", "plain@acme.com"]
    # another person's list is NOT_FOUND for the sharer
    assert (
        await api.code(SHARE, {"sn": "SN-2", "role": "VIEWER", "list": saved["id"]}, as_="admin@acme.com")
        == "NOT_FOUND"
    )


async def test_share_lists_are_private_validated_and_editable(rapi):
    api = rapi
    saved = (await api.ok(SAVE_LIST, {"name": "Team", "emails": ["exec@acme.com"]}, as_="exec@acme.com"))[
        "saveShareList"
    ]
    # R-S3 at save time: one foreign address refuses the list, naming it
    err = await api.error(SAVE_LIST, {"name": "Mixed", "emails": ["fin@acme.com", "x@globex.com"]}, as_="exec@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "x@globex.com" in err["message"]
    assert await api.code(SAVE_LIST, {"name": "team2", "emails": []}, as_="exec@acme.com") == "BAD_USER_INPUT"
    assert (
        await api.code(SAVE_LIST, {"name": "  ", "emails": ["fin@acme.com"]}, as_="exec@acme.com") == "BAD_USER_INPUT"
    )
    assert (
        await api.code(SAVE_LIST, {"name": "x" * 101, "emails": ["fin@acme.com"]}, as_="exec@acme.com")
        == "BAD_USER_INPUT"
    )
    assert await api.ok(SAVE_LIST, {"name": "y" * 100, "emails": ["fin@acme.com"]}, as_="exec@acme.com")
    assert await api.code(SAVE_LIST, {"name": "Team", "emails": ["fin@acme.com"]}, as_="exec@acme.com") == "CONFLICT"
    edited = (
        await api.ok(
            SAVE_LIST,
            {"id": saved["id"], "name": "Team", "emails": ["fin@acme.com", "exec@acme.com", "plain@acme.com"]},
            as_="exec@acme.com",
        )
    )["saveShareList"]
    assert edited == {"id": saved["id"], "name": "Team", "emails": ["exec@acme.com", "fin@acme.com", "plain@acme.com"]}
    # private: others neither list nor edit nor delete it
    assert (await api.ok(LISTS, as_="tech@acme.com"))["shareLists"]["nodes"] == []
    assert (
        await api.code(SAVE_LIST, {"id": saved["id"], "name": "Mine", "emails": ["fin@acme.com"]}, as_="tech@acme.com")
        == "NOT_FOUND"
    )
    assert await api.code(DELETE_LIST, {"id": saved["id"]}, as_="tech@globex.com") == "NOT_FOUND"
    assert [s["name"] for s in (await api.ok(LISTS, as_="exec@acme.com"))["shareLists"]["nodes"]] == ["Team", "y" * 100]
    assert (await api.ok(DELETE_LIST, {"id": saved["id"]}, as_="exec@acme.com"))["deleteShareList"] == saved["id"]
    assert [s["name"] for s in (await api.ok(LISTS, as_="exec@acme.com"))["shareLists"]["nodes"]] == ["y" * 100]
    assert (await api.sql("select count(*) from sharing_list_members"))[0][0] == 1


async def test_renewal_shares_page_costs_constant_statements(rapi):
    api = rapi
    emails = [f"p{i:03}@acme.com" for i in range(120)]
    await api.ok(SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": emails}, as_="tech@acme.com")
    with api.count_statements() as small:
        page = await api.ok(SHARES, {"sn": "SN-1", "first": 10}, as_="tech@acme.com")
    assert len(page["renewalShares"]["edges"]) == 10
    with api.count_statements() as large:
        page = await api.ok(SHARES, {"sn": "SN-1", "first": 100}, as_="tech@acme.com")
    assert len(page["renewalShares"]["edges"]) == 100
    assert len(reads(small)) == len(reads(large))
    assert await api.code(SHARES, {"sn": "SN-1", "first": 101}, as_="tech@acme.com") == "BAD_USER_INPUT"


# ------------------------------------------------------------------------- billing dashboard
async def test_invoice_recipient_shares_the_billing_dashboard(api, two_tenants):
    """R-S4: FINANCE shares; the colleague gets the BILLING_DASHBOARD role; revoking removes it on
    the next request."""
    assert "BILLING_DASHBOARD" not in (await api.ok(ROLES, as_="exec@acme.com"))["viewer"]["roles"]
    data = await api.ok(SHARE_BD, {"emails": ["exec@acme.com", "newbie@acme.com"]}, as_="fin@acme.com")
    assert [(s["email"], s["grantedBy"], s["userStatus"]) for s in data["shareBillingDashboard"]] == [
        ("exec@acme.com", "fin@acme.com", "ACTIVE"),
        ("newbie@acme.com", "fin@acme.com", "INVITED"),
    ]
    assert "BILLING_DASHBOARD" in (await api.ok(ROLES, as_="exec@acme.com"))["viewer"]["roles"]
    assert "BILLING_DASHBOARD" in (await api.ok(ROLES, as_="newbie@acme.com"))["viewer"]["roles"]
    listed = (await api.ok(BD_SHARES, as_="fin@acme.com"))["billingDashboardShares"]
    assert listed["totalCount"] == 2
    assert (await api.ok(REVOKE_BD, {"email": "Exec@acme.com"}, as_="fin@acme.com"))["revokeBillingDashboard"] == {
        "email": "exec@acme.com"
    }
    assert "BILLING_DASHBOARD" not in (await api.ok(ROLES, as_="exec@acme.com"))["viewer"]["roles"]
    assert await api.code(REVOKE_BD, {"email": "exec@acme.com"}, as_="fin@acme.com") == "NOT_FOUND"
    # another tenant sees none of it and cannot revoke it
    assert (await api.ok(BD_SHARES, as_="fin@globex.com"))["billingDashboardShares"]["totalCount"] == 0
    assert await api.code(REVOKE_BD, {"email": "newbie@acme.com"}, as_="fin@globex.com") == "NOT_FOUND"
    assert await grants(api, "billing_dashboard") == [("*", "newbie@acme.com", "BILLING_DASHBOARD")]


async def test_only_finance_and_billing_support_share_the_billing_dashboard(api, two_tenants):
    """§6: share billing dashboard = FINANCE, and staff BILLING_SUPPORT on a tenant's behalf (X-Tenant)."""
    for email in ["tech@acme.com", "exec@acme.com", "plain@acme.com"]:
        assert await api.code(SHARE_BD, {"emails": ["fin@acme.com"]}, as_=email) == "FORBIDDEN", email
        assert await api.code(BD_SHARES, as_=email) == "FORBIDDEN", email
    for staff in ["SALES_REP", "OPERATOR"]:
        assert (
            await api.code(SHARE_BD, {"emails": ["exec@acme.com"]}, as_="s@vendor.com", staff=[staff], tenant="acme")
            == "FORBIDDEN"
        )
    # the recipient left: billing support shares on the organisation's behalf
    assert (
        await api.code(SHARE_BD, {"emails": ["exec@acme.com"]}, as_="bs@vendor.com", staff=["BILLING_SUPPORT"])
        == "BAD_USER_INPUT"
    )
    data = await api.ok(
        SHARE_BD, {"emails": ["exec@acme.com"]}, as_="bs@vendor.com", staff=["BILLING_SUPPORT"], tenant="acme"
    )
    assert data["shareBillingDashboard"][0]["grantedBy"] == "bs@vendor.com"
    # ... still only within the organisation's domains (R-S3)
    err = await api.error(
        SHARE_BD,
        {"emails": ["tech@acme.com", "fin@globex.com"]},
        as_="bs@vendor.com",
        staff=["BILLING_SUPPORT"],
        tenant="acme",
    )
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "fin@globex.com" in err["message"]
    err = await api.error(SHARE_BD, {"emails": ["a@acme.com", "b@gmail.com"]}, as_="fin@acme.com")
    assert "b@gmail.com" in err["message"]
    assert await grants(api, "billing_dashboard") == [("*", "exec@acme.com", "BILLING_DASHBOARD")]
    assert await api.sql("select email from people where email in ('a@acme.com', 'b@gmail.com')") == []
    # a billing-dashboard share does not let the colleague share further
    assert await api.code(SHARE_BD, {"emails": ["tech@acme.com"]}, as_="exec@acme.com") == "FORBIDDEN"


async def test_billing_dashboard_share_notifies_existing_users(api, two_tenants, smtp):
    await api.ok(SHARE_BD, {"emails": ["exec@acme.com"]}, as_="fin@acme.com")
    await api.run_jobs("outbox.deliver")
    mails = smtp.to("exec@acme.com")
    assert len(mails) == 1 and "billing dashboard" in mails[0]["Subject"]


# --------------------------------------------------------------------------------- explain
async def test_explain_answers_why_a_person_cannot_see_a_renewal(rapi):
    """Support asks: why can't X see renewal Y? The answer names the deciding rule."""
    api = rapi
    await api.ok(SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": ["plain@acme.com"]}, as_="tech@acme.com")
    vars_ = {"email": "plain@acme.com", "object": "renewal", "action": "view", "id": "SN-1"}
    e = (await api.ok(EXPLAIN, vars_, as_="admin@acme.com"))["explain"]
    assert e["allowed"] and e["decidedByRole"] == "VIEWER" and e["rule"] == "VIEWER, *, renewal, view"
    e = (await api.ok(EXPLAIN, {**vars_, "action": "accept"}, as_="admin@acme.com"))["explain"]
    assert not e["allowed"] and "VIEWER" in e["rolesConsidered"]
    e = (
        await api.ok(
            EXPLAIN, {**vars_, "email": "fin@acme.com"}, as_="s@vendor.com", staff=["BILLING_SUPPORT"], tenant="acme"
        )
    )["explain"]
    assert not e["allowed"] and "not visible" in e["rule"]
    assert e["rule"] == (
        "renewal SN-1 does not exist or is not visible to fin@acme.com (not theirs and not shared with them)"
    )
    # after a revoke the same question gets the new answer (next request)
    share_id = (await api.ok(SHARES, {"sn": "SN-1"}, as_="tech@acme.com"))["renewalShares"]["edges"][0]["node"]["id"]
    await api.ok(REVOKE, {"id": share_id}, as_="tech@acme.com")
    e = (await api.ok(EXPLAIN, vars_, as_="admin@acme.com"))["explain"]
    assert not e["allowed"] and "not visible" in e["rule"]
    # the billing-dashboard share is a tenant-wide role: explain names its rule
    await api.ok(SHARE_BD, {"emails": ["plain@acme.com"]}, as_="fin@acme.com")
    bd = {"email": "plain@acme.com", "object": "invoice", "action": "view"}
    e = (await api.ok(EXPLAIN, bd, as_="admin@acme.com"))["explain"]
    assert e["allowed"] and e["decidedByRole"] == "BILLING_DASHBOARD"
    e = (await api.ok(EXPLAIN, {**bd, "action": "pay"}, as_="admin@acme.com"))["explain"]
    assert not e["allowed"] and e["rule"] == "no policy row grants this"
    # only staff and tenant admins may ask
    assert await api.code(EXPLAIN, vars_, as_="tech@acme.com") == "FORBIDDEN"


async def test_concurrent_shares_with_the_same_person_never_fail_internally(rapi):
    """Two sharers at once (real concurrency on PostgreSQL): one grant row, no internal errors."""
    import asyncio

    api = rapi
    await api.ok(SAVE_LIST, {"name": "L", "emails": ["fin@acme.com"]}, as_="tech@acme.com")  # warm the schema

    async def share(email: str, role: str) -> dict:
        return await api.gql(SHARE, {"sn": "SN-1", "role": role, "emails": [email]}, as_="tech@acme.com")

    bodies = await asyncio.gather(
        *[share(e, r) for e in ("exec@acme.com", "brand.new@acme.com") for r in ("VIEWER", "PARTICIPANT") * 3]
    )
    for body in bodies:
        for err in body.get("errors") or []:
            assert err["extensions"]["code"] == "CONFLICT", err
    rows = await grants(api)
    assert [r[1] for r in rows] == ["brand.new@acme.com", "exec@acme.com"]
    assert (await api.sql("select count(*) from people where email = 'brand.new@acme.com'"))[0][0] == 1


async def test_the_sharing_tab_on_the_renewal_itself(rapi):
    """R-S1/R-S5: ``Renewal.shares`` (grafted by this plugin) lists the shares; only for sharers."""
    api = rapi
    await api.ok(SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": ["fin@acme.com"]}, as_="tech@acme.com")
    q = '{ renewal(supportNumber: "SN-1") { supportNumber shares { email role grantedBy } } }'
    data = await api.ok(q, as_="tech@acme.com")
    assert data["renewal"]["shares"] == [{"email": "fin@acme.com", "role": "VIEWER", "grantedBy": "tech@acme.com"}]
    assert await api.code(q, as_="fin@acme.com") == "FORBIDDEN"  # a viewer does not see who else has it


async def test_renewal_list_with_shares_costs_constant_statements(api):
    from tests.conftest import ACME, GLOBEX
    from tests.sharing.conftest import renewal_item

    items = [renewal_item("acme", f"SN-{i:03}", "tech@acme.com") for i in range(110)]
    await api.load({"tenants": [ACME, GLOBEX], "renewals": items})
    for i in range(0, 110, 7):
        await api.ok(SHARE, {"sn": f"SN-{i:03}", "role": "VIEWER", "emails": ["fin@acme.com"]}, as_="tech@acme.com")
    q = "query($first: Int!) { renewals(first: $first) { edges { node { supportNumber shares { email } } } } }"
    with api.count_statements() as small:
        page = await api.ok(q, {"first": 10}, as_="tech@acme.com")
    assert len(page["renewals"]["edges"]) == 10
    with api.count_statements() as large:
        page = await api.ok(q, {"first": 100}, as_="tech@acme.com")
    assert len(page["renewals"]["edges"]) == 100
    assert sum(len(e["node"]["shares"]) for e in page["renewals"]["edges"]) == len(range(0, 100, 7))
    assert len(reads(small)) == len(reads(large))


async def test_billing_dashboard_shares_page_costs_constant_statements(api, two_tenants):
    await api.ok(SHARE_BD, {"emails": [f"c{i:03}@acme.com" for i in range(110)]}, as_="fin@acme.com")
    q = "query($first: Int!) { billingDashboardShares(first: $first) { edges { node { email userStatus } } } }"
    with api.count_statements() as small:
        assert len((await api.ok(q, {"first": 10}, as_="fin@acme.com"))["billingDashboardShares"]["edges"]) == 10
    with api.count_statements() as large:
        assert len((await api.ok(q, {"first": 100}, as_="fin@acme.com"))["billingDashboardShares"]["edges"]) == 100
    assert len(reads(small)) == len(reads(large))


async def test_share_counts_feed_the_export_and_the_dashboard(rapi):
    """R-S5 → R-R19 (summary report column) and R-R22 (dashboard count of renewals shared with me)."""
    import csv
    import io

    api = rapi
    await api.ok(
        SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": ["fin@acme.com", "exec@acme.com"]}, as_="tech@acme.com"
    )
    resp = await api.get("/renewals/report/summary.csv?source=pending_and_history", as_="tech@acme.com")
    assert resp.status_code == 200
    rows = {r["Support Contract Number"]: r for r in csv.DictReader(io.StringIO(resp.text.lstrip("\ufeff")))}
    assert rows["SN-1"]["Number of People Shared With"] == "2"
    dash = await api.ok("{ renewalDashboard { sharedCount } }", as_="fin@acme.com")
    assert dash["renewalDashboard"]["sharedCount"] == 1
    share_id = (await api.ok(SHARES, {"sn": "SN-1"}, as_="tech@acme.com"))["renewalShares"]["edges"][0]["node"]["id"]
    await api.ok(REVOKE, {"id": share_id}, as_="tech@acme.com")
    resp = await api.get("/renewals/report/summary.csv?source=pending_and_history", as_="tech@acme.com")
    rows = {r["Support Contract Number"]: r for r in csv.DictReader(io.StringIO(resp.text.lstrip("\ufeff")))}
    assert rows["SN-1"]["Number of People Shared With"] == "1"


async def test_public_api_reads_who_a_renewal_is_shared_with(rapi):
    """plugins.sharing.api for other plugins: the shares and their counts, of the session's tenant only."""
    api = rapi
    await api.ok(
        SHARE, {"sn": "SN-1", "role": "VIEWER", "emails": ["fin@acme.com", "exec@acme.com"]}, as_="tech@acme.com"
    )
    await api.ok(SHARE, {"sn": "SN-1", "role": "PARTICIPANT", "emails": ["plain@acme.com"]}, as_="tech@acme.com")
    numbers = ["SN-1", "SN-2", "SN-9"]
    shares = {}
    for tenant, shared in (("acme", 3), ("globex", 0)):
        tid = (await api.sql("select id from tenants where key = :k", k=tenant))[0][0]
        async with tenant_session(api.state.sessionmaker, tid) as session:
            shares[tenant] = await sharing_api.renewal_shares(session, numbers)
            counts = await sharing_api.renewal_share_counts(session, numbers)
        assert counts == {"SN-1": shared, "SN-2": 0, "SN-9": 0}
        assert {n: len(s) for n, s in shares[tenant].items()} == counts
    assert [(s.support_number, s.email, s.role, s.granted_by) for s in shares["acme"]["SN-1"]] == [
        ("SN-1", "exec@acme.com", "VIEWER", "tech@acme.com"),
        ("SN-1", "fin@acme.com", "VIEWER", "tech@acme.com"),
        ("SN-1", "plain@acme.com", "PARTICIPANT", "tech@acme.com"),
    ]
    assert (sharing_api.RENEWAL_SHARED, sharing_api.RENEWAL_UNSHARED) == ("renewal.shared", "renewal.unshared")


async def test_disabling_the_sharing_module_suspends_shares_until_re_enabled(rapi):
    """R-T3: a tenant without the sharing module has no shares in effect (its policy rows and the
    billing-dashboard role come from this plugin); the rows stay and count again once re-enabled."""
    api = rapi
    await api.ok(SHARE, {"sn": "SN-1", "role": "PARTICIPANT", "emails": ["plain@acme.com"]}, as_="tech@acme.com")
    await api.ok(SHARE_BD, {"emails": ["plain@acme.com"]}, as_="fin@acme.com")
    toggle = 'mutation($on: Boolean!) { setModuleEnabled(tenantKey: "acme", module: "sharing", enabled: $on) { key } }'
    op = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}
    await api.ok(toggle, {"on": False}, **op)
    assert await api.code(VIEW, {"sn": "SN-1"}, as_="plain@acme.com") == "NOT_FOUND"
    assert await api.code("{ invoices(first: 1) { totalCount } }", as_="plain@acme.com") == "FORBIDDEN"
    err = await api.error(SHARES, {"sn": "SN-1"}, as_="tech@acme.com")
    assert err["extensions"]["code"] == "MODULE_NOT_ENABLED"
    await api.ok(toggle, {"on": True}, **op)
    assert await api.ok(VIEW, {"sn": "SN-1"}, as_="plain@acme.com")
    assert await api.ok("{ invoices(first: 1) { totalCount } }", as_="plain@acme.com")
