"""The example external plugin through the graph, with only the shipped test harness (core.testing):
enabled for reseller A's customer tenant only, A's schema has its types and the field grafted onto
``Renewal`` while B's and the direct customer's do not (introspection included), A's data is never
visible to B, the accepted-renewal event records the margin (RM-3), the monthly statement job runs
once (RM-4), and disabling the plugin removes its fields on the next request (R-T3)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from core.testing import NOW, OPERATOR, RESELLER_TENANTS

pytestmark = pytest.mark.cc_plugins("reseller_margin")  # the plugin under test, by its entry-point name

TODAY = NOW.date()
A_BOSS = {"as_": "boss@alpha-resale.com", "tenant": "a-cust"}  # RESELLER_ADMIN/FINANCE/TECHNICAL
B_BOSS = {"as_": "boss@beta-resale.com", "tenant": "b-cust"}

SET = """mutation($sn: String!, $p: Decimal!) {
  setPartnerDiscount(supportNumber: $sn, percent: $p) { supportNumber percent setBy } }"""
REMOVE = "mutation($sn: String!) { removePartnerDiscount(supportNumber: $sn) }"
DISCOUNTS = "{ partnerDiscounts(first: 10) { totalCount edges { node { supportNumber percent } } } }"
EARNINGS = """{ marginEarnings(first: 10) { totalCount edges { node {
  supportNumber orderNumber percent renewalAmount { amount currency } margin { amount currency } } } } }"""
RENEWAL_MARGIN = """query($sn: String!) { renewal(supportNumber: $sn) {
  supportNumber amount { amount currency } resellerMargin { amount currency } partnerDiscountPercent } }"""
RENEWALS_MARGIN = """query($n: Int!) { renewals(list: PENDING, first: $n) { edges { node {
  supportNumber resellerMargin { amount } } } } }"""
CHECKOUT = """mutation($input: CheckoutInput!) { checkout(input: $input) { orderNumber } }"""
TYPE_FIELDS = '{ __type(name: "%s") { fields { name } } }'
ROOT_FIELDS = "{ __schema { queryType { fields { name } } mutationType { fields { name } } types { name } } }"


def renewal(sn: str, tenant: str, quote_to: str, amount: str = "10000.00", days: int = 60) -> dict:
    start = TODAY + timedelta(days=days)
    return {
        "tenant": tenant,
        "supportNumber": sn,
        "customer": tenant,
        "startDate": start.isoformat(),
        "endDate": (start + timedelta(days=364)).isoformat(),
        "currency": "USD",
        "amount": amount,
        "quoteTo": {"email": quote_to},
        "salesRepEmail": "rep@vendor.example",
        "lines": [{"product": "Database EE", "productFamily": "DATABASE", "amount": amount}],
    }


def tenants_with_reseller_admins_as_technical() -> list[dict]:
    tenants = [dict(t) for t in RESELLER_TENANTS]
    tenants[0] = {
        **tenants[0],
        "people": [{"email": "boss@alpha-resale.com", "roles": ["ADMIN", "FINANCE", "TECHNICAL"]}],
    }
    tenants[1] = {
        **tenants[1],
        "people": [{"email": "boss@beta-resale.com", "roles": ["ADMIN", "FINANCE", "TECHNICAL"]}],
    }
    return tenants


@pytest.fixture
async def resellers(cc_app):
    """Reseller A (customer a-cust) and B (customer b-cust) plus a direct customer, with renewals quoted
    to the resellers' bosses; the example plugin is installed and enabled for a-cust only."""
    api = cc_app
    await api.load(
        {
            "tenants": tenants_with_reseller_admins_as_technical(),
            "renewals": [
                renewal("A-1", "a-cust", "boss@alpha-resale.com", "10000.00"),
                renewal("A-2", "a-cust", "boss@alpha-resale.com", "1999.99"),
                renewal("A-3", "a-cust", "tech@a-cust.com", "500.00"),
                renewal("B-1", "b-cust", "boss@beta-resale.com", "7000.00"),
                renewal("D-1", "direct", "tech@direct.com", "3000.00"),
            ],
        }
    )
    assert "reseller_margin" in await api.enable("a-cust", "reseller_margin")
    return api


def _names(fields: list[dict] | None) -> set[str]:
    return {f["name"] for f in fields or []}


