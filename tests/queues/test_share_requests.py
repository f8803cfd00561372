"""Billing-dashboard share requests made on a tenant's behalf (R-S4, issue 22): a person asks billing
support to share the dashboard when the invoice recipient cannot; billing support works the requests
from its queue across tenants and grants (the usual share, in the request's tenant) or declines one."""

from __future__ import annotations

import pytest

from tests.queues.conftest import A_BOSS, BILLING, CUSTOMER, OPERATOR, REP, add_filler_tenants

ASK = """mutation($e: [String!]!, $r: String!) { requestBillingDashboardShare(emails: $e, reason: $r) {
  id status emails requestedBy tenant { key } } }"""
QUEUE = """query($s: ShareRequestStatus, $n: Int) { workQueues { billingDashboardShareRequests(status: $s, first: $n) {
  totalCount nodes { id emails reason status requestedBy tenant { key name } } } } }"""
GRANT = "mutation($id: ID!) { grantBillingDashboardShareRequest(id: $id) { status resolvedBy tenant { key } } }"
DECLINE = """mutation($id: ID!, $n: String!) { declineBillingDashboardShareRequest(id: $id, note: $n) {
  status resolutionNote } }"""
SHARES = "{ billingDashboardShares(first: 50) { nodes { email grantedBy } } }"
REASON = "Our invoice recipient left the company"


@pytest.fixture
async def asked(world):
    api = world
    for t in ("acme", "globex", "a-one"):
        await api.ok(ASK, {"e": [f"technical@{t}.com"], "r": REASON}, as_=f"technical@{t}.com")
    return api


async def test_people_ask_within_their_organisation_only(world):
    api = world
    out = (await api.ok(ASK, {"e": ["technical@acme.com"], "r": REASON}, as_="technical@acme.com"))[
        "requestBillingDashboardShare"
    ]
    assert out["status"] == "OPEN" and out["tenant"] == {"key": "acme"} and out["requestedBy"] == "technical@acme.com"
    # another organisation's address (R-S3), no reason, a second open request: refused, nothing added
    err = await api.error(ASK, {"e": ["fin@globex.com"], "r": REASON}, as_="fin@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert await api.code(ASK, {"e": ["fin@acme.com"], "r": " "}, as_="fin@acme.com") == "BAD_USER_INPUT"
    assert await api.code(ASK, {"e": ["fin@acme.com"], "r": REASON}, as_="technical@acme.com") == "CONFLICT"
    queue = (await api.ok(QUEUE, **BILLING))["workQueues"]["billingDashboardShareRequests"]
    assert queue["totalCount"] == 1


async def test_billing_support_grants_from_the_queue_in_the_requests_tenant(asked):
    api = asked
    queue = (await api.ok(QUEUE, **BILLING))["workQueues"]["billingDashboardShareRequests"]
    assert [n["tenant"]["key"] for n in queue["nodes"]] == ["acme", "globex", "a-one"]  # oldest first
    for who in (CUSTOMER, REP, A_BOSS, OPERATOR):
        assert await api.code(QUEUE, **who) == "FORBIDDEN"
    globex = queue["nodes"][1]
    assert await api.code(GRANT, {"id": globex["id"]}, **CUSTOMER) == "FORBIDDEN"
    assert await api.code(GRANT, {"id": globex["id"]}, **REP) == "FORBIDDEN"  # §6: only billing support
    assert await api.code(GRANT, {"id": globex["id"]}, tenant="acme", **BILLING) == "NOT_FOUND"
    done = (await api.ok(GRANT, {"id": globex["id"]}, **BILLING))["grantBillingDashboardShareRequest"]
    assert done == {"status": "GRANTED", "resolvedBy": BILLING["as_"], "tenant": {"key": "globex"}}
    shares = (await api.ok(SHARES, tenant="globex", **BILLING))["billingDashboardShares"]["nodes"]
    assert shares == [{"email": "technical@globex.com", "grantedBy": BILLING["as_"]}]
    assert await api.code(GRANT, {"id": globex["id"]}, **BILLING) == "CONFLICT"
    declined = await api.ok(DECLINE, {"id": queue["nodes"][0]["id"], "n": "Ask your admin"}, **BILLING)
    assert declined["declineBillingDashboardShareRequest"] == {"status": "DECLINED", "resolutionNote": "Ask your admin"}
    left = (await api.ok(QUEUE, **BILLING))["workQueues"]["billingDashboardShareRequests"]
    assert [n["tenant"]["key"] for n in left["nodes"]] == ["a-one"]
    granted = (await api.ok(QUEUE, {"s": "GRANTED"}, **BILLING))["workQueues"]["billingDashboardShareRequests"]
    assert [n["tenant"]["key"] for n in granted["nodes"]] == ["globex"]


@pytest.mark.parametrize("size", [10, 100])
async def test_share_requests_queue_costs_the_same_for_3_and_1000_tenants(asked, size):
    api = asked

    async def cost() -> int:
        await api.ok(QUEUE, {"n": size}, **BILLING)
        with api.count_statements() as statements:
            await api.ok(QUEUE, {"n": size}, **BILLING)
        return len(statements)

    few = await cost()
    await add_filler_tenants(api, 1000)
    assert await cost() == few
