"""Double charge across workers (security issue, R-I16…R-I18): a card payment is a committed payment
intent first, the gateway is charged outside any transaction with the intent's key as its idempotency
key, and the intent is settled in a second transaction. Many concurrent payments of one invoice —
through one app or two sharing the database, as ``serve --workers 2`` does — charge the card once; a
gateway fault or a crash leaves an intent that a retry or the reconcile job settles from the gateway's
record, never a charge without a payment."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal

import httpx

from core.app import create_app, create_state
from core.settings import Settings
from plugins.invoicing.gateway import TestGateway, get_gateway, set_gateway
from tests.invoicing.test_api import INVOICE, PAY, invoice, ledger, load, pay_input

N = 50
DEADLINE = 120


def codes(bodies: list[dict]) -> Counter:
    for b in bodies:
        assert "INTERNAL_SERVER_ERROR" not in str(b), b
    return Counter(b["errors"][0]["extensions"]["code"] if b.get("errors") else "OK" for b in bodies)


async def intents(api) -> list[tuple]:
    return await api.sql("select status, claimed from invoicing_payment_intents order by id")


async def held(api) -> list[tuple]:
    return await api.sql("select number from invoicing_invoices where intent_id is not null")


async def test_test_gateway_honours_idempotency_keys():
    """The test gateway charges once per idempotency key and answers the first result for a repeat."""
    gw = TestGateway()
    first = await gw.charge("tok_visa_4242", Decimal("10.00"), "USD", "A-1", idempotency_key="pi_1")
    again = await gw.charge("tok_visa_4242", Decimal("10.00"), "USD", "A-1", idempotency_key="pi_1")
    assert first == again and gw.charges == [("tok_visa_4242", Decimal("10.00"), "USD")] and gw.calls == 2
    assert await gw.lookup("pi_1") == first and await gw.lookup("pi_2") is None
    await gw.charge("tok_visa_4242", Decimal("10.00"), "USD", "A-1", idempotency_key="pi_2")
    assert len(gw.charges) == 2


async def test_50_concurrent_card_payments_of_one_invoice_charge_once(two_tenants):
    """R-I17: 50 simultaneous card payments of one invoice, with different idempotency keys or none:
    one intent holds the invoice, the others are refused (CONFLICT while it is in flight, BAD_USER_INPUT
    once it is paid); exactly one gateway charge and one payment; the hold is released."""
    api = two_tenants
    await load(api, invoice("A-1", "2500.00"))
    gw = get_gateway(api.state)
    variables = [pay_input("A-1", idempotencyKey=f"k-{i}") if i % 2 else pay_input("A-1") for i in range(N)]
    bodies = await asyncio.wait_for(asyncio.gather(*(api.gql(PAY, v, as_="fin@acme.com") for v in variables)), DEADLINE)
    result = codes(bodies)
    assert result["OK"] == 1 and set(result) <= {"OK", "CONFLICT", "BAD_USER_INPUT"}, result
    assert len(gw.charges) == 1 and gw.charges[0][1] == Decimal("2500.00")
    assert await ledger(api) == (1, 1)
    assert await intents(api) == [("SUCCEEDED", False)] and await held(api) == []
    inv = (await api.ok(INVOICE, {"n": "A-1"}, as_="fin@acme.com"))["invoice"]
    assert inv["status"] == "CLOSED" and inv["amountPaid"]["amount"] == "2500.00"


async def test_50_repeats_of_one_key_charge_once_and_answer_the_same_payment(two_tenants):
    """R-I17: the same idempotency key 50 times at once joins one intent: one charge, one payment, and
    every answer is that payment (on PostgreSQL the repeats wait for the first one's outcome)."""
    api = two_tenants
    await load(api, invoice("A-1", "2500.00"))
    bodies = await asyncio.wait_for(
        asyncio.gather(*(api.gql(PAY, pay_input("A-1", idempotencyKey="same"), as_="fin@acme.com") for _ in range(N))),
        DEADLINE,
    )
    assert codes(bodies) == {"OK": N}
    assert len({str(b["data"]["payInvoices"]["payment"]) for b in bodies}) == 1
    assert len(get_gateway(api.state).charges) == 1 and await ledger(api) == (1, 1)


async def test_two_workers_sharing_the_database_charge_once(two_tenants):
    """R-I17 (the issue: ``serve --workers 2``): two app processes — each with its own in-process write
    lock and connection pool — share the database and the card processor. 50 payments of one invoice
    spread over both: the intent's hold in the database, not a process lock, lets exactly one charge
    through."""
    api = two_tenants
    await load(api, invoice("A-1", "2500.00"))
    gw = get_gateway(api.state)
    second = create_state(Settings(database_url=api.state.settings.database_url), clock=api.clock)
    set_gateway(second, gw)  # one card processor behind both workers
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(second)), base_url="http://test")
    try:
        headers = api.headers("fin@acme.com")

        async def pay(i: int) -> dict:
            target = api.client if i % 2 else client
            resp = await target.post(
                "/graphql", json={"query": PAY, "variables": pay_input("A-1", idempotencyKey=f"w-{i}")}, headers=headers
            )
            return resp.json()

        bodies = await asyncio.wait_for(asyncio.gather(*(pay(i) for i in range(N))), DEADLINE)
    finally:
        await client.aclose()
        await second.engine.dispose()
    result = codes(bodies)
    assert result["OK"] == 1 and set(result) <= {"OK", "CONFLICT", "BAD_USER_INPUT", "SERVICE_UNAVAILABLE"}, result
    assert len(gw.charges) == 1
    assert await ledger(api) == (1, 1)
    assert (await api.sql("select count(*) from invoicing_payment_intents where status = 'SUCCEEDED'"))[0][0] == 1
    assert await held(api) == []


