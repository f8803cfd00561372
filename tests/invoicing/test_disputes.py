"""Disputes through the endpoint (R-I20): FINANCE opens by invoice number, BILLING_SUPPORT resolves:
rebill (unpaid and paid cases — a rebill's first money is the disputed invoice's own payment), cancel
without rebill (paid amount → other invoices, rest refunded), reject; refunds are listed (R-I19)."""

from __future__ import annotations

from decimal import Decimal

from tests.invoicing.test_api import BS, CREDITS, INVOICE, PAY, RECEIPT, invoice, load, pay_input, receipt

OPEN = """mutation($n: String!, $r: String!) { openInvoiceDispute(invoiceNumber: $n, reason: $r) {
  number invoiceNumber status reason openedBy } }"""
RESOLVE = """mutation($input: ResolveDisputeInput!) { resolveInvoiceDispute(input: $input) {
  number status rebillInvoiceNumber resolvedBy } }"""
DISPUTES = "{ invoiceDisputes { nodes { number status invoiceNumber } } }"
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
    (credit,) = (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"]
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
    (credit,) = (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"]
    assert credit["remaining"]["amount"] == "0.00"
    refunds = await api.sql("select amount from invoicing_refunds")
    assert [Decimal(str(r[0])) for r in refunds] == [Decimal("2000.00")]
    assert [d["status"] for d in (await api.ok(DISPUTES, as_="tech@acme.com"))["invoiceDisputes"]["nodes"]] == [
        "CANCELLED"
    ]


async def _paid_invoice_and_older_credit(api) -> str:
    """A-1 of 1,000 paid by card; then X-1 of 100 overpaid by a 150 receipt, leaving an older,
    unrelated open credit of 50 (no unpaid invoice is left for it). Returns the credit's number."""
    await load(api, invoice("A-1", "1000.00"))
    await api.ok(PAY, pay_input("A-1"), as_="fin@acme.com")
    await load(api, invoice("X-1", "100.00", when="2026-11-20"))
    await api.ok(RECEIPT, receipt("150.00", "BANK-X1", number="X-1"), **STAFF)
    (older,) = (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"]
    assert (older["source"], older["remaining"]["amount"]) == ("OVERPAYMENT", "50.00")
    return older["number"]


async def _rebill(api, pre_tax: str) -> dict:
    number = await _open(api, "A-1")
    req = {
        "input": {
            "disputeNumber": number,
            "outcome": "REBILL",
            "rebillLines": [{"position": 0, "preTaxAmount": pre_tax}],
        }
    }
    data = (await api.ok(RESOLVE, req, **STAFF))["resolveInvoiceDispute"]
    return (await api.ok(INVOICE, {"n": data["rebillInvoiceNumber"]}, as_="fin@acme.com"))["invoice"]


async def test_rebill_is_paid_by_the_disputed_invoice_s_own_payment_first(two_tenants):
    """R-I20 (issue 24): a paid invoice of 1,000 is disputed and rebilled at 800 while an older,
    unrelated credit of 50 is open. The rebill is closed by 800 of the original payment — not 750 of it
    and 50 of the older credit; the remaining 200 of the original payment becomes credit; the older
    credit is untouched."""
    api = two_tenants
    older = await _paid_invoice_and_older_credit(api)
    new = await _rebill(api, "800.00")
    assert new["status"] == "CLOSED" and new["total"]["amount"] == "800.00"
    assert [(p["kind"], p["method"], p["amount"]["amount"]) for p in new["payments"]] == [
        ("TRANSFER", "CARD", "800.00")
    ]
    credits = {c["number"]: c for c in (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"]}
    assert credits[older]["remaining"]["amount"] == "50.00"  # untouched
    (freed,) = [c for n, c in credits.items() if n != older]
    assert (freed["source"], freed["amount"]["amount"], freed["remaining"]["amount"]) == (
        "DISPUTE",
        "1000.00",
        "200.00",
    )
    assert new["payments"][0]["creditNumber"] == freed["number"]


async def test_a_larger_rebill_takes_the_whole_original_payment_and_the_rest_stays_due(two_tenants):
    """R-I20: rebilled at 1,200 after 1,000 was paid: the original payment's 1,000 goes to the rebill
    first, the other 200 stays due."""
    api = two_tenants
    await load(api, invoice("A-1", "1000.00"))
    await api.ok(PAY, pay_input("A-1"), as_="fin@acme.com")
    new = await _rebill(api, "1200.00")
    assert new["status"] == "OPEN" and new["balance"]["amount"] == "200.00"
    assert [(p["kind"], p["amount"]["amount"]) for p in new["payments"]] == [("TRANSFER", "1000.00")]
    (credit,) = (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"]
    assert credit["source"] == "DISPUTE" and credit["remaining"]["amount"] == "0.00"


async def test_a_larger_rebill_is_paid_by_its_own_payment_before_an_older_credit(two_tenants):
    """R-I20, R-I19: with an older open credit of 50, a rebill of 1,200 after 1,000 paid is paid first
    with the original 1,000; only then, as for any unpaid invoice, does the older credit close part of
    the rest (150 stays due)."""
    api = two_tenants
    older = await _paid_invoice_and_older_credit(api)
    new = await _rebill(api, "1200.00")
    assert [(p["kind"], p["creditNumber"] == older, p["amount"]["amount"]) for p in new["payments"]] == [
        ("TRANSFER", False, "1000.00"),
        ("CREDIT", True, "50.00"),
    ]
    assert new["balance"]["amount"] == "150.00"


REFUNDS = """{ invoiceRefunds(first: 10) { totalCount pageInfo { hasNextPage endCursor }
  nodes { number status amount { amount currency } creditNumber creditSource paymentNumber createdAt } } }"""


async def test_refunds_are_listed_with_the_authorization_of_payments(two_tenants):
    """R-I19, R-I20, R-I2: the refund of a cancelled invoice's payment is listed in the graph (a
    connection like the payment history), on the invoice's document and in payments.csv — with the
    credit it came from, its amount, currency, date and status — to whoever may see the payments, and
    to no one else (another tenant, a person without a contact kind)."""
    import csv
    import io

    api = two_tenants
    await load(api, invoice("A-1", "3000.00"), invoice("G-1", "3000.00", tenant="globex", country="DE"))
    pay = (await api.ok(PAY, pay_input("A-1"), as_="fin@acme.com"))["payInvoices"]["payment"]["number"]
    number = await _open(api, "A-1")
    await api.ok(RESOLVE, {"input": {"disputeNumber": number, "outcome": "CANCEL"}}, **STAFF)
    (credit,) = (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"]
    for who in ({"as_": "exec@acme.com"}, {"as_": "fin@acme.com"}, STAFF):
        data = (await api.ok(REFUNDS, **who))["invoiceRefunds"]
        assert data["totalCount"] == 1
        (r,) = data["nodes"]
        assert (r["status"], r["amount"], r["creditNumber"], r["creditSource"], r["paymentNumber"]) == (
            "APPROVED",
            {"amount": "3000.00", "currency": "USD"},
            credit["number"],
            "DISPUTE",
            pay,
        )
        assert r["createdAt"].startswith("2026-11-23")
    assert await api.code(REFUNDS, as_="plain@acme.com") == "FORBIDDEN"
    assert (await api.ok(REFUNDS, as_="fin@globex.com"))["invoiceRefunds"]["totalCount"] == 0
    doc = await api.get("/invoicing/invoices/A-1/document", as_="tech@acme.com")
    assert doc.status_code == 200 and r["number"] in doc.text and credit["number"] in doc.text
    rows = list(csv.reader(io.StringIO((await api.get("/invoicing/payments.csv", as_="fin@acme.com")).text)))
    refund_rows = [row for row in rows if row[2] == "REFUND"]
    assert refund_rows == [
        [r["number"], "2026-11-23", "REFUND", "APPROVED", "USD", "3000.00", "", f"from credit {credit['number']}", ""]
    ]
    assert (await api.get("/invoicing/payments.csv", as_="plain@acme.com")).status_code == 403
    globex = (await api.get("/invoicing/payments.csv", as_="fin@globex.com")).text
    assert "REFUND" not in globex
