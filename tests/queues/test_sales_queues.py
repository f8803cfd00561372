"""SALES_REP work queues across tenants (issue 22): the renewals assigned to the rep by list and status,
multi-year requests awaiting a quote, assistance requests awaiting an answer — each with its tenant;
another rep's never; a reseller's person named as rep sees their customers' only. Acting from a queue
takes the item's id and acts in its tenant (the same support number in two tenants cannot mislead it),
authorized by the assignment (SPEC §6)."""

from __future__ import annotations

import pytest

from tests.queues.conftest import (
    A_BOSS,
    BILLING,
    CUSTOMER,
    OTHER_REP,
    REP,
    add_filler_tenants,
    renewal,
)

ASSIGNED = """query($list: RenewalList, $first: Int, $after: String) { workQueues {
  assignedRenewals(list: $list, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    nodes { id supportNumber startDate list status salesRepEmail tenant { key name } lines { product } } }
  assignedRenewalCounts { pending history future } } }"""
MULTI = """{ workQueues { multiYearRequests(first: 50) { totalCount nodes { id kind message tenant { key }
  renewal { supportNumber status tenant { key } } } } } }"""
ASSIST = """{ workQueues { assistanceRequests(first: 50) { totalCount nodes { id message requesterEmail
  tenant { key } renewal { supportNumber } } } } }"""
ASK_MULTI = 'mutation($sn: String!) { requestMultiYearQuote(supportNumber: $sn, message: "3 years please") { status } }'
ASK_HELP = 'mutation($sn: String!) { requestRenewalAssistance(supportNumber: $sn, message: "help") { id } }'
QUOTE = """mutation($id: ID!) { quoteQueuedMultiYear(requestId: $id, amount: {amount: "27000.00", currency: "USD"}) {
  supportNumber status multiYearQuote { amount { amount } } tenant { key } } }"""
ANSWER = """mutation($id: ID!) { answerRenewalAssistance(requestId: $id, answer: "done") { answeredBy
  tenant { key } } }"""
RENEWAL = "query($sn: String!) { renewal(supportNumber: $sn) { status } }"


def tenants_of(conn: dict) -> list[str]:
    return [n["tenant"]["key"] for n in conn["nodes"]]


@pytest.fixture
async def sales(world):
    api = world
    await api.load(
        {
            "renewals": [
                renewal("SN-1", "acme", days=30),
                renewal("SN-1", "globex", days=20, rep="rep2@vendor.example"),  # same number, another rep
                renewal("SN-2", "globex", days=40),
                renewal("SN-3", "initech", days=200),  # future
                renewal("SN-4", "a-one", days=50),
                renewal("SN-5", "b-one", days=10),
                renewal("RS-1", "a-one", days=60, rep="boss@alpha-resale.com"),
                renewal("RS-2", "b-one", days=60, rep="boss@alpha-resale.com"),  # not A's customer
            ]
        }
    )
    for sn, t in (("SN-1", "acme"), ("SN-1", "globex"), ("SN-2", "globex"), ("SN-4", "a-one")):
        await api.ok(ASK_MULTI, {"sn": sn}, as_=f"technical@{t}.com")
    for sn, t in (("SN-1", "acme"), ("SN-5", "b-one"), ("SN-1", "globex"), ("RS-1", "a-one")):
        await api.ok(ASK_HELP, {"sn": sn}, as_=f"technical@{t}.com")
    return api


async def test_a_rep_sees_their_assigned_renewals_in_every_tenant(sales):
    api = sales
    data = (await api.ok(ASSIGNED, {"first": 50}, **REP))["workQueues"]
    nodes = data["assignedRenewals"]["nodes"]
    assert [(n["supportNumber"], n["tenant"]["key"]) for n in nodes] == [
        ("SN-5", "b-one"),
        ("SN-1", "acme"),
        ("SN-2", "globex"),
        ("SN-4", "a-one"),
        ("SN-3", "initech"),
    ]  # soonest start first
    assert all(n["salesRepEmail"] == REP["as_"] and n["lines"] for n in nodes)
    assert data["assignedRenewalCounts"] == {"pending": 4, "history": 0, "future": 1}
    future = (await api.ok(ASSIGNED, {"list": "FUTURE"}, **REP))["workQueues"]["assignedRenewals"]
    assert [n["supportNumber"] for n in future["nodes"]] == ["SN-3"]
    other = (await api.ok(ASSIGNED, {"first": 50}, **OTHER_REP))["workQueues"]["assignedRenewals"]
    assert [(n["supportNumber"], n["tenant"]["key"]) for n in other["nodes"]] == [("SN-1", "globex")]
    # pages without repeats
    first = (await api.ok(ASSIGNED, {"first": 2}, **REP))["workQueues"]["assignedRenewals"]
    rest = (await api.ok(ASSIGNED, {"first": 50, "after": first["pageInfo"]["endCursor"]}, **REP))["workQueues"]
    assert [n["id"] for n in first["nodes"] + rest["assignedRenewals"]["nodes"]] == [n["id"] for n in nodes]


