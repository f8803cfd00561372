"""Rewards through the GraphQL endpoint (SPEC §4): eligibility, accrual, expiry, balances,
activity, authorisation and access control. Redemption is in test_redeem.py."""

from __future__ import annotations

from datetime import date

import pytest

from core.db import tenant_session
from plugins.rewards import api as rewards_api
from tests.conftest import ACME, GLOBEX

REWARDS = """{ rewards { balance { amount currency } expiringIn30Days { amount } expiringIn90Days { amount }
  eligibility { eligible reasons rate ula }
  lots(includeExpired: true) { totalCount nodes { subscription period consumption { amount } rate
    depositedOn expiresOn amount { amount } remaining { amount } expiredAmount { amount } status } }
  activity(first: 50) { totalCount nodes { kind occurredOn amount { amount } balanceAfter { amount }
    subscription period invoiceNumber } } } }"""
BALANCE = "{ rewards { balance { amount } expiringIn30Days { amount } expiringIn90Days { amount } } }"
AUTHORIZE = "mutation($e: String!) { authorizeRewardsRedeemer(email: $e) { email authorizedBy } }"
REVOKE = "mutation($e: String!) { revokeRewardsRedeemer(email: $e) { email revokedAt } }"


def account(tenant: str, **kw) -> dict:
    base = {
        "tenant": tenant,
        "onPremises": True,
        "payAsYouGo": False,
        "ula": False,
        "orderNumber": f"UC-{tenant}",
        "serviceStart": "2026-01-10",
        "serviceEnd": "2027-01-09",
    }
    base.update(kw)
    return base


def usage(tenant: str, day: str, price: str = "1.00", qty: str = "100", **kw) -> dict:
    return {
        "tenant": tenant,
        "subscription": kw.pop("subscription", "sub-a"),
        "date": day,
        "service": kw.pop("service", f"Compute {day}"),
        "category": kw.pop("category", "IAAS"),
        "unitNetPrice": price,
        "quantity": qty,
        **kw,
    }


async def setup(api, accounts: list[dict], usages: list[dict]) -> None:
    await api.load({"tenants": [ACME, GLOBEX], "rewardAccounts": accounts, "cloudUsage": usages})


async def accrue(api, on: date) -> None:
    api.clock.set(on)
    await api.run_jobs("rewards.accrue")


async def test_accrual_rates_periods_and_categories(api):
    """R-W2 25% vs 33%; R-W3 month boundaries, service period start, overage, no cap; R-W4 categories."""
    january = [
        usage("acme", "2025-12-31", qty="1000"),  # previous month
        usage("acme", "2026-01-09", qty="1000"),  # before the new order's service period
        usage("acme", "2026-01-10", qty="400"),  # first day of the service period
        usage("acme", "2026-01-31", "0.50", "200", overage=True),  # overage counts, last day of month
        usage("acme", "2026-01-15", qty="300", subscription="sub-b", category="PAAS"),
        usage("acme", "2026-01-15", qty="999", service="VMware", category="THIRD_PARTY"),
        usage("acme", "2026-01-15", qty="999", service="HCM", category="SAAS"),
        usage("acme", "2026-02-01", qty="1000"),  # next month
    ]
    globex = [usage("globex", "2026-01-20", qty="1000"), usage("globex", "2026-01-21", "3.00", "1000000")]
    await setup(api, [account("acme"), account("globex", ula=True)], january + globex)
    await accrue(api, date(2026, 2, 1))
    await accrue(api, date(2026, 2, 2))  # idempotent: same month, nothing more
    acme = (await api.ok(REWARDS, as_="fin@acme.com"))["rewards"]
    lots = {lot["subscription"]: lot for lot in acme["lots"]["nodes"]}
    assert set(lots) == {"sub-a", "sub-b"}
    assert lots["sub-a"]["consumption"]["amount"] == "500.00"  # 400 + 0.50 × 200 overage
    assert lots["sub-a"]["amount"]["amount"] == "125.00"  # 25 %
    assert lots["sub-a"]["rate"] == "0.2500"
    assert lots["sub-b"]["amount"]["amount"] == "75.00"
    assert lots["sub-a"]["period"] == "2026-01"
    assert lots["sub-a"]["depositedOn"] == "2026-01-31" and lots["sub-a"]["expiresOn"] == "2027-01-31"
    assert acme["balance"] == {"amount": "200.00", "currency": "USD"}
    assert acme["eligibility"] == {"eligible": True, "reasons": [], "rate": "0.25", "ula": False}
    assert acme["activity"]["totalCount"] == 2
    assert [a["balanceAfter"]["amount"] for a in reversed(acme["activity"]["nodes"])] == ["125.00", "200.00"]
    globex_r = (await api.ok(REWARDS, as_="fin@globex.com"))["rewards"]
    assert globex_r["balance"]["amount"] == "990330.00"  # 33 % of 3,001,000.00: no cap
    assert globex_r["eligibility"]["rate"] == "0.33"
    # February: the job for February deposits February's usage only
    await accrue(api, date(2026, 3, 1))
    acme = (await api.ok(REWARDS, as_="fin@acme.com"))["rewards"]
    assert acme["balance"]["amount"] == "450.00"
    feb = [lot for lot in acme["lots"]["nodes"] if lot["period"] == "2026-02"]
    assert len(feb) == 1 and feb[0]["depositedOn"] == "2026-02-28" and feb[0]["expiresOn"] == "2027-02-28"
    rows = await api.sql("select count(*) from rewards_lots")
    assert rows[0][0] == 4