async def test_only_the_enabling_tenant_sees_the_plugin_in_its_schema(resellers):
    api = resellers
    a = (await api.ok(ROOT_FIELDS, **A_BOSS))["__schema"]
    b = (await api.ok(ROOT_FIELDS, **B_BOSS))["__schema"]
    direct = (await api.ok(ROOT_FIELDS, as_="tech@direct.com"))["__schema"]
    plugin_queries = {"partnerDiscounts", "partnerDiscount", "marginEarnings"}
    plugin_mutations = {"setPartnerDiscount", "removePartnerDiscount"}
    assert plugin_queries <= _names(a["queryType"]["fields"])
    assert plugin_mutations <= _names(a["mutationType"]["fields"])
    assert {"PartnerDiscount", "MarginEarning"} <= _names(a["types"])
    for other in (b, direct):
        assert not plugin_queries & _names(other["queryType"]["fields"])
        assert not plugin_mutations & _names(other["mutationType"]["fields"])
        assert not {"PartnerDiscount", "MarginEarning"} & _names(other["types"])
    grafted = {"resellerMargin", "partnerDiscountPercent"}
    a_renewal = _names((await api.ok(TYPE_FIELDS % "Renewal", **A_BOSS))["__type"]["fields"])
    b_renewal = _names((await api.ok(TYPE_FIELDS % "Renewal", **B_BOSS))["__type"]["fields"])
    assert grafted <= a_renewal and not grafted & b_renewal
    assert "shares" in a_renewal and "shares" in b_renewal  # two plugins graft onto Renewal side by side
    assert a_renewal - b_renewal == grafted  # nothing else differs on the shared type
    assert "ResellerMarginRenewalExtension" not in _names(a["types"])
    err = await api.error(RENEWAL_MARGIN, {"sn": "B-1"}, **B_BOSS)
    assert err["extensions"] == {"code": "MODULE_NOT_ENABLED", "module": "reseller_margin"}


async def test_reseller_sets_a_discount_and_sees_the_margin_on_the_renewal(resellers):
    api = resellers
    data = await api.ok(SET, {"sn": " A-1 ", "p": "12.5"}, **A_BOSS)
    assert data["setPartnerDiscount"] == {"supportNumber": "A-1", "percent": "12.50", "setBy": "boss@alpha-resale.com"}
    await api.ok(SET, {"sn": "A-2", "p": "33.33"}, **A_BOSS)
    r = (await api.ok(RENEWAL_MARGIN, {"sn": "A-1"}, **A_BOSS))["renewal"]
    assert r["resellerMargin"] == {"amount": "1250.00", "currency": "USD"}  # RM-2
    assert r["partnerDiscountPercent"] == "12.50"
    # RM-2 rounding: 1,999.99 × 33.33 % = 666.596667 → 666.60 (half-up to cents)
    r = (await api.ok(RENEWAL_MARGIN, {"sn": "A-2"}, **A_BOSS))["renewal"]
    assert r["resellerMargin"] == {"amount": "666.60", "currency": "USD"}
    # changing the discount replaces it (one row per renewal)
    await api.ok(SET, {"sn": "A-1", "p": "10"}, **A_BOSS)
    data = await api.ok(DISCOUNTS, **A_BOSS)
    assert data["partnerDiscounts"]["totalCount"] == 2
    assert [e["node"] for e in data["partnerDiscounts"]["edges"]] == [
        {"supportNumber": "A-1", "percent": "10.00"},
        {"supportNumber": "A-2", "percent": "33.33"},
    ]
    assert (await api.ok(REMOVE, {"sn": "A-2"}, **A_BOSS))["removePartnerDiscount"] is True
    assert (await api.ok(REMOVE, {"sn": "A-2"}, **A_BOSS))["removePartnerDiscount"] is False
    assert (await api.ok(RENEWAL_MARGIN, {"sn": "A-2"}, **A_BOSS))["renewal"]["resellerMargin"] is None


@pytest.mark.parametrize(
    ("percent", "ok"),
    [("0", False), ("0.01", True), ("50.00", True), ("50.01", False), ("12.345", False), ("-5", False), ("NaN", False)],
)
async def test_discount_percent_thresholds_rm1(resellers, percent, ok):
    api = resellers
    body = await api.gql(SET, {"sn": "A-1", "p": percent}, **A_BOSS)
    if ok:
        assert not body.get("errors"), body
    else:
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert await api.sql("select count(*) from reseller_margin_discounts") == [(0,)]


