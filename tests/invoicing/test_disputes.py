"""Disputes through the endpoint (R-I20): FINANCE opens by invoice number, BILLING_SUPPORT resolves:
rebill (unpaid and paid cases), cancel without rebill (paid amount → other invoices, rest refunded), reject."""

from __future__ import annotations

from decimal import Decimal

from tests.invoicing.test_api import BS, CREDITS, INVOICE, PAY, invoice, load, pay_input

OPEN = """mutation($n: String!, $r: String!) { openInvoiceDispute(invoiceNumber: $n, reason: $r) {
  number invoiceNumber status reason openedBy } }"""
RESOLVE = """mutation($input: ResolveDisputeInput!) { resolveInvoiceDispute(input: $input) {
  number status rebillInvoiceNumber resolvedBy } }"""
DISPUTES = "{ invoiceDisputes { number status invoiceNumber } }"
STAFF = {"as_": BS[0], "staff": ["BILLING_SUPPORT"], "tenant": "acme"}


async def _open(api, number: str) -> str:
    return (await api.ok(OPEN, {"n": number, "r": "Billed twice for the same support"}, as_="fin@acme.com"))[
        "openInvoiceDispute"
    ]["number"]


async def test_only_finance_opens_and_only_billing_support_resolves(two_tenants):
    api = two_tenants
    await load(api, invoice("A-1", "2500.00"), invoice("G-1", "100.00", tenant="globex"))
    for who in ("tech@acme.com", "exec@acme.com"):
        assert await api.code(OPEN, {"n": "A-1", "r": "x"}, as_=who) == "FORBIDDEN"
    assert await api.code(OPEN, {"n": "G-1", "r": "x"}, as_="fin@acme.com") == "NOT_FOUND"
    assert await api.code(OPEN, {"n": "A-1", "r": " "}, as_="fin@acme.com") == "BAD_USER_INPUT"
    assert await api.code(OPEN, {"n": "A-1", "r": "x" * 2001}, as_="fin@acme.com") == "BAD_USER_INPUT"
    number = await _open(api, "A-1")
    assert await api.code(OPEN, {"n": "A-1", "r": "again"}, as_="fin@acme.com") == "CONFLICT"
    resolve = {"input": {"disputeNumber": number, "outcome": "REJECT"}}
    assert await api.code(RESOLVE, resolve, as_="fin@acme.com") == "FORBIDDEN"
    data = await api.ok(RESOLVE, resolve, **STAFF)
    assert data["resolveInvoiceDispute"]["status"] == "REJECTED"
    assert await api.code(RESOLVE, resolve, **STAFF) == "CONFLICT"
    inv = (await api.ok(INVOICE, {"n": "A-1"}, as_="fin@acme.com"))["invoice"]
    assert inv["status"] == "OPEN" and inv["balance"]["amount"] == "2500.00"


async def test_rebill_unpaid_invoice_with_corrected_line(two_tenants):
    api = two_tenants
    await load(api, invoice("A-1", "2500.00", "181.25"))
    number = await _open(api, "A-1")
    bad = {
        "input": {"disputeNumber": number, "outcome": "REBILL", "rebillLines": [{"position": 5, "preTaxAmount": "1"}]}
    }
    assert await api.code(RESOLVE, bad, **STAFF) == "BAD_USER_INPUT"
    ok = {
        "input": {
            "disputeNumber": number,
            "outcome": "REBILL",
            "rebillLines": [{"position": 0, "preTaxAmount": "2000.00"}],
        }
    }
    data = (await api.ok(RESOLVE, ok, **STAFF))["resolveInvoiceDispute"]
    assert data["status"] == "REBILLED"
    old = (await api.ok(INVOICE, {"n": "A-1"}, as_="fin@acme.com"))["invoice"]
    assert old["status"] == "CLOSED" and old["balance"]["amount"] == "0.00"
    new = (await api.ok(INVOICE, {"n": data["rebillInvoiceNumber"]}, as_="fin@acme.com"))["invoice"]
    assert new["preTaxTotal"]["amount"] == "2000.00"
    assert new["taxTotal"]["amount"] == "145.00"  # same tax rate as the original line (7.25 %)
    assert new["status"] == "OPEN" and new["orderNumber"] == "ORD-A-1"


async def test_rebill_paid_invoice_is_closed_with_the_original_payment(two_tenants):
    """The paid invoice is credited and rebilled lower: the new invoice is closed with the original
    payment and the excess becomes credit."""
    api = two_tenants
    await load(api, invoice("A-1", "3000.00"))
    await api.ok(PAY, pay_input("A-1"), as_="fin@acme.com")
    number = await _open(api, "A-1")
    req = {
        "input": {
            "disputeNumber": number,
            "outcome": "REBILL",
            "rebillLines": [{"position": 0, "preTaxAmount": "2400.00"}],
        }
    }
    data = (await api.ok(RESOLVE, req, **STAFF))["resolveInvoiceDispute"]
    new = (await api.ok(INVOICE, {"n": data["rebillInvoiceNumber"]}, as_="fin@acme.com"))["invoice"]
    assert new["status"] == "CLOSED" and new["amountPaid"]["amount"] == "2400.00"
    assert {p["method"] for p in new["payments"]} == {"CARD"}  # still the original card payment
    (credit,) = (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]
    assert credit["source"] == "DISPUTE" and credit["remaining"]["amount"] == "600.00"


async def test_cancel_paid_invoice_pays_other_invoices_then_refunds(two_tenants):
    api = two_tenants
    await load(api, invoice("A-1", "3000.00"), invoice("A-2", "1000.00", when="2026-11-24"))
    await api.ok(PAY, pay_input("A-1"), as_="fin@acme.com")
    number = await _open(api, "A-1")
    req = {"input": {"disputeNumber": number, "outcome": "CANCEL", "idempotencyKey": "cancel-1"}}
    data = (await api.ok(RESOLVE, req, **STAFF))["resolveInvoiceDispute"]
    assert data["status"] == "CANCELLED" and data["rebillInvoiceNumber"] is None
    assert (await api.ok(RESOLVE, req, **STAFF))["resolveInvoiceDispute"]["status"] == "CANCELLED"  # replay
    a2 = (await api.ok(INVOICE, {"n": "A-2"}, as_="fin@acme.com"))["invoice"]
    assert a2["status"] == "CLOSED"
    (credit,) = (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]
    assert credit["remaining"]["amount"] == "0.00"
    refunds = await api.sql("select amount from invoicing_refunds")
    assert [Decimal(str(r[0])) for r in refunds] == [Decimal("2000.00")]
    assert [d["status"] for d in (await api.ok(DISPUTES, as_="tech@acme.com"))["invoiceDisputes"]] == ["CANCELLED"]