@pytest.mark.parametrize(
    "attrs, reason",
    [
        ({"region": "CN"}, "region CN"),
        ({"sector": "US_FEDERAL"}, "US_FEDERAL"),
        ({"payAsYouGo": True}, "Pay-as-you-go"),
        ({"onPremises": False}, "on premises"),
    ],
)
async def test_ineligible_accounts_earn_nothing(api, attrs, reason):
    """R-W1: excluded regions and sectors, pay-as-you-go, not on premises."""
    await setup(api, [account("acme", **attrs)], [usage("acme", "2026-01-20", qty="1000")])
    await accrue(api, date(2026, 2, 1))
    r = (await api.ok(REWARDS, as_="fin@acme.com"))["rewards"]
    assert r["balance"]["amount"] == "0.00" and r["lots"]["totalCount"] == 0
    assert r["eligibility"]["eligible"] is False and reason in " ".join(r["eligibility"]["reasons"])


async def test_region_and_sector_default_to_the_tenant(api):
    cn = {**ACME, "country": "CN"}
    fed = {**GLOBEX, "sector": "US_FEDERAL"}
    await api.load({"tenants": [cn, fed], "rewardAccounts": [account("acme"), account("globex")], "cloudUsage": []})
    for who in ("fin@acme.com", "fin@globex.com"):
        r = (await api.ok(REWARDS, as_=who))["rewards"]
        assert r["eligibility"]["eligible"] is False


async def test_no_account_means_no_rewards(api):
    await api.load({"tenants": [ACME]})
    r = (await api.ok(REWARDS, as_="fin@acme.com"))["rewards"]
    assert r["balance"] == {"amount": "0.00", "currency": "USD"}
    assert r["eligibility"]["eligible"] is False