async def test_bad_input_and_unknown_renewals_change_nothing(resellers):
    api = resellers
    assert await api.code(SET, {"sn": "", "p": "5"}, **A_BOSS) == "BAD_USER_INPUT"
    assert await api.code(SET, {"sn": "X" * 65, "p": "5"}, **A_BOSS) == "BAD_USER_INPUT"
    assert await api.code(SET, {"sn": "NOPE-1", "p": "5"}, **A_BOSS) == "NOT_FOUND"
    # A-3 is quoted to the customer's own contact: the reseller holds no relation on it
    assert await api.code(SET, {"sn": "A-3", "p": "5"}, **A_BOSS) == "NOT_FOUND"
    assert await api.sql("select count(*) from reseller_margin_discounts") == [(0,)]


async def test_customer_people_never_see_their_resellers_margin(resellers):
    api = resellers
    await api.ok(SET, {"sn": "A-1", "p": "10"}, **A_BOSS)
    assert await api.code(DISCOUNTS, as_="tech@a-cust.com") == "FORBIDDEN"
    assert await api.code(SET, {"sn": "A-3", "p": "5"}, as_="tech@a-cust.com") == "FORBIDDEN"
    body = await api.gql(
        RENEWAL_MARGIN.replace(
            "resellerMargin { amount currency } partnerDiscountPercent", "resellerMargin { amount }"
        ),
        {"sn": "A-3"},
        as_="tech@a-cust.com",
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["data"]["renewal"] is None or body["data"]["renewal"].get("resellerMargin") is None
    assert await api.sql("select percent from reseller_margin_discounts") == [(Decimal("10.00"),)]


async def test_reseller_b_never_sees_reseller_a_data(resellers):
    api = resellers
    await api.ok(SET, {"sn": "A-1", "p": "10"}, **A_BOSS)
    # B staff cannot act in A's customer tenant, nor in a direct customer, nor in A's own tenant
    for tenant in ("a-cust", "direct", "reseller-a"):
        body = await api.gql(DISCOUNTS, as_="boss@beta-resale.com", tenant=tenant)
        assert body["_status"] == 403 and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "alpha" not in str(body).lower() and "A-1" not in str(body)
    # with the plugin enabled for B's customer too, B sees only its own (empty) data
    await api.enable("b-cust", "reseller_margin")
    assert (await api.ok(DISCOUNTS, **B_BOSS))["partnerDiscounts"] == {"totalCount": 0, "edges": []}
    assert await api.code(SET, {"sn": "A-1", "p": "20"}, **B_BOSS) == "NOT_FOUND"
    assert await api.code(RENEWAL_MARGIN, {"sn": "A-1"}, **B_BOSS) == "NOT_FOUND"
    assert await api.sql("select percent from reseller_margin_discounts") == [(Decimal("10.00"),)]
    # and A cannot act in B's customer or in the direct customer either
    for tenant in ("b-cust", "direct"):
        body = await api.gql(DISCOUNTS, as_="boss@alpha-resale.com", tenant=tenant)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_accepted_renewal_records_the_margin_once_and_freezes_the_discount(resellers):
    api = resellers
    await api.ok(SET, {"sn": "A-1", "p": "12.5"}, **A_BOSS)
    checkout = {
        "input": {
            "supportNumbers": ["A-1", "A-2"],
            "paymentMethod": "INVOICE",
            "acceptTerms": True,
            "acceptTssa": True,
            "billing": {"name": "Alpha Resale", "email": "boss@alpha-resale.com", "address": "1 Main St"},
        }
    }
    order = (await api.ok(CHECKOUT, checkout, **A_BOSS))["checkout"]["orderNumber"]
    data = (await api.ok(EARNINGS, **A_BOSS))["marginEarnings"]
    assert data["totalCount"] == 1  # A-2 had no discount: no margin (RM-3)
    assert data["edges"][0]["node"] == {
        "supportNumber": "A-1",
        "orderNumber": order,
        "percent": "12.50",
        "renewalAmount": {"amount": "10000.00", "currency": "USD"},
        "margin": {"amount": "1250.00", "currency": "USD"},
    }
    assert await api.code(SET, {"sn": "A-1", "p": "20"}, **A_BOSS) == "CONFLICT"
    assert await api.code(REMOVE, {"sn": "A-1"}, **A_BOSS) == "CONFLICT"
    assert await api.code(CHECKOUT, checkout, **A_BOSS) == "CONFLICT"
    assert await api.sql("select count(*) from reseller_margin_earnings") == [(1,)]


async def test_monthly_statement_goes_to_the_resellers_admins_once(resellers, cc_smtp):
    smtp = cc_smtp
    api = resellers
    await api.ok(SET, {"sn": "A-1", "p": "12.5"}, **A_BOSS)
    checkout = {
        "input": {
            "supportNumbers": ["A-1"],
            "paymentMethod": "INVOICE",
            "acceptTerms": True,
            "acceptTssa": True,
            "billing": {"name": "Alpha", "email": "boss@alpha-resale.com", "address": "1 Main St"},
        }
    }
    await api.ok(CHECKOUT, checkout, **A_BOSS)
    # still November: the month is not over, nothing to state yet (RM-4)
    assert (await api.run_jobs("reseller_margin.monthly_statement")) == {"reseller_margin.monthly_statement": 0}
    api.clock.set(NOW.replace(month=12, day=1, hour=0))
    assert (await api.run_jobs("reseller_margin.monthly_statement"))["reseller_margin.monthly_statement"] == 1
    assert (await api.run_jobs("reseller_margin.monthly_statement"))["reseller_margin.monthly_statement"] == 0
    await api.run_jobs("outbox.deliver")
    mails = [m for m in smtp.to("boss@alpha-resale.com") if "margin statement" in m["Subject"]]
    assert len(mails) == 1
    assert "2026-11" in mails[0]["Subject"] and "USD 1250.00 on 1 renewal(s)" in mails[0].get_content()
    assert not [m for m in smtp.messages if "margin statement" in m["Subject"] and m is not mails[0]]


async def test_disabling_removes_the_fields_on_the_next_request(resellers):
    api = resellers
    await api.ok(SET, {"sn": "A-1", "p": "10"}, **A_BOSS)
    assert "reseller_margin" not in await api.enable("a-cust", "reseller_margin", on=False)
    err = await api.error(RENEWAL_MARGIN, {"sn": "A-1"}, **A_BOSS)
    assert err["extensions"] == {"code": "MODULE_NOT_ENABLED", "module": "reseller_margin"}
    assert (await api.error(DISCOUNTS, **A_BOSS))["extensions"]["code"] == "MODULE_NOT_ENABLED"
    fields = _names((await api.ok(TYPE_FIELDS % "Renewal", **A_BOSS))["__type"]["fields"])
    assert "resellerMargin" not in fields
    assert "shares" in fields  # another plugin's graft onto Renewal (sharing) is unaffected
    # the data stays; enabling again brings it back
    await api.enable("a-cust", "reseller_margin")
    assert (await api.ok(RENEWAL_MARGIN, {"sn": "A-1"}, **A_BOSS))["renewal"]["resellerMargin"]["amount"] == "1000.00"


async def test_margin_on_a_page_costs_the_same_statements_for_10_and_100_renewals(cc_app):
    api = cc_app
    items = [renewal(f"P-{i:03d}", "a-cust", "boss@alpha-resale.com", f"{100 + i}.00") for i in range(100)]
    await api.load({"tenants": tenants_with_reseller_admins_as_technical(), "renewals": items})
    await api.enable("a-cust", "reseller_margin")
    for i in range(0, 100, 3):
        await api.ok(SET, {"sn": f"P-{i:03d}", "p": "10"}, **A_BOSS)
    token = api.token(A_BOSS["as_"])  # one token: a newer one would record a sign-in (an extra UPDATE)
    api.token = lambda email, staff=(): token
    await api.ok(RENEWALS_MARGIN, {"n": 1}, **A_BOSS)  # warm the per-tenant policy cache
    counts = []
    for n in (10, 100):
        with api.count_statements() as st:
            data = await api.ok(RENEWALS_MARGIN, {"n": n}, **A_BOSS)
        assert len(data["renewals"]["edges"]) == n
        counts.append(len(st))
    assert counts[0] == counts[1]
    margins = {e["node"]["supportNumber"]: e["node"]["resellerMargin"] for e in data["renewals"]["edges"]}
    assert (
        margins["P-000"] == {"amount": "10.00"} and margins["P-001"] is None and margins["P-099"] == {"amount": "19.90"}
    )


async def test_operator_switches_the_plugin_per_tenant(resellers):
    api = resellers
    data = await api.ok("{ modules { name enabled } }", **A_BOSS)
    assert {"name": "reseller_margin", "enabled": True} in data["modules"]
    data = await api.ok("{ modules { name enabled } }", **B_BOSS)
    assert {"name": "reseller_margin", "enabled": False} in data["modules"]
    # only vendor staff switch modules
    body = await api.gql(
        """mutation { setModuleEnabled(tenantKey: "b-cust", module: "reseller_margin", enabled: true) { key } }""",
        **B_BOSS,
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (
        await api.code(
            """mutation { setModuleEnabled(tenantKey: "nope", module: "reseller_margin", enabled: true) { key } }""",
            **OPERATOR,
        )
        == "NOT_FOUND"
    )
