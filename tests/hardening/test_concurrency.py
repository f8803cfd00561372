"""Idempotency and concurrency (issue 9): 50 parallel repeats, through the API, of place-order
(renewals ``checkout``), pay-invoice (invoicing ``payInvoices``) and redeem-rewards (rewards
``redeemRewards``), with the same idempotency key and with different keys. On PostgreSQL the
requests really run in parallel (one pooled connection each); on SQLite mutations are serialised
in-process and the same assertions hold. Each effect happens exactly as often as it should,
balances conserve, every refusal is typed, and nothing deadlocks (bounded by ``wait_for``)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from decimal import Decimal

from tests.invoicing.test_api import PAY, invoice, ledger, pay_input
from tests.invoicing.test_api import load as load_invoices
from tests.renewals.helpers import load as load_renewals
from tests.renewals.helpers import renewal
from tests.renewals.test_checkout import CHECKOUT, order
from tests.rewards.test_redeem import ACME_ONLY, ELIGIBLE, REDEEM, balance, make_invoice, redeem_input, rewarded_acme

N = 50
DEADLINE = 120  # seconds for 50 requests: a deadlock or a starved pool fails here instead of hanging


async def parallel(api, query: str, variables: list[dict], as_: str) -> list[dict]:
    return await asyncio.wait_for(asyncio.gather(*(api.gql(query, v, as_=as_) for v in variables)), DEADLINE)


def codes(bodies: list[dict]) -> Counter:
    """'OK' or the first error code of each response; never an unmasked error."""
    for b in bodies:
        assert "INTERNAL_SERVER_ERROR" not in json.dumps(b), b
        assert b["_status"] in (200, 429), b
    return Counter(b["errors"][0]["extensions"]["code"] if b.get("errors") else "OK" for b in bodies)


async def one(api, sql: str, **params):
    return (await api.sql(sql, **params))[0][0]


async def test_place_order_50_times_in_parallel(api):
    await load_renewals(api, *[renewal(f"P-{i}", 60) for i in range(6)])
    # the same key: one order, 49 replays of the same confirmation
    bodies = await parallel(api, CHECKOUT, [order(["P-0"], idempotencyKey="order-1")] * N, "tech@acme.com")
    assert codes(bodies) == {"OK": N}
    assert len({json.dumps(b["data"]["checkout"]["orderNumbers"]) for b in bodies}) == 1
    assert await one(api, "select count(*) from renewal_orders") == 1
    assert await one(api, "select count(*) from invoicing_invoices") == 1  # one renewal.accepted, one invoice
    # different keys racing for the same five renewals (ten requests each): one order per renewal
    variables = [order([f"P-{1 + i % 5}"], idempotencyKey=f"k-{i}") for i in range(N)]
    result = codes(await parallel(api, CHECKOUT, variables, "tech@acme.com"))
    assert result["OK"] == 5 and set(result) <= {"OK", "CONFLICT", "BAD_USER_INPUT"}, result
    assert await one(api, "select count(*) from renewal_orders") == 6
    assert await one(api, "select count(*) from invoicing_invoices") == 6
    accepted = await one(api, "select count(*) from renewal_renewals where accepted_at is not null")
    assert accepted == 6


async def test_pay_invoice_50_times_in_parallel(two_tenants):
    api = two_tenants
    await load_invoices(api, invoice("A-1", "2500.00"), invoice("A-2", "700.00"))
    same = pay_input("A-1", idempotencyKey="pay-1")
    bodies = await parallel(api, PAY, [same] * N, "fin@acme.com")
    assert codes(bodies) == {"OK": N}
    assert len({json.dumps(b["data"]["payInvoices"]["payment"]) for b in bodies}) == 1  # the first, replayed
    assert await ledger(api) == (1, 1)
    # different keys for the other invoice: one charge, the rest find nothing left to pay
    bodies = await parallel(api, PAY, [pay_input("A-2", idempotencyKey=f"p-{i}") for i in range(N)], "fin@acme.com")
    result = codes(bodies)
    assert result["OK"] == 1 and set(result) <= {"OK", "BAD_USER_INPUT", "CONFLICT"}, result
    assert await ledger(api) == (2, 2)
    paid = Decimal(await one(api, "select sum(amount) from invoicing_payments"))
    assert paid == Decimal("3200.00")  # conserved: exactly the two invoices' totals, nothing charged twice


async def test_redeem_rewards_50_times_in_parallel(api):
    code = await rewarded_acme(api)  # 300.00 of rewards for Acme
    for i in range(5):
        await make_invoice(api, "acme", f"INV-C{i}", [{**ELIGIBLE, "pre_tax": "120.00"}])
    same = redeem_input("INV-C0", code, "same-key", "20.00")
    bodies = await parallel(api, REDEEM, [same] * N, "fin@acme.com")
    assert codes(bodies) == {"OK": N}
    assert len({b["data"]["redeemRewards"]["id"] for b in bodies}) == 1
    assert await one(api, "select count(*) from rewards_redemptions") == 1
    assert await balance(api) == "280.00"
    # different keys, 20.00 each, over five invoices: 1,000.00 asked of 280.00 left
    variables = [redeem_input(f"INV-C{i % 5}", code, f"key-{i}", "20.00") for i in range(N)]
    result = codes(await parallel(api, REDEEM, variables, "fin@acme.com"))
    assert set(result) <= {"OK", "BAD_USER_INPUT", "CONFLICT"}, result
    redeemed = Decimal(await one(api, "select sum(amount) from rewards_redemptions" + ACME_ONLY))
    assert redeemed == Decimal("20.00") * (1 + result["OK"])
    assert redeemed <= Decimal("300.00")
    deposited, remaining, lowest = (
        Decimal(v)
        for v in (await api.sql("select sum(amount), sum(remaining), min(remaining) from rewards_lots" + ACME_ONLY))[0]
    )
    assert remaining == deposited - redeemed and lowest >= 0  # balances conserve
    assert Decimal(await balance(api)) == deposited - redeemed
    # no invoice got more rewards than its eligible pre-tax amount
    per_invoice = await api.sql("select invoice_number, sum(amount) from rewards_redemptions group by invoice_number")
    assert all(Decimal(total) <= Decimal("120.00") for _, total in per_invoice), per_invoice