async def test_expiry_day_of_vs_day_before(api):
    """R-W5: deposited 2026-01-31 → usable on 2027-01-30, expired on 2027-01-31; no reactivation."""
    await setup(api, [account("acme", serviceEnd=None)], [usage("acme", "2026-01-20", qty="1000")])
    await accrue(api, date(2026, 2, 1))
    api.clock.set(date(2026, 12, 31))  # expires in 31 days: in the 90-day figure only
    b = (await api.ok(BALANCE, as_="fin@acme.com"))["rewards"]
    assert (b["balance"]["amount"], b["expiringIn30Days"]["amount"], b["expiringIn90Days"]["amount"]) == (
        "250.00",
        "0.00",
        "250.00",
    )
    api.clock.set(date(2027, 1, 1))  # 30 days left
    b = (await api.ok(BALANCE, as_="fin@acme.com"))["rewards"]
    assert b["expiringIn30Days"]["amount"] == "250.00"
    api.clock.set(date(2027, 1, 30))
    await api.run_jobs("rewards.expire")
    b = (await api.ok(BALANCE, as_="fin@acme.com"))["rewards"]
    assert b["balance"]["amount"] == "250.00"
    api.clock.set(date(2027, 1, 31))
    b = (await api.ok(BALANCE, as_="fin@acme.com"))["rewards"]
    assert b["balance"]["amount"] == "0.00"  # unusable on its expiry day even before the job runs
    assert (await api.run_jobs("rewards.expire"))["rewards.expire"] == 1
    assert (await api.run_jobs("rewards.expire"))["rewards.expire"] == 0
    api.clock.set(date(2027, 2, 5))
    await api.run_jobs("rewards.expire")
    r = (await api.ok(REWARDS, as_="fin@acme.com"))["rewards"]
    lot = r["lots"]["nodes"][0]
    assert lot["status"] == "EXPIRED" and lot["expiredAmount"]["amount"] == "250.00"
    assert lot["remaining"]["amount"] == "0.00"
    kinds = [(a["kind"], a["amount"]["amount"], a["balanceAfter"]["amount"]) for a in r["activity"]["nodes"]]
    assert kinds == [("EXPIRY", "250.00", "0.00"), ("ACCRUAL", "250.00", "250.00")]
    active = "{ rewards { lots { totalCount } } }"
    assert (await api.ok(active, as_="fin@acme.com"))["rewards"]["lots"]["totalCount"] == 0


async def test_access_by_role_and_tenant(api):
    """§6: FINANCE, EXECUTIVE, BILLING_SUPPORT view; TECHNICAL, plain members and admins (as
    technical contacts) do not; each tenant sees only its own rewards (R-T1)."""
    await setup(
        api,
        [account("acme"), account("globex", ula=True)],
        [usage("acme", "2026-01-20", qty="1000"), usage("globex", "2026-01-20", qty="100")],
    )
    await accrue(api, date(2026, 2, 1))
    for who in ("fin@acme.com", "exec@acme.com"):
        assert (await api.ok(BALANCE, as_=who))["rewards"]["balance"]["amount"] == "250.00"
    for who in ("tech@acme.com", "plain@acme.com", "admin@acme.com"):
        assert await api.code(BALANCE, as_=who) == "FORBIDDEN"
    staff = await api.ok(BALANCE, as_="bs@vendor.example", staff=["BILLING_SUPPORT"], tenant="acme")
    assert staff["rewards"]["balance"]["amount"] == "250.00"
    assert await api.code(BALANCE, as_="ops@vendor.example", staff=["OPERATOR"], tenant="acme") == "FORBIDDEN"
    assert (await api.ok(BALANCE, as_="fin@globex.com"))["rewards"]["balance"]["amount"] == "33.00"
    assert await api.code(BALANCE, as_="fin@acme.com", tenant="globex") == "FORBIDDEN"


async def test_public_api_balance_is_the_tenants_graph_balance(api):
    """plugins.rewards.api.balance, for other plugins: each tenant's own figures, as the graph shows them."""
    await setup(
        api,
        [account("acme", serviceEnd=None), account("globex", ula=True)],
        [usage("acme", "2026-01-20", qty="1000"), usage("globex", "2026-01-20", qty="100")],
    )
    await accrue(api, date(2026, 2, 1))
    api.clock.set(date(2026, 12, 31))
    for tenant, who in (("acme", "fin@acme.com"), ("globex", "fin@globex.com")):
        tid = (await api.sql("select id from tenants where key = :k", k=tenant))[0][0]
        async with tenant_session(api.state.sessionmaker, tid) as session:
            b = await rewards_api.balance(session, api.clock.today())
        g = (await api.ok(BALANCE, as_=who))["rewards"]
        assert (b.currency, str(b.available), str(b.expiring_in_30_days), str(b.expiring_in_90_days)) == (
            "USD",
            g["balance"]["amount"],
            g["expiringIn30Days"]["amount"],
            g["expiringIn90Days"]["amount"],
        )
    assert rewards_api.PAYMENT_METHOD == "REWARDS"


