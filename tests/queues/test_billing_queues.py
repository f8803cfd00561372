"""BILLING_SUPPORT work queues across tenants (issue 22): open disputes, wire notices waiting for their
money, received money not applied, failed card payments, overdue invoices by age — each item with its
tenant, ordered for work; a reseller's finance people see their customers' only; customers and sales
reps never. Acting from a queue (resolve a dispute, record a notice's receipt) takes the item's id and
acts in its tenant without X-Tenant, authorized there exactly as with it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.queues.conftest import (
    A_BOSS,
    B_BOSS,
    BILLING,
    CUSTOMER,
    CUSTOMER_TENANTS,
    REP,
    TODAY,
    add_filler_tenants,
    invoice,
)

OPEN = """mutation($n: String!) { openInvoiceDispute(invoiceNumber: $n, reason: "wrong amount") { number } }"""
PAY = """mutation($input: PayInvoicesInput!) { payInvoices(input: $input) { payment { number status } } }"""
DISPUTES = """query($first: Int, $after: String, $t: String) { workQueues { disputes(first: $first, after: $after,
  tenantKey: $t) { totalCount pageInfo { hasNextPage endCursor }
  nodes { id number invoiceNumber status tenant { key name }
    invoice { number balance { amount } tenant { key } } } } } }"""
NOTICES = """{ workQueues { wireNotices(first: 50) { totalCount nodes { id number status amount { amount }
  allocations { invoiceNumber } tenant { key } } } } }"""
FAILED = (
    """{ workQueues { failedCardPayments(first: 50) { totalCount nodes { number failureReason tenant { key } } } } }"""
)
UNAPPLIED = """{ workQueues { unappliedReceipts(first: 50) { totalCount nodes { number method remaining { amount }
  tenant { key } } } } }"""
OVERDUE = """query($min: Int, $max: Int) { workQueues {
  overdueInvoices(first: 50, minDaysOverdue: $min, maxDaysOverdue: $max) { totalCount
    nodes { number dueDate status tenant { key } } }
  overdueInvoiceAges { fromDays toDays count } } }"""
RESOLVE = """mutation($id: ID!, $o: DisputeOutcome!) { resolveQueuedDispute(id: $id, outcome: $o) {
  number status resolvedBy tenant { key } } }"""
RECEIVE = """mutation($id: ID!, $a: Decimal!, $d: Date!, $r: String!) {
  recordQueuedWireReceipt(noticeId: $id, amount: $a, receivedOn: $d, bankReference: $r) {
    payment { number status } invoices { number status balance { amount } } } }"""


def tenants_of(conn: dict) -> list[str]:
    return [n["tenant"]["key"] for n in conn["nodes"]]


@pytest.fixture
async def billing(world):
    """In every customer tenant: a disputed invoice (opened in tenant order), a large invoice with a wire
    notice, a declined card payment, and invoices 40 and 100 days old (overdue 10 and 70 days)."""
    api = world
    invoices = []
    for i, t in enumerate(CUSTOMER_TENANTS):
        invoices += [
            invoice(f"D-{t}", t, days_ago=5),
            invoice(f"W-{t}", t, days_ago=5, amount="5000.00"),
            invoice(f"C-{t}", t, days_ago=5),
            invoice(f"O40-{t}", t, days_ago=40 + i),
            invoice(f"O100-{t}", t, days_ago=100 + i),
        ]
    await api.load({"invoices": invoices})
    for t in CUSTOMER_TENANTS:
        fin = {"as_": f"fin@{t}.com"}
        await api.ok(OPEN, {"n": f"D-{t}"}, **fin)
        wire = {"input": {"invoices": [{"invoiceNumber": f"W-{t}"}], "method": "WIRE"}}
        await api.ok(PAY, wire, **fin)
        card = {"input": {"invoices": [{"invoiceNumber": f"C-{t}"}], "method": "CARD", "cardToken": "tok_decline_1"}}
        assert (await api.ok(PAY, card, **fin))["payInvoices"]["payment"]["status"] == "FAILED"
    return api


async def test_billing_support_sees_every_tenants_items_with_their_tenant(billing):
    api = billing
    disputes = (await api.ok(DISPUTES, {"first": 50}, **BILLING))["workQueues"]["disputes"]
    assert disputes["totalCount"] == 6 and sorted(tenants_of(disputes)) == sorted(CUSTOMER_TENANTS)
    first = disputes["nodes"][0]
    assert (
        first["invoice"]["number"] == first["invoiceNumber"]
        and first["invoice"]["tenant"]["key"] == first["tenant"]["key"]
    )
    assert first["tenant"]["name"] and first["status"] == "OPEN"
    notices = (await api.ok(NOTICES, **BILLING))["workQueues"]["wireNotices"]
    assert notices["totalCount"] == 6 and {n["allocations"][0]["invoiceNumber"] for n in notices["nodes"]} == {
        f"W-{t}" for t in CUSTOMER_TENANTS
    }
    failed = (await api.ok(FAILED, **BILLING))["workQueues"]["failedCardPayments"]
    assert sorted(tenants_of(failed)) == sorted(CUSTOMER_TENANTS)
    assert all(n["failureReason"] for n in failed["nodes"])
    one = (await api.ok(DISPUTES, {"t": "globex"}, **BILLING))["workQueues"]["disputes"]
    assert tenants_of(one) == ["globex"]


async def test_overdue_invoices_longest_overdue_first_with_ages(billing):
    api = billing
    data = (await api.ok(OVERDUE, **BILLING))["workQueues"]
    nodes = data["overdueInvoices"]["nodes"]
    assert data["overdueInvoices"]["totalCount"] == 12
    assert [n["dueDate"] for n in nodes] == sorted(n["dueDate"] for n in nodes)
    assert nodes[0]["number"] == "O100-b-one"  # 105 days old: due 75 days ago
    assert all(n["status"] == "OVERDUE" for n in nodes)
    ages = {(a["fromDays"], a["toDays"]): a["count"] for a in data["overdueInvoiceAges"]}
    assert ages == {(1, 30): 6, (31, 60): 0, (61, 90): 6, (91, None): 0}
    older = (await api.ok(OVERDUE, {"min": 31}, **BILLING))["workQueues"]["overdueInvoices"]
    assert older["totalCount"] == 6 and all(n["number"].startswith("O100") for n in older["nodes"])
    young = (await api.ok(OVERDUE, {"max": 30}, **BILLING))["workQueues"]["overdueInvoices"]
    assert young["totalCount"] == 6 and all(n["number"].startswith("O40") for n in young["nodes"])
    assert await api.code(OVERDUE, {"min": 0}, **BILLING) == "BAD_USER_INPUT"


async def test_resellers_see_their_customers_only_and_customers_none(billing):
    api = billing
    a = (await api.ok(DISPUTES, {"first": 50}, **A_BOSS))["workQueues"]["disputes"]
    assert sorted(tenants_of(a)) == ["a-one", "a-two"]
    b = (await api.ok(DISPUTES, {"first": 50}, **B_BOSS))["workQueues"]["disputes"]
    assert tenants_of(b) == ["b-one"]
    overdue = (await api.ok(OVERDUE, **A_BOSS))["workQueues"]["overdueInvoices"]
    assert set(tenants_of(overdue)) == {"a-one", "a-two"}
    # the vendor's bank work is not a reseller's
    assert await api.code(NOTICES, **A_BOSS) == "FORBIDDEN"
    for who in (CUSTOMER, {"as_": "fin@a-one.com"}, REP):
        assert await api.code(DISPUTES, **who) == "FORBIDDEN"
    # naming another reseller's customer, or a customer of their own that is not that item's tenant
    assert (await api.gql(DISPUTES, tenant="b-one", **A_BOSS))["_status"] == 403
    narrowed = (await api.ok(DISPUTES, {"t": "b-one"}, **A_BOSS))["workQueues"]["disputes"]
    assert narrowed["totalCount"] == 0


async def test_disabled_invoicing_hides_a_tenants_items(billing):
    api = billing
    await api.ok(
        'mutation { setModuleEnabled(tenantKey: "acme", module: "invoicing", enabled: false) { key } }',
        as_="op@vendor.example",
        staff=["OPERATOR"],
    )
    disputes = (await api.ok(DISPUTES, {"first": 50}, **BILLING))["workQueues"]["disputes"]
    assert "acme" not in tenants_of(disputes) and disputes["totalCount"] == 5


async def test_resolve_a_dispute_from_the_queue_in_its_tenant(billing):
    api = billing
    nodes = (await api.ok(DISPUTES, {"first": 50}, **BILLING))["workQueues"]["disputes"]["nodes"]
    by_tenant = {n["tenant"]["key"]: n for n in nodes}
    target = by_tenant["globex"]
    # who may not: a customer, a sales rep, a reseller (even on its own customer's), staff naming another tenant
    assert await api.code(RESOLVE, {"id": target["id"], "o": "REJECT"}, **CUSTOMER) == "FORBIDDEN"
    assert await api.code(RESOLVE, {"id": target["id"], "o": "REJECT"}, **REP) == "FORBIDDEN"
    # a reseller acts in a customer of theirs with X-Tenant, as today: disputes are billing support's
    own = by_tenant["a-one"]
    assert await api.code(RESOLVE, {"id": own["id"], "o": "REJECT"}, tenant="a-one", **A_BOSS) == "FORBIDDEN"
    assert await api.code(RESOLVE, {"id": own["id"], "o": "REJECT"}, **A_BOSS) == "FORBIDDEN"
    other = {"id": by_tenant["b-one"]["id"], "o": "REJECT"}
    assert await api.code(RESOLVE, other, tenant="a-one", **A_BOSS) == "NOT_FOUND"
    assert await api.code(RESOLVE, {"id": target["id"], "o": "REJECT"}, tenant="acme", **BILLING) == "NOT_FOUND"
    assert await api.code(RESOLVE, {"id": "bm9wZQ", "o": "REJECT"}, **BILLING) == "BAD_USER_INPUT"
    done = (await api.ok(RESOLVE, {"id": target["id"], "o": "REJECT"}, **BILLING))["resolveQueuedDispute"]
    assert done["status"] == "REJECTED" and done["resolvedBy"] == BILLING["as_"] and done["tenant"]["key"] == "globex"
    left = (await api.ok(DISPUTES, {"first": 50}, **BILLING))["workQueues"]["disputes"]
    assert left["totalCount"] == 5 and "globex" not in tenants_of(left)
    assert await api.code(RESOLVE, {"id": target["id"], "o": "REJECT"}, **BILLING) == "CONFLICT"
    # the tenant's own audit log shows it
    audit = await api.ok(
        "{ auditLog(first: 5) { nodes { actor action outcome } } }",
        as_="op@vendor.example",
        staff=["OPERATOR"],
        tenant="globex",
    )
    assert {"actor": BILLING["as_"], "action": "resolveQueuedDispute", "outcome": "OK"} in audit["auditLog"]["nodes"]


async def test_record_a_wire_notices_money_from_the_queue(billing):
    api = billing
    notices = (await api.ok(NOTICES, **BILLING))["workQueues"]["wireNotices"]["nodes"]
    notice = next(n for n in notices if n["tenant"]["key"] == "initech")
    args = {"id": notice["id"], "a": notice["amount"]["amount"], "d": TODAY.isoformat(), "r": "BANK-Q-1"}
    assert await api.code(RECEIVE, args, **A_BOSS) == "FORBIDDEN"
    assert await api.code(RECEIVE, args, tenant="a-one", **A_BOSS) == "NOT_FOUND"  # not one of its customers
    assert await api.code(RECEIVE, args, **CUSTOMER) == "FORBIDDEN"
    out = (await api.ok(RECEIVE, args, **BILLING))["recordQueuedWireReceipt"]
    assert out["invoices"] == [{"number": "W-initech", "status": "CLOSED", "balance": {"amount": "0.00"}}]
    after = (await api.ok(NOTICES, **BILLING))["workQueues"]["wireNotices"]
    assert after["totalCount"] == 5 and "initech" not in tenants_of(after)
    assert await api.code(RECEIVE, {**args, "r": "BANK-Q-2"}, **BILLING) == "CONFLICT"  # matched already
    # an overpayment leaves unapplied money in the queue
    other = next(n for n in notices if n["tenant"]["key"] == "acme")
    more = str(Decimal(other["amount"]["amount"]) + 20000)  # more than all of acme's unpaid invoices
    await api.ok(RECEIVE, {"id": other["id"], "a": more, "d": TODAY.isoformat(), "r": "BANK-Q-3"}, **BILLING)
    unapplied = (await api.ok(UNAPPLIED, **BILLING))["workQueues"]["unappliedReceipts"]
    assert tenants_of(unapplied) == ["acme"] and unapplied["nodes"][0]["method"] == "WIRE"
    assert Decimal(unapplied["nodes"][0]["remaining"]["amount"]) > 0
    assert await api.code(UNAPPLIED, **A_BOSS) == "FORBIDDEN"


@pytest.mark.parametrize("size", [10, 100])
async def test_billing_queues_cost_the_same_for_3_and_1000_tenants(billing, size):
    api = billing
    query = """query($n: Int) { workQueues {
      disputes(first: $n) { totalCount nodes { number tenant { key name } invoice { number } } }
      wireNotices(first: $n) { totalCount nodes { number tenant { key name } } }
      failedCardPayments(first: $n) { totalCount nodes { number tenant { key } } }
      unappliedReceipts(first: $n) { totalCount nodes { number tenant { key } } }
      overdueInvoices(first: $n) { totalCount nodes { number tenant { key } } }
      overdueInvoiceAges { count } } }"""

    async def cost() -> int:
        await api.ok(query, {"n": size}, **BILLING)
        with api.count_statements() as statements:
            await api.ok(query, {"n": size}, **BILLING)
        return len(statements)

    few = await cost()
    await add_filler_tenants(api, 1000)
    assert await cost() == few
    # and a page of 10 costs what a page of 100 does
    small = {"n": 10}
    with api.count_statements() as statements:
        await api.ok(query, small, **BILLING)
    assert len(statements) == few
