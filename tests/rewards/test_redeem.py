"""Redeeming rewards through the GraphQL endpoint (R-W6…R-W10): authorised recipient with the
emailed code, eligible pre-tax lines only, earliest expiry first, confirmation email, idempotency,
denied roles, other tenants, and concurrent redemptions that can never overspend."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

from core.db import tenant_session
from plugins.invoicing import api as invoicing_api
from tests.rewards.test_api import AUTHORIZE, BALANCE, REWARDS, account, accrue, setup, usage

REDEEM = """mutation($input: RedeemRewardsInput!) { redeemRewards(input: $input) {
  id invoiceNumber amount { amount currency } allocations { subscription expiresOn amount { amount } }
  invoiceRedeemedToDate { amount } invoiceBalanceDue { amount currency } rewardsRedeemedToDate { amount }
  rewardsBalance { amount } } }"""
REDEEMABLE = "query($n: String!) { rewards { redeemable(invoiceNumber: $n) { amount currency } } }"
ACME_ONLY = " where tenant_id = (select id from tenants where key = 'acme')"
ELIGIBLE = {
    "product": "Database EE Support",
    "category": "SUPPORT_RENEWAL",
    "program": "TECHNOLOGY",
    "product_family": "DATABASE",
}


async def make_invoice(api, tenant: str, number: str, lines: list[dict], currency: str = "USD") -> None:
    """Load an invoice with the invoicing plugin's import section (docs/import/invoicing.md)."""
    item = {
        "tenant": tenant,
        "number": number,
        "invoiceDate": api.clock.today().isoformat(),
        "currency": currency,
        "billingEmail": f"fin@{tenant}.com",
        "lines": [
            {
                "product": ln["product"],
                "preTaxAmount": ln["pre_tax"],
                "taxAmount": ln.get("tax", "0.00"),
                "category": ln.get("category", "SUPPORT_RENEWAL"),
                "program": ln.get("program", "TECHNOLOGY"),
                "productFamily": ln.get("product_family", "DATABASE"),
                "bundlesLicense": ln.get("bundles_license", False),
            }
            for ln in lines
        ],
    }
    await api.load({"invoices": [item]})


async def invoice_view(api, tenant: str, number: str):
    tid = (await api.sql("select id from tenants where key = :k", k=tenant))[0][0]
    async with tenant_session(api.state.sessionmaker, tid) as session:
        return await invoicing_api.get_invoice(session, number, today=api.clock.today())


async def code_for(api, email: str) -> str:
    body = (await api.sql("select body from outbox_emails where to_addr = :e order by id desc", e=email))[0][0]
    return body.split("Your redemption code: ")[1].split()[0]


async def rewarded_acme(api, *, authorise: bool = True) -> str | None:
    """Acme: a January lot of 100.00 (sub-a, expires 2027-01-31) and a February lot of 200.00
    (sub-b, expires 2027-02-28); fin@acme.com authorised. Returns the redemption code."""
    await setup(
        api,
        [account("acme"), account("globex")],
        [
            usage("acme", "2026-01-20", qty="400", subscription="sub-a"),
            usage("acme", "2026-02-20", qty="800", subscription="sub-b"),
            usage("globex", "2026-02-20", qty="800", subscription="sub-g"),
        ],
    )
    await accrue(api, date(2026, 2, 1))
    await accrue(api, date(2026, 3, 1))
    api.clock.set(date(2026, 3, 5))
    if not authorise:
        return None
    await api.ok(AUTHORIZE, {"e": "fin@acme.com"}, as_="admin@acme.com")
    return await code_for(api, "fin@acme.com")


def redeem_input(number: str, code: str, key: str, amount: str | None = None, currency: str = "USD") -> dict:
    data = {"invoiceNumber": number, "redemptionCode": code, "idempotencyKey": key}
    if amount is not None:
        data["amount"] = {"amount": amount, "currency": currency}
    return {"input": data}


async def balance(api, who: str = "fin@acme.com") -> str:
    return (await api.ok(BALANCE, as_=who))["rewards"]["balance"]["amount"]