async def test_a_lost_gateway_answer_is_reconciled_by_the_job(two_tenants):
    """R-I17, R-I18: the card is charged but the gateway's answer is lost. The request fails with a
    retryable SERVICE_UNAVAILABLE and records no payment; the intent keeps the invoice held (paying
    again is a CONFLICT, no second charge); the reconcile job asks the gateway about the intent's key
    and records the payment; running it again does nothing."""
    api = two_tenants
    await load(api, invoice("A-1", "2500.00"))
    gw = get_gateway(api.state)
    gw.fail_next = "after"
    err = await api.error(PAY, pay_input("A-1"), as_="fin@acme.com")
    assert err["extensions"]["code"] == "SERVICE_UNAVAILABLE" and err["extensions"].get("retryable")
    assert len(gw.charges) == 1 and await ledger(api) == (0, 0)
    assert await intents(api) == [("PENDING", False)] and await held(api) == [("A-1",)]
    assert await api.code(PAY, pay_input("A-1", cardToken="tok_visa_1111"), as_="fin@acme.com") == "CONFLICT"
    assert len(gw.charges) == 1
    assert (await api.run_jobs("invoicing.reconcile_card_payments"))["invoicing.reconcile_card_payments"] == 1
    assert (await api.run_jobs("invoicing.reconcile_card_payments"))["invoicing.reconcile_card_payments"] == 0
    assert len(gw.charges) == 1 and await ledger(api) == (1, 1)
    assert await intents(api) == [("SUCCEEDED", False)] and await held(api) == []
    inv = (await api.ok(INVOICE, {"n": "A-1"}, as_="fin@acme.com"))["invoice"]
    assert inv["status"] == "CLOSED" and [p["method"] for p in inv["payments"]] == ["CARD"]


async def test_a_retry_with_the_same_key_finishes_the_payment_without_a_second_charge(two_tenants):
    """R-I17: after a lost answer, the client's retry with the same idempotency key drives the same
    intent: the gateway answers the first charge for its key, and the payment is recorded once."""
    api = two_tenants
    await load(api, invoice("A-1", "2500.00"))
    gw = get_gateway(api.state)
    gw.fail_next = "after"
    assert await api.code(PAY, pay_input("A-1", idempotencyKey="retry-1"), as_="fin@acme.com") == "SERVICE_UNAVAILABLE"
    data = (await api.ok(PAY, pay_input("A-1", idempotencyKey="retry-1"), as_="fin@acme.com"))["payInvoices"]
    assert data["payment"]["status"] == "SUCCEEDED" and data["invoices"][0]["status"] == "CLOSED"
    again = (await api.ok(PAY, pay_input("A-1", idempotencyKey="retry-1"), as_="fin@acme.com"))["payInvoices"]
    assert again["payment"]["number"] == data["payment"]["number"]
    assert len(gw.charges) == 1 and await ledger(api) == (1, 1)
    other = pay_input("A-1", idempotencyKey="retry-1", cardToken="tok_mc_5555")
    assert await api.code(PAY, other, as_="fin@acme.com") == "CONFLICT"


