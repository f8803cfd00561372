"""Reseller tenants (SPEC §1 R-T1/R-T3, issue 7): a person of a reseller tenant acts in one of ITS
customer tenants with the ``X-Tenant`` header as ``RESELLER_<role>`` and does what the default policy
rows allow there (view the customer's users and audit log as RESELLER_ADMIN, renewals they are related
to, invoices as RESELLER_FINANCE/ADMIN); they never see another reseller's customers, the vendor's
direct customers or another reseller, and customer people cannot use X-Tenant at all."""

from __future__ import annotations

import pytest

from tests.plugins.conftest import RESELLER_TENANTS
from tests.renewals.helpers import renewal as renewal_item


def renewal(sn: str, tenant: str, quote_to: str) -> dict:
    return renewal_item(
        sn,
        60,
        tenant=tenant,
        quote_to=quote_to,
        amount="10000.00",
        lines=[{"product": "Database EE", "productFamily": "DATABASE", "amount": "10000.00"}],
    )


VIEWER = "{ viewer { email roles isAdmin tenant { key isReseller } enabledModules } }"
USERS = "{ users(first: 50) { totalCount edges { node { email } } } }"
AUDIT_ACTORS = "{ auditLog(first: 5) { totalCount edges { node { actor } } } }"
RENEWALS = "{ renewals(list: PENDING, first: 50) { totalCount edges { node { supportNumber } } } }"
RENEWAL = "query($sn: String!) { renewal(supportNumber: $sn) { supportNumber amount { amount } } }"
INVOICES = "{ invoices(first: 50) { totalCount nodes { number } } }"
A_BOSS, A_TECH, B_BOSS = "boss@alpha-resale.com", "tech@alpha-resale.com", "boss@beta-resale.com"


def invoice(number: str, tenant: str) -> dict:
    return {
        "tenant": tenant,
        "number": number,
        "invoiceDate": "2026-11-01",
        "currency": "USD",
        "country": "US",
        "orderNumber": f"ORD-{number}",
        "billingEmail": f"billing@{tenant}.com",
        "lines": [{"product": "Database support", "category": "SUPPORT_RENEWAL", "preTaxAmount": "100.00"}],
    }


@pytest.fixture
async def world(api):
    await api.load(
        {
            "tenants": RESELLER_TENANTS,
            "renewals": [
                renewal("A-1", "a-cust", A_BOSS),
                renewal("A-2", "a-cust", "tech@a-cust.com"),
                # quoted to reseller A's boss, but in reseller B's customer: the tenant still decides
                renewal("B-1", "b-cust", A_BOSS),
                renewal("D-1", "direct", A_BOSS),
            ],
            "invoices": [invoice("INV-A1", "a-cust"), invoice("INV-B1", "b-cust"), invoice("INV-D1", "direct")],
        }
    )
    return api


def _emails(data: dict) -> set[str]:
    return {e["node"]["email"] for e in data["users"]["edges"]}


async def test_reseller_staff_act_in_their_customer_tenant_with_reseller_roles(world):
    api = world
    v = (await api.ok(VIEWER, as_=A_BOSS, tenant="a-cust"))["viewer"]
    assert v["email"] == A_BOSS
    assert v["tenant"] == {"key": "a-cust", "isReseller": False}
    assert set(v["roles"]) == {"RESELLER_ADMIN", "RESELLER_FINANCE", "RESELLER_MEMBER"}
    assert v["isAdmin"] is False  # not an admin OF the customer
    # at home they are themselves
    v = (await api.ok(VIEWER, as_=A_BOSS))["viewer"]
    assert v["tenant"]["key"] == "reseller-a" and "ADMIN" in v["roles"]

    users = await api.ok(USERS, as_=A_BOSS, tenant="a-cust")
    assert _emails(users) == {"tech@a-cust.com", "fin@a-cust.com"}
    for key in ("a-cust", "b-cust"):  # one audited mutation in each customer tenant
        await api.sql(
            "insert into audit_log (tenant_id, actor, action, outcome, detail, created_at) "
            "select id, :actor, 'updateRenewal', 'OK', '{}', :now from tenants where key = :key",
            actor=f"tech@{key}.com",
            now=api.clock.now(),
            key=key,
        )
    audit = (await api.ok(AUDIT_ACTORS, as_=A_BOSS, tenant="a-cust"))["auditLog"]
    assert audit == {"totalCount": 1, "edges": [{"node": {"actor": "tech@a-cust.com"}}]}  # not b-cust's
    # a reseller person without ADMIN gets no user list of the customer
    assert await api.code(USERS, as_=A_TECH, tenant="a-cust") == "FORBIDDEN"