async def test_redeem_pays_pre_tax_eligible_lines_earliest_expiry_first(api, smtp):
    """R-W7 eligible lines' pre-tax only; R-W8 lots of several subscriptions, earliest expiry first;
    R-W9 a payment on the invoice with a confirmation email; no credit memo."""
    code = await rewarded_acme(api)
    await make_invoice(
        api,
        "acme",
        "INV-R1",
        [
            {**ELIGIBLE, "pre_tax": "150.00", "tax": "15.00"},
            {
                "product": "Java SE Subscription",
                "pre_tax": "500.00",
                "tax": "50.00",
                "category": "SUBSCRIPTION",
                "product_family": "JAVA",
                "bundles_license": True,
            },
            {"product": "Java SE Support", "pre_tax": "70.00", "product_family": "JAVA", "bundles_license": True},
            {"product": "Oracle Linux Premier Support", "pre_tax": "300.00", "product_family": "LINUX"},
            {"product": "E-Business Suite Support", "pre_tax": "200.00", "program": "APPLICATIONS"},
        ],
    )
    r = await api.ok(REDEEMABLE, {"n": "INV-R1"}, as_="fin@acme.com")
    assert r["rewards"]["redeemable"] == {"amount": "150.00", "currency": "USD"}
    data = (await api.ok(REDEEM, redeem_input("INV-R1", code, "k1"), as_="fin@acme.com"))["redeemRewards"]
    assert data["amount"] == {"amount": "150.00", "currency": "USD"}  # default: the most redeemable
    assert [(a["subscription"], a["expiresOn"], a["amount"]["amount"]) for a in data["allocations"]] == [
        ("sub-a", "2027-01-31", "100.00"),
        ("sub-b", "2027-02-28", "50.00"),
    ]
    assert data["invoiceRedeemedToDate"]["amount"] == "150.00"
    assert data["invoiceBalanceDue"] == {"amount": "1135.00", "currency": "USD"}  # 1,285.00 − 150.00
    assert data["rewardsBalance"]["amount"] == "150.00"
    assert await balance(api) == "150.00"
    inv = await invoice_view(api, "acme", "INV-R1")
    assert inv.paid_by_method.get("REWARDS") == Decimal("150.00") and inv.balance == Decimal("1135.00")
    activity = (await api.ok(REWARDS, as_="fin@acme.com"))["rewards"]["activity"]["nodes"]
    assert (activity[0]["kind"], activity[0]["invoiceNumber"], activity[0]["balanceAfter"]["amount"]) == (
        "REDEMPTION",
        "INV-R1",
        "150.00",
    )
    assert await api.sql("select count(*) from invoicing_credits") == [(0,)]  # no credit memo (R-W9)
    await api.run_jobs("outbox.deliver")
    confirm = [m for m in smtp.to("fin@acme.com") if "applied to invoice INV-R1" in m["Subject"]]
    assert len(confirm) == 1
    body = confirm[0].get_body(("plain",)).get_content()
    assert "redeemed on this invoice to date: $150.00" in body
    assert "Balance still due on the invoice: $1,135.00" in body
    # nothing more is payable with rewards on this invoice: the rest is tax and ineligible lines
    assert (await api.ok(REDEEMABLE, {"n": "INV-R1"}, as_="fin@acme.com"))["rewards"]["redeemable"]["amount"] == "0.00"
    err = await api.error(REDEEM, redeem_input("INV-R1", code, "k2", "0.01"), as_="fin@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert await balance(api) == "150.00"


async def test_pre_tax_threshold_and_balance_threshold(api):
    """R-W7: 150.00 of pre-tax is payable, 150.01 is not; never more than the rewards balance."""
    code = await rewarded_acme(api)
    await make_invoice(api, "acme", "INV-T1", [{**ELIGIBLE, "pre_tax": "150.00", "tax": "30.00"}])
    await make_invoice(api, "acme", "INV-T2", [{**ELIGIBLE, "pre_tax": "1000.00", "tax": "30.00"}])
    err = await api.error(REDEEM, redeem_input("INV-T1", code, "a", "150.01"), as_="fin@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "150.00" in err["message"]
    data = await api.ok(REDEEM, redeem_input("INV-T1", code, "b", "150.00"), as_="fin@acme.com")
    assert data["redeemRewards"]["invoiceBalanceDue"]["amount"] == "30.00"  # the tax stays due
    r = await api.ok(REDEEMABLE, {"n": "INV-T2"}, as_="fin@acme.com")
    assert r["rewards"]["redeemable"]["amount"] == "150.00"  # capped by the balance
    err = await api.error(REDEEM, redeem_input("INV-T2", code, "c", "150.01"), as_="fin@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert await balance(api) == "150.00"
    data = await api.ok(REDEEM, redeem_input("INV-T2", code, "d", "150.00"), as_="fin@acme.com")
    assert data["redeemRewards"]["rewardsBalance"]["amount"] == "0.00"
    err = await api.error(REDEEM, redeem_input("INV-T2", code, "e"), as_="fin@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    totals = await api.sql("select sum(remaining), sum(amount) from rewards_lots" + ACME_ONLY)
    assert Decimal(totals[0][0]) == 0 and Decimal(totals[0][1]) == Decimal("300.00")


async def test_invoice_with_only_ineligible_lines(api):
    code = await rewarded_acme(api)
    await make_invoice(
        api,
        "acme",
        "INV-X",
        [
            {"product": "Oracle Linux Support", "pre_tax": "100.00", "product_family": "LINUX"},
            {
                "product": "MySQL Enterprise Subscription",
                "pre_tax": "100.00",
                "product_family": "MYSQL",
                "bundles_license": True,
            },
            {"product": "Cloud usage", "pre_tax": "100.00", "category": "CLOUD_USAGE"},
        ],
    )
    err = await api.error(REDEEM, redeem_input("INV-X", code, "x"), as_="fin@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert await balance(api) == "300.00"


async def test_expired_lots_are_not_redeemed(api):
    """R-W5 with R-W8: on 2027-01-31 the January lot is gone, the February one still pays."""
    code = await rewarded_acme(api)
    api.clock.set(date(2027, 1, 31))
    await make_invoice(api, "acme", "INV-E", [{**ELIGIBLE, "pre_tax": "1000.00"}])
    data = (await api.ok(REDEEM, redeem_input("INV-E", code, "e1"), as_="fin@acme.com"))["redeemRewards"]
    assert data["amount"]["amount"] == "200.00"
    assert [a["subscription"] for a in data["allocations"]] == ["sub-b"]
    await api.run_jobs("rewards.expire")
    lots = await api.sql(
        "select subscription, remaining, expired_amount, status from rewards_lots" + ACME_ONLY + " order by id"
    )
    assert [(s, Decimal(r), Decimal(e), st) for s, r, e, st in lots] == [
        ("sub-a", Decimal("0"), Decimal("100.00"), "EXPIRED"),
        ("sub-b", Decimal("0"), Decimal("0"), "ACTIVE"),
    ]


async def test_code_roles_and_tenants(api):
    """R-W6: wrong or missing code, unauthorised finance contact, view-only roles, another tenant's
    invoice, other currencies (R-W10) — each refused with nothing changed."""
    code = await rewarded_acme(api)
    await make_invoice(api, "acme", "INV-C", [{**ELIGIBLE, "pre_tax": "100.00"}])
    await make_invoice(api, "globex", "INV-G", [{**ELIGIBLE, "pre_tax": "100.00"}])
    await make_invoice(api, "acme", "INV-EUR", [{**ELIGIBLE, "pre_tax": "100.00"}], currency="EUR")
    wrong = "AAAA-BBBB-CCCC" if code != "AAAA-BBBB-CCCC" else "DDDD-EEEE-FFFF"
    err = await api.error(REDEEM, redeem_input("INV-C", wrong, "w"), as_="fin@acme.com")
    assert err["extensions"]["code"] == "FORBIDDEN"
    assert await api.code(REDEEM, redeem_input("INV-C", "", "w"), as_="fin@acme.com") == "BAD_USER_INPUT"
    for who in ("exec@acme.com", "tech@acme.com", "admin@acme.com", "fin@globex.com"):
        assert await api.code(REDEEM, redeem_input("INV-C", code, "r"), as_=who) == "FORBIDDEN", who
    staff = await api.gql(
        REDEEM, redeem_input("INV-C", code, "s"), as_="bs@v.example", staff=["BILLING_SUPPORT"], tenant="acme"
    )
    assert staff["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # another tenant's invoice number is simply not found
    assert await api.code(REDEEM, redeem_input("INV-G", code, "g"), as_="fin@acme.com") == "NOT_FOUND"
    assert await api.code(REDEEMABLE, {"n": "INV-G"}, as_="fin@acme.com") == "NOT_FOUND"
    # never another currency (R-W10)
    err = await api.error(REDEEM, redeem_input("INV-C", code, "c", "10.00", "EUR"), as_="fin@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    err = await api.error(REDEEM, redeem_input("INV-EUR", code, "eur"), as_="fin@acme.com")
    assert err["extensions"] == {"code": "BAD_USER_INPUT", "field": "invoiceNumber", "reason": "CURRENCY_MISMATCH"}
    assert "INV-EUR is in EUR; rewards are in USD and cannot be converted" in err["message"]
    for bad in ("-1.00", "0", "1.001", "NaN"):
        assert await api.code(REDEEM, redeem_input("INV-C", code, "b", bad), as_="fin@acme.com") == "BAD_USER_INPUT"
    # a new authorisation replaces the code; a revoked recipient loses the role
    await api.ok(AUTHORIZE, {"e": "fin@acme.com"}, as_="admin@acme.com")
    new_code = await code_for(api, "fin@acme.com")
    if new_code != code:
        assert await api.code(REDEEM, redeem_input("INV-C", code, "old"), as_="fin@acme.com") == "FORBIDDEN"
    await api.ok('mutation { revokeRewardsRedeemer(email: "fin@acme.com") { email } }', as_="admin@acme.com")
    assert await api.code(REDEEM, redeem_input("INV-C", new_code, "rv"), as_="fin@acme.com") == "FORBIDDEN"
    assert await balance(api) == "300.00"
    assert await api.sql("select count(*) from rewards_redemptions") == [(0,)]
    assert (await invoice_view(api, "acme", "INV-C")).paid_by_method.get("REWARDS") in (None, Decimal(0))


async def test_unauthorised_finance_contact_cannot_redeem(api):
    await rewarded_acme(api, authorise=False)
    await make_invoice(api, "acme", "INV-U", [{**ELIGIBLE, "pre_tax": "100.00"}])
    assert await api.code(REDEEM, redeem_input("INV-U", "ABCD-EFGH-JKLM", "u"), as_="fin@acme.com") == "FORBIDDEN"


async def test_replayed_idempotency_key(api, smtp):
    code = await rewarded_acme(api)
    await make_invoice(api, "acme", "INV-I", [{**ELIGIBLE, "pre_tax": "1000.00"}])
    first = await api.ok(REDEEM, redeem_input("INV-I", code, "same", "40.00"), as_="fin@acme.com")
    again = await api.ok(REDEEM, redeem_input("INV-I", code, "same", "40.00"), as_="fin@acme.com")
    assert first == again
    assert await balance(api) == "260.00"
    assert await api.sql("select count(*) from rewards_redemptions") == [(1,)]
    assert await api.code(REDEEM, redeem_input("INV-I", code, "same", "41.00"), as_="fin@acme.com") == "CONFLICT"
    mails = await api.sql("select count(*) from outbox_emails where kind = 'rewards.redeemed'")
    assert mails == [(1,)]


async def test_concurrent_redemptions_never_overspend(api):
    """Parallel requests (truly concurrent on PostgreSQL) over the same lots: the account row and
    the lots are locked, so the total redeemed never exceeds what was deposited."""
    code = await rewarded_acme(api)
    for i in range(4):
        await make_invoice(api, "acme", f"INV-P{i}", [{**ELIGIBLE, "pre_tax": "120.00"}])
    results = await asyncio.gather(
        *[api.gql(REDEEM, redeem_input(f"INV-P{i}", code, f"p{i}", "120.00"), as_="fin@acme.com") for i in range(4)]
    )
    ok = [r for r in results if not r.get("errors")]
    failed = [r for r in results if r.get("errors")]
    assert len(ok) == 2  # 300.00 pays two invoices of 120.00, not three
    assert all(r["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" for r in failed)
    rows = await api.sql("select sum(amount), sum(remaining), min(remaining) from rewards_lots" + ACME_ONLY)
    deposited, remaining, lowest = (Decimal(v) for v in rows[0])
    redeemed = Decimal((await api.sql("select sum(amount) from rewards_redemptions" + ACME_ONLY))[0][0])
    assert redeemed == Decimal("240.00") and redeemed <= deposited
    assert remaining == deposited - redeemed and lowest >= 0
    assert await balance(api) == "60.00"
    # and with default amounts, racing for the rest: only 60.00 more can ever go out
    more = await asyncio.gather(
        *[api.gql(REDEEM, redeem_input(f"INV-P{i}", code, f"q{i}"), as_="fin@acme.com") for i in (2, 3)]
    )
    total = sum(Decimal(r["data"]["redeemRewards"]["amount"]["amount"]) for r in more if not r.get("errors"))
    assert total == Decimal("60.00")
    assert await balance(api) == "0.00"
    balances = [
        Decimal(b[0]) for b in await api.sql("select balance_after from rewards_activity" + ACME_ONLY + " order by id")
    ]
    assert min(balances) >= 0 and balances[-1] == 0


async def test_recipient_who_is_no_longer_a_finance_contact_cannot_redeem(api):
    """R-W6: the authorisation is for the finance contact; changing their roles ends it in practice."""
    code = await rewarded_acme(api)
    await make_invoice(api, "acme", "INV-F", [{**ELIGIBLE, "pre_tax": "100.00"}])
    users = (await api.ok("{ users(first: 50) { nodes { id email } } }", as_="admin@acme.com"))["users"]["nodes"]
    fin_id = next(u["id"] for u in users if u["email"] == "fin@acme.com")
    change = "mutation($id: ID!) { changeUserRoles(id: $id, roles: [TECHNICAL]) { roles } }"
    await api.ok(change, {"id": fin_id}, as_="admin@acme.com")
    assert await api.code(REDEEM, redeem_input("INV-F", code, "f"), as_="fin@acme.com") == "FORBIDDEN"
    assert await balance(api, "exec@acme.com") == "300.00"