async def test_requests_queues_and_who_never_sees_them(sales):
    api = sales
    multi = (await api.ok(MULTI, **REP))["workQueues"]["multiYearRequests"]
    assert sorted(tenants_of(multi)) == ["a-one", "acme", "globex"]
    assert all(n["kind"] == "MULTI_YEAR" and n["renewal"]["status"] == "MULTI_YEAR_PENDING" for n in multi["nodes"])
    assert [(n["renewal"]["supportNumber"], n["tenant"]["key"]) for n in multi["nodes"] if n["tenant"]["key"] == "acme"]
    help_ = (await api.ok(ASSIST, **REP))["workQueues"]["assistanceRequests"]
    assert [n["tenant"]["key"] for n in help_["nodes"]] == ["acme", "b-one"]  # oldest first
    other = (await api.ok(ASSIST, **OTHER_REP))["workQueues"]["assistanceRequests"]
    assert tenants_of(other) == ["globex"]
    for who in (CUSTOMER, BILLING, {"as_": "technical@a-one.com"}):
        assert await api.code(MULTI, **who) == "FORBIDDEN"
        assert await api.code(ASSIST, **who) == "FORBIDDEN"


async def test_a_resellers_person_as_rep_sees_their_customers_only(sales):
    api = sales
    data = (await api.ok(ASSIGNED, {"first": 50}, **A_BOSS))["workQueues"]["assignedRenewals"]
    assert [(n["supportNumber"], n["tenant"]["key"]) for n in data["nodes"]] == [("RS-1", "a-one")]
    help_ = (await api.ok(ASSIST, **A_BOSS))["workQueues"]["assistanceRequests"]
    assert [n["renewal"]["supportNumber"] for n in help_["nodes"]] == ["RS-1"]
    # they read it; answering is the vendor rep's (ASSIGNED_REP is a staff relation, SPEC §6)
    assert await api.code(ANSWER, {"id": help_["nodes"][0]["id"]}, tenant="a-one", **A_BOSS) in (
        "FORBIDDEN",
        "NOT_FOUND",
    )


async def test_quote_a_multi_year_request_from_the_queue_in_its_tenant(sales):
    api = sales
    multi = (await api.ok(MULTI, **REP))["workQueues"]["multiYearRequests"]["nodes"]
    acme = next(n for n in multi if n["tenant"]["key"] == "acme")
    globex_other = (await api.ok(MULTI, **OTHER_REP))["workQueues"]["multiYearRequests"]["nodes"][0]
    # another rep's request, a customer, billing support: refused, nothing changes
    assert await api.code(QUOTE, {"id": globex_other["id"]}, **REP) == "NOT_FOUND"
    assert await api.code(QUOTE, {"id": acme["id"]}, **OTHER_REP) == "NOT_FOUND"
    assert await api.code(QUOTE, {"id": acme["id"]}, **CUSTOMER) == "FORBIDDEN"
    assert await api.code(QUOTE, {"id": acme["id"]}, **BILLING) == "NOT_FOUND"
    assert await api.code(QUOTE, {"id": acme["id"]}, tenant="globex", **REP) == "NOT_FOUND"
    done = (await api.ok(QUOTE, {"id": acme["id"]}, **REP))["quoteQueuedMultiYear"]
    assert done == {
        "supportNumber": "SN-1",
        "status": "MULTI_YEAR_QUOTED",
        "multiYearQuote": {"amount": {"amount": "27000.00"}},
        "tenant": {"key": "acme"},
    }
    # globex's SN-1 (another rep's) is untouched, and the acme item left the queue
    assert (await api.ok(RENEWAL, {"sn": "SN-1"}, as_="technical@globex.com"))["renewal"][
        "status"
    ] == "MULTI_YEAR_PENDING"
    left = (await api.ok(MULTI, **REP))["workQueues"]["multiYearRequests"]
    assert "acme" not in tenants_of(left) and left["totalCount"] == 2
    help_ = (await api.ok(ASSIST, **REP))["workQueues"]["assistanceRequests"]["nodes"]
    assert await api.code(QUOTE, {"id": help_[0]["id"]}, **REP) == "BAD_USER_INPUT"  # not a multi-year request


async def test_answer_an_assistance_request_from_the_queue(sales):
    api = sales
    help_ = (await api.ok(ASSIST, **REP))["workQueues"]["assistanceRequests"]["nodes"]
    target = help_[1]  # b-one's
    assert await api.code(ANSWER, {"id": target["id"]}, **OTHER_REP) == "NOT_FOUND"
    assert await api.code(ANSWER, {"id": target["id"]}, **CUSTOMER) == "NOT_FOUND"
    done = (await api.ok(ANSWER, {"id": target["id"]}, **REP))["answerRenewalAssistance"]
    assert done == {"answeredBy": REP["as_"], "tenant": {"key": "b-one"}}
    left = (await api.ok(ASSIST, **REP))["workQueues"]["assistanceRequests"]
    assert tenants_of(left) == ["acme"]
    audit = await api.ok(
        "{ auditLog(first: 5) { nodes { actor action } } }", as_="op@vendor.example", staff=["OPERATOR"], tenant="b-one"
    )
    assert {"actor": REP["as_"], "action": "answerRenewalAssistance"} in audit["auditLog"]["nodes"]


@pytest.mark.parametrize("size", [10, 100])
async def test_sales_queues_cost_the_same_for_3_and_1000_tenants(sales, size):
    api = sales
    query = """query($n: Int) { workQueues {
      assignedRenewals(first: $n) { totalCount nodes { supportNumber tenant { key name } lines { product } } }
      assignedRenewalCounts { pending }
      multiYearRequests(first: $n) { totalCount nodes { message tenant { key } renewal { supportNumber } } }
      assistanceRequests(first: $n) { totalCount nodes { message tenant { key } renewal { supportNumber } } } } }"""

    async def cost(n: int) -> int:
        await api.ok(query, {"n": n}, **REP)
        with api.count_statements() as statements:
            await api.ok(query, {"n": n}, **REP)
        return len(statements)

    few = await cost(size)
    await add_filler_tenants(api, 1000)
    assert await cost(size) == few
    assert await cost(10 if size == 100 else 100) == few
