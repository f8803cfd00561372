"""Removed people stay removed (R-A3): removal ends a person's access at once — every token issued
before it, their renewal and billing-dashboard shares (R-S1, R-S4) and their rewards redeemer
authorisation (R-W6) — and only an admin re-admits them, without the old access coming back."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from core.auth import issue_token
from tests.conftest import Api
from tests.security.conftest import INVITE, LEAVER, OPERATOR, REMOVE, VIEWER, person_row, snapshot, user_id

RENEWAL = '{ renewal(supportNumber: "SN-1") { supportNumber } }'
INVOICES = "{ invoices(first: 5) { totalCount } }"
REWARDS = "{ rewards { balance { amount } } }"


async def give_leaver_every_access(api: Api) -> str:
    """LEAVER gets a renewal share, the billing dashboard and the rewards redeemer authorisation,
    and signs in; returns the redemption code they were emailed."""
    share = 'mutation($e: String!) { shareRenewal(supportNumber: "SN-1", role: VIEWER, emails: [$e]) { id } }'
    await api.ok(share, {"e": LEAVER}, as_="tech@acme.com")
    await api.ok(
        "mutation($e: String!) { shareBillingDashboard(emails: [$e]) { id } }", {"e": LEAVER}, as_="fin@acme.com"
    )
    await api.ok(
        "mutation($e: String!) { authorizeRewardsRedeemer(email: $e) { email } }", {"e": LEAVER}, as_="admin@acme.com"
    )
    body = (await api.sql("select body from outbox_emails where to_addr = :e order by id desc", e=LEAVER))[0][0]
    roles = (await api.ok(VIEWER, as_=LEAVER))["viewer"]["roles"]
    assert roles == ["BILLING_DASHBOARD", "FINANCE", "REWARDS_REDEEMER"]
    assert await api.ok(RENEWAL, as_=LEAVER)
    return re.search(r"redemption code: (\S+)", body).group(1)


async def remove(api: Api, email: str, by: str = "admin@acme.com") -> dict[str, Any]:
    return (await api.ok(REMOVE, {"id": await user_id(api, email)}, as_=by))["removeUser"]


async def post(api: Api, token: str, query: str) -> dict[str, Any]:
    resp = await api.client.post("/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"})
    body = resp.json()
    body["_status"] = resp.status_code
    return body


def code_of(body: dict[str, Any]) -> str | None:
    errors = body.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


async def fresh_token(api: Api, email: str) -> str:
    """A token from a sign-in after the removal. Both instants are wall-clock seconds (a token's iat
    may not lie in the future), so this waits for the second after the removal's."""
    revoked = (await api.sql("select tokens_revoked_at from people where email = :e", e=email))[0][0]
    await asyncio.sleep(max(0.0, revoked + 1 - time.time()))
    return issue_token(api.state.settings, email)


async def access_rows(api: Api, email: str) -> dict[str, Any]:
    grants = await api.sql("select object_type, object_id from object_grants where grantee_email = :e", e=email)
    redeemers = await api.sql("select revoked_at from rewards_redeemers where email = :e", e=email)
    return {"grants": sorted(grants), "authorised": [r for r in redeemers if r[0] is None]}


async def test_removal_ends_tokens_shares_and_authorisations_at_once(acme: Api) -> None:
    """R-A3: after removeUser the person's token is refused, and their renewal share, billing-dashboard
    share and rewards authorisation are gone (not merely hidden while the person is REMOVED)."""
    api = acme
    await give_leaver_every_access(api)
    old = api.token(LEAVER)
    removed = await remove(api, LEAVER)
    assert removed["status"] == "REMOVED" and removed["roles"] == []
    assert code_of(await post(api, old, VIEWER)) == "FORBIDDEN"
    assert await access_rows(api, LEAVER) == {"grants": [], "authorised": []}
    # the sharers see the shares gone too (R-S5)
    shares = await api.ok('{ renewalShares(supportNumber: "SN-1") { totalCount } }', as_="tech@acme.com")
    assert shares["renewalShares"]["totalCount"] == 0
    assert (await api.ok("{ billingDashboardShares { totalCount } }", as_="fin@acme.com"))["billingDashboardShares"][
        "totalCount"
    ] == 0


async def test_a_non_admin_cannot_bring_a_removed_person_back(acme: Api) -> None:
    """R-A3: only an admin re-admits. A contact who may invite gets FORBIDDEN with a clear message
    for a removed email, and nothing changes: the person stays REMOVED, the old token refused."""
    api = acme
    await give_leaver_every_access(api)
    old = api.token(LEAVER)
    await remove(api, LEAVER)
    for caller in ("tech@acme.com", "exec@acme.com"):
        await api.ok(VIEWER, as_=caller)
    before = await snapshot(api)
    for caller in ("tech@acme.com", "exec@acme.com"):
        err = await api.error(INVITE, {"input": {"email": LEAVER}}, as_=caller)
        assert err["extensions"]["code"] == "FORBIDDEN", err
        assert "removed" in err["message"] and "admin" in err["message"], err["message"]
    assert await snapshot(api) == before
    assert await person_row(api, LEAVER) == ("REMOVED", ())
    assert code_of(await post(api, old, VIEWER)) == "FORBIDDEN"