async def test_authorise_redeemer_emails_a_code_and_grants_the_role(api, smtp):
    """R-W6: the tenant admin authorises a finance contact; the code goes by email; only its hash is stored."""
    await setup(api, [account("acme")], [])
    can = '{ can(object: "rewards", action: "redeem") }'
    assert (await api.ok(can, as_="fin@acme.com"))["can"] is False
    assert await api.code(AUTHORIZE, {"e": "fin@acme.com"}, as_="fin@acme.com") == "FORBIDDEN"
    assert await api.code(AUTHORIZE, {"e": "fin@acme.com"}, as_="tech@acme.com") == "FORBIDDEN"
    err = await api.error(AUTHORIZE, {"e": "tech@acme.com"}, as_="admin@acme.com")  # not a finance contact
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert await api.code(AUTHORIZE, {"e": "fin@globex.com"}, as_="admin@acme.com") == "NOT_FOUND"
    assert await api.code(AUTHORIZE, {"e": "nobody@acme.com"}, as_="admin@acme.com") == "NOT_FOUND"
    assert await api.sql("select count(*) from rewards_redeemers") == [(0,)]
    data = await api.ok(AUTHORIZE, {"e": "FIN@acme.com"}, as_="admin@acme.com")
    assert data["authorizeRewardsRedeemer"] == {"email": "fin@acme.com", "authorizedBy": "admin@acme.com"}
    assert (await api.ok(can, as_="fin@acme.com"))["can"] is True
    assert (await api.ok(can, as_="fin@globex.com"))["can"] is False
    await api.run_jobs("outbox.deliver")
    mails = smtp.to("fin@acme.com")
    assert len(mails) == 1
    body = mails[0].get_body(("plain",)).get_content()
    code = body.split("Your redemption code: ")[1].split()[0]
    stored = await api.sql("select code_hash from rewards_redeemers")
    assert code not in stored[0][0] and len(stored[0][0]) == 64
    listed = await api.ok("{ rewardsRedeemers { email } }", as_="admin@acme.com")
    assert listed["rewardsRedeemers"] == [{"email": "fin@acme.com"}]
    assert await api.code(REVOKE, {"e": "fin@acme.com"}, as_="fin@acme.com") == "FORBIDDEN"
    await api.ok(REVOKE, {"e": "fin@acme.com"}, as_="admin@acme.com")
    assert (await api.ok(can, as_="fin@acme.com"))["can"] is False
    assert await api.code(REVOKE, {"e": "fin@acme.com"}, as_="admin@acme.com") == "NOT_FOUND"


async def test_activity_pages_and_statement_count(api):
    """R-W11: the activity connection pages with cursors; a page of 100 costs what a page of 10 does."""
    usages = [
        usage("acme", "2026-01-20", qty=str(10 + i), subscription=f"sub-{i:03}", service="Compute") for i in range(120)
    ]
    await setup(api, [account("acme")], usages)
    await accrue(api, date(2026, 2, 1))
    q = """query($n: Int!, $after: String) { rewards { activity(first: $n, after: $after) { totalCount
      pageInfo { hasNextPage endCursor } nodes { kind amount { amount } balanceAfter { amount } subscription } }
      lots(first: $n) { nodes { subscription remaining { amount } } } } }"""
    await api.ok(q, {"n": 1}, as_="fin@acme.com")  # the first request also records the sign-in (R-A4)
    with api.count_statements() as small:
        page = (await api.ok(q, {"n": 10}, as_="fin@acme.com"))["rewards"]["activity"]
    with api.count_statements() as big:
        await api.ok(q, {"n": 100}, as_="fin@acme.com")
    # the sign-in bookkeeping (R-A4) may add an UPDATE when the token's second ticks: count our queries
    ours = [[q for q in st if "rewards_" in q] for st in (small, big)]
    assert len(ours[0]) == len(ours[1]) <= 8, ours
    assert page["totalCount"] == 120 and page["pageInfo"]["hasNextPage"]
    seen = [n["subscription"] for n in page["nodes"]]
    after = page["pageInfo"]["endCursor"]
    while after:
        nxt = (await api.ok(q, {"n": 50, "after": after}, as_="fin@acme.com"))["rewards"]["activity"]
        seen += [n["subscription"] for n in nxt["nodes"]]
        after = nxt["pageInfo"]["endCursor"] if nxt["pageInfo"]["hasNextPage"] else None
    assert len(seen) == len(set(seen)) == 120
    assert await api.code(q, {"n": 101}, as_="fin@acme.com") == "BAD_USER_INPUT"
