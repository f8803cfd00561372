"""Modules that compose (issue 22): fields one module grafts onto another's type, present only where the
tenant enables both — a renewal order's invoices (invoicing), an invoice's renewal (renewals), an
invoice's rewards (rewards) — so one query walks renewal → order → invoice → rewards; N+1-free."""

from __future__ import annotations

from decimal import Decimal

from core.rls import EVERY_TENANT  # the test's own inspection: every tenant (core/rls.py)
from plugins.invoicing import api as invoicing_api
from plugins.rewards.models import RewardRedemption
from tests.queues.conftest import BILLING, REP, invoice, renewal

CHECKOUT = """mutation($sns: [String!]!) { checkout(input: {supportNumbers: $sns, paymentMethod: INVOICE,
  billing: {name: "Bo Both", email: "both@TENANT.com", address: "1 Main St"}, acceptTerms: true, acceptTssa: true}) {
  orderNumbers } }"""
WALK = """query($sn: String!) { renewal(supportNumber: $sn) { supportNumber
  order { orderNumber invoices { number total { amount } renewal { supportNumber }
    rewards { eligibleAmount { amount } payableAmount { amount } appliedAmount { amount }
      redemptions { amount { amount } redeemedBy } } } } } }"""
WALK_NO_REWARDS = """query($sn: String!) { renewal(supportNumber: $sn) { supportNumber
  order { orderNumber invoices { number renewal { supportNumber } } } } }"""
HISTORY = """{ renewals(list: HISTORY, first: 50) { nodes { supportNumber
  order { invoices { number renewal { supportNumber } rewards { payableAmount { amount } } } } } } }"""


def both(tenant: str) -> str:
    return f"both@{tenant}.com"


async def accept(api, tenant: str, *sns: str) -> None:
    """Renewals of ``tenant`` quoted to a FINANCE+TECHNICAL person, accepted by them (invoiced)."""
    await api.load(
        {
            "tenants": [
                {
                    "key": tenant,
                    "name": tenant,
                    "domains": [f"{tenant}.com"],
                    "people": [{"email": both(tenant), "roles": ["FINANCE", "TECHNICAL"]}],
                }
            ],
            "renewals": [{**renewal(sn, tenant), "quoteTo": {"email": both(tenant)}} for sn in sns],
        }
    )
    for sn in sns:
        await api.ok(CHECKOUT.replace("TENANT", tenant), {"sns": [sn]}, as_=both(tenant))


async def pay_with_rewards(api, tenant: str, number: str, amount: str) -> None:
    """What a redemption leaves behind (R-W9): a REWARDS payment on the invoice and its redemption row."""
    (tenant_id,) = (await api.sql("select id from tenants where key = :k", k=tenant))[0]
    async with api.state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
        session.info["tenant_id"] = tenant_id
        await invoicing_api.apply_payment(
            session,
            number,
            Decimal(amount),
            "USD",
            method="REWARDS",
            reference="R",
            actor_email=both(tenant),
            now=api.clock.now(),
        )
        session.add(
            RewardRedemption(
                invoice_number=number,
                amount=Decimal(amount),
                currency="USD",
                redeemed_by=both(tenant),
                created_at=api.clock.now(),
            )
        )


async def test_one_query_walks_renewal_order_invoice_rewards(world):
    api = world
    await accept(api, "acme", "CMP-1")
    walked = (await api.ok(WALK, {"sn": "CMP-1"}, as_=both("acme")))["renewal"]
    invoices = walked["order"]["invoices"]
    assert len(invoices) == 1 and invoices[0]["renewal"] == {"supportNumber": "CMP-1"}
    assert invoices[0]["rewards"] == {
        "eligibleAmount": {"amount": "10000.00"},  # the support-renewal line, pre-tax (R-W7)
        "payableAmount": {"amount": "10000.00"},
        "appliedAmount": {"amount": "0.00"},
        "redemptions": [],
    }
    await pay_with_rewards(api, "acme", invoices[0]["number"], "2500.00")
    rewards = (await api.ok(WALK, {"sn": "CMP-1"}, as_=both("acme")))["renewal"]["order"]["invoices"][0]["rewards"]
    assert rewards["appliedAmount"] == {"amount": "2500.00"} and rewards["payableAmount"] == {"amount": "7500.00"}
    assert rewards["redemptions"] == [{"amount": {"amount": "2500.00"}, "redeemedBy": both("acme")}]


async def test_without_rewards_the_walk_stops_at_the_invoice(world):
    api = world
    await accept(api, "initech", "CMP-2")  # initech does not enable rewards
    body = await api.gql(WALK, {"sn": "CMP-2"}, as_=both("initech"))
    assert body["errors"][0]["extensions"]["code"] in ("MODULE_NOT_ENABLED", "GRAPHQL_VALIDATION_FAILED")
    walked = (await api.ok(WALK_NO_REWARDS, {"sn": "CMP-2"}, as_=both("initech")))["renewal"]
    assert walked["order"]["invoices"][0]["renewal"] == {"supportNumber": "CMP-2"}
    # across tenants (billing support without X-Tenant: every module in the schema) initech's invoices
    # answer no rewards, acme's do
    await api.load({"invoices": [invoice("OLD-1", "initech", days_ago=50), invoice("OLD-2", "acme", days_ago=50)]})
    queue = await api.ok(
        "{ workQueues { overdueInvoices { nodes { number tenant { key } rewards { payableAmount { amount } } } } } }",
        **BILLING,
    )
    rewards = {n["tenant"]["key"]: n["rewards"] for n in queue["workQueues"]["overdueInvoices"]["nodes"]}
    assert rewards == {"initech": None, "acme": {"payableAmount": {"amount": "100.00"}}}


async def test_who_may_follow_the_links(world):
    api = world
    await accept(api, "acme", "CMP-3")
    # a renewal's owner who may not view invoices (a plain share viewer) is refused the order's invoices;
    # the sales rep follows their renewal to its order but not to invoices (§6: reps have no invoicing)
    body = await api.gql(
        "{ workQueues { assignedRenewals(list: HISTORY) { nodes { supportNumber order { invoices { number } } } } } }",
        **REP,
    )
    assert body["data"]["workQueues"]["assignedRenewals"]["nodes"][0]["order"]["invoices"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # billing support walks an overdue queue's invoice to rewards, not to the renewal (no relation to it)
    number = (await api.ok(WALK, {"sn": "CMP-3"}, as_=both("acme")))["renewal"]["order"]["invoices"][0]["number"]
    data = await api.gql(
        "query($n: String!) { invoice(number: $n) { rewards { eligibleAmount { amount } } "
        "renewal { supportNumber } } }",
        {"n": number},
        tenant="acme",
        **BILLING,
    )
    assert data["data"]["invoice"]["rewards"]["eligibleAmount"] == {"amount": "10000.00"}
    assert data["data"]["invoice"]["renewal"] is None
    assert data["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_links_cost_the_same_for_1_and_6_renewals(world):
    api = world
    await accept(api, "acme", "N-1")

    async def cost() -> int:
        await api.ok(HISTORY, as_=both("acme"))
        with api.count_statements() as statements:
            data = await api.ok(HISTORY, as_=both("acme"))
        assert all(n["order"]["invoices"][0]["renewal"] for n in data["renewals"]["nodes"])
        return len(statements)

    one = await cost()
    await accept(api, "acme", "N-2", "N-3", "N-4", "N-5", "N-6")
    assert await cost() == one