async def test_an_admin_re_admits_without_old_tokens_or_access(acme: Api) -> None:
    """R-A3: an admin's invitation re-admits a removed person as a newcomer: tokens issued before the
    removal stay refused (UNAUTHENTICATED), a token from a new sign-in works, and no share or rewards
    authorisation comes back (even once they are a finance contact again)."""
    api = acme
    code = await give_leaver_every_access(api)
    old = api.token(LEAVER)
    await remove(api, LEAVER)
    data = await api.ok(INVITE, {"input": {"email": LEAVER}}, as_="admin@acme.com")
    assert data["inviteUser"]["status"] == "INVITED" and data["inviteUser"]["roles"] == []
    refused = await post(api, old, VIEWER)
    assert code_of(refused) == "UNAUTHENTICATED" and refused["_status"] == 401
    assert (await api.get("/renewals/export.csv?list=pending", as_=LEAVER)).status_code == 401  # downloads too
    new = await fresh_token(api, LEAVER)
    assert (await post(api, new, VIEWER))["data"]["viewer"]["roles"] == []
    assert code_of(await post(api, new, RENEWAL)) == "NOT_FOUND"
    assert code_of(await post(api, new, INVOICES)) == "FORBIDDEN"
    assert code_of(await post(api, new, REWARDS)) == "FORBIDDEN"
    assert await access_rows(api, LEAVER) == {"grants": [], "authorised": []}
    # made a finance contact again (by an operator), the old redemption authorisation stays revoked
    leaver = await user_id(api, LEAVER)
    change = "mutation($id: ID!) { changeUserRoles(id: $id, roles: [FINANCE]) { roles } }"
    await api.ok(change, {"id": leaver}, **OPERATOR)
    assert (await post(api, new, VIEWER))["data"]["viewer"]["roles"] == ["FINANCE"]
    redeem = 'mutation { redeemRewards(input: {invoiceNumber: "NONE", redemptionCode: "CODE", '
    redeem += 'idempotencyKey: "r-1"}) { __typename } }'
    assert code_of(await post(api, new, redeem.replace("CODE", code))) == "FORBIDDEN"
    assert (await post(api, old, VIEWER))["_status"] == 401


async def test_removal_reaches_plugins_switched_off_for_the_tenant(acme: Api) -> None:
    """R-A3, R-T3: a module disabled for the tenant at removal time still forgets the removed person,
    so switching it back on and re-admitting them does not restore their shares or authorisation."""
    api = acme
    await give_leaver_every_access(api)
    switch = (
        'mutation($m: String!, $on: Boolean!) { setModuleEnabled(tenantKey: "acme", module: $m, enabled: $on) { key } }'
    )
    op = {"as_": "op@vendor.example", "staff": ("OPERATOR",)}
    for module in ("sharing", "rewards"):
        await api.ok(switch, {"m": module, "on": False}, **op)
    await remove(api, LEAVER)
    for module in ("sharing", "rewards"):
        await api.ok(switch, {"m": module, "on": True}, **op)
    await api.ok(INVITE, {"input": {"email": LEAVER}}, as_="admin@acme.com")
    assert await access_rows(api, LEAVER) == {"grants": [], "authorised": []}
    assert (await post(api, await fresh_token(api, LEAVER), VIEWER))["data"]["viewer"]["roles"] == []


async def test_only_admins_remove_and_a_refused_removal_changes_nothing(acme: Api) -> None:
    """R-A3, §6: removeUser is for tenant admins; others get FORBIDDEN and the person keeps every
    access; an admin cannot remove themselves."""
    api = acme
    await give_leaver_every_access(api)
    leaver = await user_id(api, LEAVER)
    callers = [("tech@acme.com", {}), ("exec@acme.com", {}), ("fin@acme.com", {})]
    callers += [("staff@vendor.example", {"staff": (s,), "tenant": "acme"}) for s in ("OPERATOR", "BILLING_SUPPORT")]
    for email, kw in callers:
        await api.gql(VIEWER, as_=email, **kw)
    before = await snapshot(api)
    for email, kw in callers:
        assert await api.code(REMOVE, {"id": leaver}, as_=email, **kw) == "FORBIDDEN", email
    assert await api.code(REMOVE, {"id": await user_id(api, "admin@acme.com")}, as_="admin@acme.com") == "CONFLICT"
    assert await snapshot(api) == before
    assert (await api.ok(VIEWER, as_=LEAVER))["viewer"]["roles"] == ["BILLING_DASHBOARD", "FINANCE", "REWARDS_REDEEMER"]
