"""Rewards import sections through the staff importData mutation, the documented example file,
the billing-dashboard share (§6) and the demo tenant's rewards."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from core.demo import DEMO_PEOPLE, seed_demo
from plugins.rewards.demo import DEMO_REDEMPTION_CODE
from tests.conftest import ACME
from tests.rewards.test_api import BALANCE, REWARDS, account, usage

IMPORT = "mutation($json: String!) { importData(json: $json) { tenants sections } }"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "import" / "rewards.example.json"
OP = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}


async def test_import_rejects_bad_items_whole_naming_paths(api):
    doc = {
        "tenants": [ACME],
        "rewardAccounts": [
            account("acme", ula="yes", region="China", serviceStart="2026-02-30"),
            account("nope"),
        ],
        "cloudUsage": [
            usage("acme", "2026-01-01", category="CLOUD"),
            usage("acme", "2026-13-01", price="-1"),
            usage("acme", "2026-01-02", qty="1.0000001"),
            usage("acme", "2026-01-03", price="abc", overage="no"),
        ],
    }
    err = await api.error(IMPORT, {"json": json.dumps(doc)}, **OP)
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    errors = err["extensions"]["errors"]
    for expected in (
        "rewardAccounts[0].ula",
        "rewardAccounts[0].region",
        "rewardAccounts[0].serviceStart",
        "rewardAccounts[1].tenant",
        "cloudUsage[0].category",
        "cloudUsage[1].date",
        "cloudUsage[1].unitNetPrice",
        "cloudUsage[2].quantity",
        "cloudUsage[3].unitNetPrice",
        "cloudUsage[3].overage",
    ):
        assert any(e.startswith(expected) for e in errors), (expected, errors)
    assert await api.sql("select count(*) from tenants") == [(0,)]
    assert await api.sql("select count(*) from rewards_cloud_usage") == [(0,)]
    assert await api.code(IMPORT, {"json": json.dumps({"tenants": [ACME]})}, as_="fin@acme.com") == "FORBIDDEN"


async def test_example_file_imports_idempotently_and_accrues(api):
    text = EXAMPLE.read_text()
    for _ in range(2):
        data = await api.ok(IMPORT, {"json": text}, **OP)
        assert data["importData"]["sections"] == {"rewardAccounts": 1, "cloudUsage": 5}
    assert await api.sql("select count(*) from rewards_cloud_usage") == [(5,)]
    assert await api.sql("select count(*) from rewards_accounts") == [(1,)]
    api.clock.set(date(2026, 2, 1))
    await api.run_jobs("rewards.accrue")
    r = (await api.ok(REWARDS, as_="bill@initech.example"))["rewards"]
    lots = {lot["subscription"]: lot["amount"]["amount"] for lot in r["lots"]["nodes"]}
    # prod: (0.03 × 20000 + 0.336 × 1000) × 33 % ; dev: 0.0255 × 4000 × 33 % (VMware and SaaS excluded)
    assert lots == {"ocid1.sub.prod": "308.88", "ocid1.sub.dev": "33.66"}


async def test_billing_dashboard_share_grants_rewards_view(api):
    """§6: a billing-dashboard share (R-S4) gives view on rewards, nothing more."""
    await api.load({"tenants": [ACME], "rewardAccounts": [account("acme")], "cloudUsage": []})
    assert await api.code(BALANCE, as_="plain@acme.com") == "FORBIDDEN"
    share = 'mutation { shareBillingDashboard(emails: ["plain@acme.com"]) { __typename } }'
    await api.ok(share, as_="fin@acme.com")
    assert (await api.ok(BALANCE, as_="plain@acme.com"))["rewards"]["balance"]["amount"] == "0.00"
    can = '{ can(object: "rewards", action: "redeem") }'
    assert (await api.ok(can, as_="plain@acme.com"))["can"] is False


async def test_demo_tenant_has_rewards_and_an_authorised_recipient(api):
    assert await seed_demo(api.state)
    fiona = DEMO_PEOPLE["FINANCE"]
    r = (await api.ok(REWARDS, as_=fiona))["rewards"]
    assert r["eligibility"]["eligible"] is True
    assert r["lots"]["totalCount"] == 6  # 3 months × 2 subscriptions
    assert r["balance"]["amount"] != "0.00"
    assert {a["kind"] for a in r["activity"]["nodes"]} == {"ACCRUAL"}
    assert (await api.ok('{ can(object: "rewards", action: "redeem") }', as_=fiona))["can"] is True
    listed = await api.ok("{ rewardsRedeemers { email authorizedBy } }", as_=DEMO_PEOPLE["ADMIN"])
    assert listed["rewardsRedeemers"] == [{"email": fiona, "authorizedBy": DEMO_PEOPLE["ADMIN"]}]
    # fiona can pay a demo invoice's support-renewal lines with the documented demo code
    numbers = [n for (n,) in await api.sql("select number from invoicing_invoices order by number")]
    q = "query($n: String!) { rewards { redeemable(invoiceNumber: $n) { amount } } }"
    payable = []
    for n in numbers:
        amount = (await api.ok(q, {"n": n}, as_=fiona))["rewards"]["redeemable"]["amount"]
        if amount != "0.00":
            payable.append(n)
    assert payable
    redeem = """mutation($i: RedeemRewardsInput!) { redeemRewards(input: $i) { amount { amount } } }"""
    data = await api.ok(
        redeem,
        {"i": {"invoiceNumber": payable[0], "redemptionCode": DEMO_REDEMPTION_CODE, "idempotencyKey": "demo-1"}},
        as_=fiona,
    )
    assert data["redeemRewards"]["amount"]["amount"] != "0.00"