async def test_an_unreachable_gateway_leaves_an_intent_the_job_cancels(two_tenants):
    """R-I18: the gateway never received the charge: the job finds no record of the intent's key and
    cancels it, releasing the invoice, which is then paid normally — one charge in all."""
    api = two_tenants
    await load(api, invoice("A-1", "2500.00"))
    gw = get_gateway(api.state)
    gw.fail_next = "before"
    assert await api.code(PAY, pay_input("A-1"), as_="fin@acme.com") == "SERVICE_UNAVAILABLE"
    assert gw.charges == [] and await held(api) == [("A-1",)]
    assert (await api.run_jobs("invoicing.reconcile_card_payments"))["invoicing.reconcile_card_payments"] == 1
    assert await intents(api) == [("CANCELLED", False)] and await held(api) == [] and await ledger(api) == (0, 0)
    data = (await api.ok(PAY, pay_input("A-1"), as_="fin@acme.com"))["payInvoices"]
    assert data["invoices"][0]["status"] == "CLOSED" and len(gw.charges) == 1


async def test_a_crashed_worker_s_intent_is_reconciled_once_its_claim_is_stale(two_tenants):
    """R-I17: a worker that died between charge and settlement still holds its claim on the intent; the
    job leaves it alone while it may still be running, and settles it from the gateway once the claim
    is older than the stale limit."""
    from datetime import timedelta

    from plugins.invoicing.service import INTENT_STALE_AFTER

    api = two_tenants
    await load(api, invoice("A-1", "2500.00"))
    gw = get_gateway(api.state)
    gw.fail_next = "after"
    await api.error(PAY, pay_input("A-1"), as_="fin@acme.com")
    await api.sql("update invoicing_payment_intents set claimed = :t", t=True)  # as if the worker died
    assert (await api.run_jobs("invoicing.reconcile_card_payments"))["invoicing.reconcile_card_payments"] == 0
    api.clock.advance(seconds=int((INTENT_STALE_AFTER + timedelta(minutes=1)).total_seconds()))
    assert (await api.run_jobs("invoicing.reconcile_card_payments"))["invoicing.reconcile_card_payments"] == 1
    assert len(gw.charges) == 1 and await ledger(api) == (1, 1) and await held(api) == []


async def test_a_declined_card_releases_the_invoice(two_tenants):
    """R-I18: a declined card is a FAILED payment and a FAILED intent; the invoice is free again at once."""
    api = two_tenants
    await load(api, invoice("A-1", "2500.00"))
    data = (await api.ok(PAY, pay_input("A-1", cardToken="tok_decline_0002"), as_="fin@acme.com"))["payInvoices"]
    assert data["payment"]["status"] == "FAILED"
    assert await intents(api) == [("FAILED", False)] and await held(api) == []
    data = (await api.ok(PAY, pay_input("A-1"), as_="fin@acme.com"))["payInvoices"]
    assert data["payment"]["status"] == "SUCCEEDED"


async def test_a_receipt_recorded_while_the_card_was_charged_leaves_a_credit(two_tenants):
    """R-I17, R-I19: billing support records a wire for a held invoice between the charge and its
    settlement. The charge is still money received: the settlement applies what the invoice still
    owes and the excess is an OVERPAYMENT credit (the ORM path on PostgreSQL too, beside the one
    statement of a settlement without excess); the ledger sums hold."""
    from tests.invoicing.test_api import BS, CREDITS, RECORD

    api = two_tenants
    await load(api, invoice("A-1", "2500.00"))
    gw = get_gateway(api.state)
    gw.fail_next = "after"  # charged, the answer lost: the intent stays PENDING, the invoice held
    assert await api.code(PAY, pay_input("A-1"), as_="fin@acme.com") == "SERVICE_UNAVAILABLE"
    rec = {
        "input": {
            "invoices": [{"invoiceNumber": "A-1", "amount": "1000.00"}],
            "method": "WIRE",
            "reference": "B-1",
            "amount": "1000.00",
        }
    }
    await api.ok(RECORD, rec, as_=BS[0], staff=["BILLING_SUPPORT"], tenant="acme")
    assert (await api.run_jobs("invoicing.reconcile_card_payments"))["invoicing.reconcile_card_payments"] == 1
    assert len(gw.charges) == 1 and await intents(api) == [("SUCCEEDED", False)] and await held(api) == []
    inv = (await api.ok(INVOICE, {"n": "A-1"}, as_="fin@acme.com"))["invoice"]
    assert inv["status"] == "CLOSED"
    (credit,) = (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"]
    assert credit["source"] == "OVERPAYMENT" and credit["amount"]["amount"] == "1000.00"
    paid = await api.sql("select coalesce(sum(amount), 0) from invoicing_payments where status = 'SUCCEEDED'")
    applied = await api.sql("select coalesce(sum(amount), 0) from invoicing_applications")
    open_credit = await api.sql("select coalesce(sum(remaining), 0) from invoicing_credits")
    assert Decimal(paid[0][0]) == Decimal(applied[0][0]) + Decimal(open_credit[0][0]) == Decimal("3500.00")