async def test_reseller_sees_related_renewals_and_invoices_of_its_customer_only(world):
    api = world
    data = await api.ok(RENEWALS, as_=A_BOSS, tenant="a-cust")
    assert [e["node"]["supportNumber"] for e in data["renewals"]["edges"]] == ["A-1"]  # A-2 is not theirs
    assert await api.code(RENEWAL, {"sn": "A-2"}, as_=A_BOSS, tenant="a-cust") == "NOT_FOUND"
    # B-1 and D-1 are quoted to A's boss, but live in tenants A does not own
    for sn in ("B-1", "D-1"):
        assert await api.code(RENEWAL, {"sn": sn}, as_=A_BOSS, tenant="a-cust") == "NOT_FOUND"
    data = await api.ok(INVOICES, as_=A_BOSS, tenant="a-cust")
    assert data["invoices"] == {"totalCount": 1, "nodes": [{"number": "INV-A1"}]}
    # TECHNICAL reseller staff have no invoice row
    assert await api.code(INVOICES, as_=A_TECH, tenant="a-cust") == "FORBIDDEN"


@pytest.mark.parametrize(
    ("email", "tenant"),
    [
        (A_BOSS, "b-cust"),  # another reseller's customer
        (A_BOSS, "direct"),  # the vendor's direct customer
        (A_BOSS, "reseller-b"),  # another reseller
        (B_BOSS, "a-cust"),
        (B_BOSS, "reseller-a"),
        ("tech@a-cust.com", "reseller-a"),  # a customer cannot climb to its reseller
        ("tech@a-cust.com", "b-cust"),
        ("tech@direct.com", "a-cust"),
        (A_BOSS, "no-such-tenant"),
    ],
)
async def test_no_one_crosses_into_a_tenant_they_do_not_own(world, email, tenant):
    api = world
    for query in (VIEWER, USERS, RENEWALS, INVOICES):
        body = await api.gql(query, as_=email, tenant=tenant)
        assert body["_status"] == 403, body
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        text = str(body).lower()
        for leak in ("a-cust.com", "b-cust.com", "direct.com", "inv-", "a-1", "b-1", "d-1"):
            assert leak not in text, (leak, body)


async def test_reseller_b_sees_only_its_own_customer(world):
    api = world
    assert _emails(await api.ok(USERS, as_=B_BOSS, tenant="b-cust")) == {"tech@b-cust.com"}
    assert (await api.ok(INVOICES, as_=B_BOSS, tenant="b-cust"))["invoices"]["nodes"] == [{"number": "INV-B1"}]
    # B-1 is quoted to A's boss, not to B: B holds no relation on it
    assert (await api.ok(RENEWALS, as_=B_BOSS, tenant="b-cust"))["renewals"]["totalCount"] == 0


async def test_a_reseller_cannot_change_its_customers_people_or_switch_modules(world):
    api = world
    invite = """mutation { inviteUser(input: {email: "new@a-cust.com", roles: [ADMIN]}) { email } }"""
    assert await api.code(invite, as_=A_BOSS, tenant="a-cust") == "FORBIDDEN"
    switch = """mutation { setModuleEnabled(tenantKey: "a-cust", module: "rewards", enabled: false) { key } }"""
    assert await api.code(switch, as_=A_BOSS, tenant="a-cust") == "FORBIDDEN"
    assert await api.sql("select count(*) from people where email = 'new@a-cust.com'") == [(0,)]
