"""Invoicing through the GraphQL endpoint (R-I1…R-I5, R-I14…R-I19): lists by status, detail, pay by
card / wire with the R-I16 thresholds, idempotency, declined cards, wires, overpayment credit,
authorization by contact kind, tenant isolation and bad input changing nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from plugins.invoicing.gateway import get_gateway

INVOICE_FIELDS = """number status invoiceDate dueDate orderNumber poNumber currency displayTotal
  preTaxTotal { amount currency } taxTotal { amount } total { amount } balance { amount }
  amountPaid { amount } pendingAmount { amount } billingEmail ccEmails documentUrl
  lines { position product category program productFamily bundlesLicense preTaxAmount { amount } taxAmount { amount } }
  payments { paymentNumber creditNumber method kind amount { amount } }"""
INVOICES = (
    "query($s: InvoiceStatus, $first: Int, $after: String) { invoices(status: $s, first: $first, after: $after) {"
)
INVOICES += " totalCount pageInfo { hasNextPage endCursor } nodes { " + INVOICE_FIELDS + " } } }"
INVOICE = "query($n: String!) { invoice(number: $n) { " + INVOICE_FIELDS + " } }"
COUNTS = "{ invoiceCounts { overdue open closed } }"
PAY = """mutation($input: PayInvoicesInput!) { payInvoices(input: $input) {
  payment { number method status amount { amount currency } cardLast4 failureReason arrivesOn settlesOn
    allocations { invoiceNumber amount { amount } } }
  invoices { number status balance { amount } pendingAmount { amount } } } }"""
RECORD = """mutation($input: RecordPaymentInput!) { recordInvoicePayment(input: $input) {
  payment { number status amount { amount } } invoices { number status balance { amount } } } }"""
RECEIPT = """mutation($input: RecordWireReceiptInput!) { recordWireReceipt(input: $input) {
  payment { number method status amount { amount currency } allocations { invoiceNumber amount { amount } } }
  invoices { number status balance { amount } pendingAmount { amount } } } }"""
CREDITS = "{ invoiceCredits { nodes { number source amount { amount } remaining { amount } } } }"
REFUND = "mutation($c: String!) { refundInvoiceCredit(creditNumber: $c) { creditNumber amount { amount } } }"
BS = ("bs@vendor.example",)
STAFF = {"as_": BS[0], "staff": ["BILLING_SUPPORT"], "tenant": "acme"}


def receipt(amount: str, ref: str, *, number: str | None = None, currency: str = "USD", **kw: Any) -> dict:
    """A recordWireReceipt input: money that arrived at the bank (R-I17)."""
    data = {"amount": amount, "currency": currency, "receivedOn": "2026-11-23", "bankReference": ref, **kw}
    if number:
        data["invoiceNumber"] = number
    return {"input": data}


def invoice(number: str, pre_tax: str, tax: str = "0.00", *, tenant: str = "acme", when: str = "2026-11-23", **kw: Any):
    item = {
        "tenant": tenant,
        "number": number,
        "invoiceDate": when,
        "currency": kw.pop("currency", "USD"),
        "country": kw.pop("country", "US"),
        "orderNumber": kw.pop("order", f"ORD-{number}"),
        "billingEmail": f"fin@{tenant}.com",
        "lines": [
            {
                "product": "Database support",
                "category": "SUPPORT_RENEWAL",
                "productFamily": "DATABASE",
                "preTaxAmount": pre_tax,
                "taxAmount": tax,
            }
        ],
    }
    item.update(kw)
    return item


async def load(api, *items) -> None:
    await api.load({"invoices": list(items)})


def pay_input(*numbers: str, method: str = "CARD", **kw: Any) -> dict[str, Any]:
    data = {"invoices": [{"invoiceNumber": n} for n in numbers], "method": method}
    if method == "CARD" and "savedCardId" not in kw:
        data["cardToken"] = "tok_visa_4242"
    data.update(kw)
    return {"input": data}


async def counted(api, query: str, variables: dict[str, Any], headers: dict[str, str]) -> tuple[dict, int]:
    """Run a query with a fixed token (a fresh token would record a new sign-in: one more statement)
    and count its SQL statements."""
    with api.count_statements() as st:
        resp = await api.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    body = resp.json()
    assert not body.get("errors"), body["errors"]
    return body["data"], len(st)


async def ledger(api) -> tuple[int, int]:
    payments = (await api.sql("select count(*) from invoicing_payments"))[0][0]
    apps = (await api.sql("select count(*) from invoicing_applications"))[0][0]
    return payments, apps


# ------------------------------------------------------------------------------------------- reads
async def test_lists_by_status_day_30_open_day_31_overdue(two_tenants):
    """R-I1, R-I4: the same invoice is OPEN on day 30 after its date and OVERDUE on day 31."""
    api = two_tenants
    await load(api, invoice("A-1", "100.00", "7.25", when="2026-10-24"), invoice("A-2", "50.00"))
    api.clock.set(date(2026, 11, 23))  # A-1 is 30 days old
    data = await api.ok(INVOICES, {"s": "OPEN"}, as_="fin@acme.com")
    assert {n["number"] for n in data["invoices"]["nodes"]} == {"A-1", "A-2"}
    a1 = (await api.ok(INVOICE, {"n": "A-1"}, as_="tech@acme.com"))["invoice"]
    assert a1["dueDate"] == "2026-11-23" and a1["status"] == "OPEN"
    assert a1["total"]["amount"] == "107.25" and a1["taxTotal"]["amount"] == "7.25"
    assert a1["lines"][0]["preTaxAmount"]["amount"] == "100.00" and a1["lines"][0]["taxAmount"]["amount"] == "7.25"
    api.clock.advance(days=1)  # day 31
    data = await api.ok(INVOICES, {"s": "OVERDUE"}, as_="fin@acme.com")
    assert [n["number"] for n in data["invoices"]["nodes"]] == ["A-1"]
    assert data["invoices"]["nodes"][0]["status"] == "OVERDUE"
    await api.ok(PAY, pay_input("A-2"), as_="fin@acme.com")
    assert (await api.ok(COUNTS, as_="exec@acme.com"))["invoiceCounts"] == {"overdue": 1, "open": 0, "closed": 1}
    closed = (await api.ok(INVOICES, {"s": "CLOSED"}, as_="fin@acme.com"))["invoices"]["nodes"]
    assert [(n["number"], n["status"], n["balance"]["amount"]) for n in closed] == [("A-2", "CLOSED", "0.00")]


async def test_an_invoice_says_what_issued_it_as_an_enum(two_tenants):
    """``Invoice.source`` is the InvoiceSource enum (issue 18's conventions), the same value on the list
    (compiled read) and on the single invoice (resolvers); a dispute's corrected invoice is a REBILL."""
    api = two_tenants
    await load(api, invoice("INV-S1", "100.00"))
    listed = await api.ok("{ invoices(first: 5) { nodes { number source } } }", as_="fin@acme.com")
    assert listed["invoices"]["nodes"] == [{"number": "INV-S1", "source": "IMPORT"}]
    one = await api.ok('{ invoice(number: "INV-S1") { source } }', as_="fin@acme.com")
    assert one["invoice"]["source"] == "IMPORT"
    await api.sql("update invoicing_invoices set source = 'REBILL' where number = 'INV-S1'")
    assert (await api.ok('{ invoice(number: "INV-S1") { source } }', as_="fin@acme.com"))["invoice"][
        "source"
    ] == "REBILL"
    kind = await api.ok(
        '{ __type(name: "InvoiceSource") { kind enumValues { name description } } }', as_="fin@acme.com"
    )
    values = kind["__type"]["enumValues"]
    assert kind["__type"]["kind"] == "ENUM" and all(v["description"] for v in values)
    assert {v["name"] for v in values} == {"RENEWAL", "SCHEDULE", "USAGE", "REBILL", "IMPORT", "MANUAL"}


async def test_roles_and_tenant_isolation(two_tenants):
    """§6: FINANCE pays; TECHNICAL / EXECUTIVE view only; a person with no contact kind sees nothing;
    another tenant's invoice number is NOT_FOUND and never leaks."""
    api = two_tenants
    await load(api, invoice("A-1", "2500.00"), invoice("G-1", "900.00", tenant="globex"))
    for who in ("tech@acme.com", "exec@acme.com"):
        assert await api.code(PAY, pay_input("A-1"), as_=who) == "FORBIDDEN"
    assert await api.code(INVOICES, as_="plain@acme.com") == "FORBIDDEN"
    assert await api.code(INVOICE, {"n": "G-1"}, as_="fin@acme.com") == "NOT_FOUND"
    err = await api.error(PAY, pay_input("G-1"), as_="fin@acme.com")
    assert err["extensions"]["code"] == "NOT_FOUND" and "900" not in str(err)
    nodes = (await api.ok(INVOICES, as_="fin@acme.com"))["invoices"]["nodes"]
    assert [n["number"] for n in nodes] == ["A-1"]
    assert await ledger(api) == (0, 0)
    data = await api.ok(PAY, pay_input("A-1"), as_="fin@acme.com")
    assert data["payInvoices"]["payment"]["status"] == "SUCCEEDED"
    # billing support acts in a tenant only with the X-Tenant header, and cannot pay for the customer
    assert await api.code(PAY, pay_input("G-1"), as_=BS[0], staff=["BILLING_SUPPORT"], tenant="globex") == "FORBIDDEN"
    g1 = await api.ok(INVOICE, {"n": "G-1"}, as_=BS[0], staff=["BILLING_SUPPORT"], tenant="globex")
    assert g1["invoice"]["number"] == "G-1"


async def test_card_limit_99999_99_vs_100000_00_including_tax(two_tenants):
    """R-I16: a card pays an invoice whose total incl. tax is ≤ USD 99,999.99; 100,000.00 is refused."""
    api = two_tenants
    await load(api, invoice("OK", "93256.40", "6743.59"), invoice("BIG", "93256.41", "6743.59"))
    err = await api.error(PAY, pay_input("BIG"), as_="fin@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "99,999.99" in err["message"]
    assert await ledger(api) == (0, 0)
    assert get_gateway(api.state).charges == [] or all(c[0] != "BIG" for c in get_gateway(api.state).charges)
    data = await api.ok(PAY, pay_input("OK"), as_="fin@acme.com")
    assert data["payInvoices"]["payment"]["amount"]["amount"] == "99999.99"
    assert data["payInvoices"]["payment"]["cardLast4"] == "4242"
    assert data["payInvoices"]["invoices"][0]["status"] == "CLOSED"
    # the big one is paid by wire instead
    data = await api.ok(PAY, pay_input("BIG", method="WIRE"), as_="fin@acme.com")
    assert data["payInvoices"]["payment"]["status"] == "PENDING"
    stored = await api.sql("select card_token, card_last4 from invoicing_payments where method = 'CARD'")
    assert stored == [("tok_visa_4242", "4242")]  # a token and four digits only


async def test_card_only_below_2000_and_no_combining_orders(two_tenants):
    """R-I16: USD 1,999.99 must be paid by card; 2,000.00 may be wired; two orders under the threshold
    cannot be combined into one wire to get over it."""
    api = two_tenants
    await load(
        api,
        invoice("SMALL", "1999.99"),
        invoice("EDGE", "2000.00"),
        invoice("B1", "1500.00"),
        invoice("B2", "1500.00"),
        invoice("INDIA", "100.00", country="IN"),
    )
    err = await api.error(PAY, pay_input("SMALL", method="WIRE"), as_="fin@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "card is the only" in err["message"]
    err = await api.error(PAY, pay_input("B1", "B2", method="WIRE"), as_="fin@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert await ledger(api) == (0, 0)
    assert (await api.ok(PAY, pay_input("EDGE", method="WIRE"), as_="fin@acme.com"))["payInvoices"]["payment"][
        "status"
    ] == "PENDING"
    assert (await api.ok(PAY, pay_input("SMALL"), as_="fin@acme.com"))["payInvoices"]["payment"][
        "status"
    ] == "SUCCEEDED"
    # where cards are not accepted, the card is refused and a wire is fine whatever the amount
    assert await api.code(PAY, pay_input("INDIA"), as_="fin@acme.com") == "BAD_USER_INPUT"
    await api.ok(PAY, pay_input("INDIA", method="WIRE"), as_="fin@acme.com")


async def test_idempotency_key_replays_first_result_and_charges_once(two_tenants):
    api = two_tenants
    await load(api, invoice("A-1", "500.00"))
    gw = get_gateway(api.state)
    before = len(gw.charges)
    vars_ = pay_input("A-1", idempotencyKey="k-1")
    first = (await api.ok(PAY, vars_, as_="fin@acme.com"))["payInvoices"]
    again = (await api.ok(PAY, vars_, as_="fin@acme.com"))["payInvoices"]
    assert first["payment"]["number"] == again["payment"]["number"]
    assert len(gw.charges) == before + 1
    assert await ledger(api) == (1, 1)
    other = pay_input("A-1", idempotencyKey="k-1", cardToken="tok_mc_5555")
    assert await api.code(PAY, other, as_="fin@acme.com") == "CONFLICT"


async def test_declined_card_can_be_retried_or_paid_by_wire(two_tenants):
    """R-I18: the failed payment is recorded, the invoice is unchanged; a retry or a wire pays it."""
    api = two_tenants
    await load(api, invoice("A-1", "2500.00"), invoice("A-2", "2500.00"))
    data = (await api.ok(PAY, pay_input("A-1", cardToken="tok_decline_0002"), as_="fin@acme.com"))["payInvoices"]
    assert data["payment"]["status"] == "FAILED" and data["payment"]["failureReason"]
    assert data["invoices"][0]["balance"]["amount"] == "2500.00"
    data = (await api.ok(PAY, pay_input("A-1", cardToken="tok_visa_1111"), as_="fin@acme.com"))["payInvoices"]
    assert data["payment"]["status"] == "SUCCEEDED" and data["invoices"][0]["status"] == "CLOSED"
    get_gateway(api.state).decline_all = True
    try:
        data = (await api.ok(PAY, pay_input("A-2"), as_="fin@acme.com"))["payInvoices"]
        assert data["payment"]["status"] == "FAILED"
        data = (await api.ok(PAY, pay_input("A-2", method="WIRE"), as_="fin@acme.com"))["payInvoices"]
        assert data["payment"]["status"] == "PENDING"
    finally:
        get_gateway(api.state).decline_all = False


async def test_wire_notice_changes_no_balance_until_the_receipt(two_tenants):
    """R-I17: a wire announced on Thursday is expected Monday and to close Tuesday, but the calendar
    closes nothing: the invoice stays OPEN, the job marks the notice OVERDUE on Wednesday (the invoice is
    payable again), and only the receipt billing support records closes it, matching the notice."""
    api = two_tenants
    api.clock.set(date(2026, 11, 26))  # Thursday
    await load(api, invoice("A-1", "5000.00", when="2026-11-26"))
    pay = (await api.ok(PAY, pay_input("A-1", method="WIRE"), as_="fin@acme.com"))["payInvoices"]
    assert (pay["payment"]["arrivesOn"], pay["payment"]["settlesOn"]) == ("2026-11-30", "2026-12-01")
    assert pay["payment"]["status"] == "PENDING"
    assert pay["invoices"][0]["pendingAmount"]["amount"] == "5000.00"
    assert pay["invoices"][0]["balance"]["amount"] == "5000.00"  # a notice changes no balance
    # the announced wire already covers it: paying again is refused
    assert await api.code(PAY, pay_input("A-1"), as_="fin@acme.com") == "BAD_USER_INPUT"
    for day in (30, 31):
        api.clock.set(date(2026, 11, 30) + timedelta(days=day - 30))  # Monday, Tuesday: closing day
        assert (await api.run_jobs("invoicing.wire_settlement"))["invoicing.wire_settlement"] == 0
        assert (await api.ok(INVOICE, {"n": "A-1"}, as_="fin@acme.com"))["invoice"]["status"] == "OPEN"
    api.clock.set(date(2026, 12, 2))  # Wednesday: no money came
    assert (await api.run_jobs("invoicing.wire_settlement"))["invoicing.wire_settlement"] == 1
    assert (await api.run_jobs("invoicing.wire_settlement"))["invoicing.wire_settlement"] == 0  # idempotent
    inv = (await api.ok(INVOICE, {"n": "A-1"}, as_="fin@acme.com"))["invoice"]
    assert (inv["status"], inv["balance"]["amount"], inv["pendingAmount"]["amount"]) == ("OPEN", "5000.00", "0.00")
    assert inv["payments"] == [] and await ledger(api) == (1, 0)  # the notice, nothing applied
    data = (await api.ok(RECEIPT, receipt("5000.00", "BANK-77", number="A-1"), **STAFF))["recordWireReceipt"]
    assert data["payment"]["status"] == "SUCCEEDED" and data["invoices"][0]["status"] == "CLOSED"
    inv = (await api.ok(INVOICE, {"n": "A-1"}, as_="fin@acme.com"))["invoice"]
    assert [(p["method"], p["amount"]["amount"]) for p in inv["payments"]] == [("WIRE", "5000.00")]
    q = "{ invoicePayments(first: 10) { nodes { status method amount { amount } } } }"
    nodes = (await api.ok(q, as_="fin@acme.com"))["invoicePayments"]["nodes"]
    assert [n["status"] for n in nodes] == ["SUCCEEDED", "MATCHED"]  # the receipt, then its notice


async def test_overpayment_becomes_credit_closing_other_invoices_then_refund(two_tenants):
    """R-I19: an overpaid wire closes the next unpaid invoice; what is left is refunded only when no
    unpaid invoices remain."""
    api = two_tenants
    await load(api, invoice("A-1", "3000.00"), invoice("A-2", "2500.00", when="2026-11-24"))
    rec = {
        "input": {"invoices": [{"invoiceNumber": "A-1"}], "method": "WIRE", "reference": "BANK-1", "amount": "6000.00"}
    }
    assert await api.code(RECORD, rec, as_="fin@acme.com") == "FORBIDDEN"  # customers do not record payments
    data = (await api.ok(RECORD, rec, as_=BS[0], staff=["BILLING_SUPPORT"], tenant="acme"))["recordInvoicePayment"]
    assert data["invoices"][0]["status"] == "CLOSED"
    a2 = (await api.ok(INVOICE, {"n": "A-2"}, as_="fin@acme.com"))["invoice"]
    assert a2["status"] == "CLOSED" and a2["payments"][0]["kind"] == "CREDIT"
    (credit,) = (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"]
    assert credit["source"] == "OVERPAYMENT" and credit["amount"]["amount"] == "3000.00"
    assert credit["remaining"]["amount"] == "500.00"
    await load(api, invoice("A-3", "200.00", when="2026-11-25"))  # a new invoice takes from the credit
    assert (await api.ok(INVOICE, {"n": "A-3"}, as_="fin@acme.com"))["invoice"]["status"] == "CLOSED"
    data = await api.ok(REFUND, {"c": credit["number"]}, as_="fin@acme.com")
    assert data["refundInvoiceCredit"]["amount"]["amount"] == "300.00"
    assert await api.code(REFUND, {"c": credit["number"]}, as_="fin@acme.com") == "CONFLICT"


async def test_bad_input_changes_nothing(two_tenants):
    api = two_tenants
    await load(api, invoice("A-1", "2500.00"), invoice("E-1", "2500.00", currency="EUR", country="DE"))
    cases = [
        pay_input("A-1", invoices=[{"invoiceNumber": "A-1", "amount": "2500.01"}]),  # more than due
        pay_input("A-1", invoices=[{"invoiceNumber": "A-1", "amount": "-1"}]),
        pay_input("A-1", invoices=[{"invoiceNumber": "A-1", "amount": "1.001"}]),
        pay_input("A-1", cardToken="4111111111111111"),  # a card number is never accepted
        pay_input("A-1", "E-1"),  # mixed currencies
        pay_input("A-1", "A-1"),
        {"input": {"invoices": [], "method": "CARD", "cardToken": "tok_x_1234"}},  # must cite an invoice
    ]
    for case in cases:
        assert await api.code(PAY, case, as_="fin@acme.com") == "BAD_USER_INPUT", case
    assert await ledger(api) == (0, 0)
    inv = (await api.ok(INVOICE, {"n": "A-1"}, as_="fin@acme.com"))["invoice"]
    assert inv["balance"]["amount"] == "2500.00"


async def test_partial_payments_then_rest(two_tenants):
    api = two_tenants
    await load(api, invoice("A-1", "2500.00", "181.25"))
    part = pay_input("A-1", invoices=[{"invoiceNumber": "A-1", "amount": "1000.00"}])
    data = (await api.ok(PAY, part, as_="fin@acme.com"))["payInvoices"]
    assert data["invoices"][0]["balance"]["amount"] == "1681.25" and data["invoices"][0]["status"] == "OPEN"
    data = (await api.ok(PAY, pay_input("A-1"), as_="fin@acme.com"))["payInvoices"]
    assert data["payment"]["amount"]["amount"] == "1681.25" and data["invoices"][0]["status"] == "CLOSED"


async def test_page_of_10_and_100_invoices_cost_the_same_statements(two_tenants):
    api = two_tenants
    await load(
        api, *[invoice(f"A-{i:03d}", "10.00", when=str(date(2026, 1, 1) + timedelta(days=i))) for i in range(100)]
    )
    api.clock.set(date(2026, 6, 1))
    headers = api.headers("fin@acme.com")
    await counted(api, INVOICES, {"first": 1}, headers)  # warm-up: sign-in record, policy cache
    counts = []
    for first in (10, 100):
        data, n = await counted(api, INVOICES, {"first": first}, headers)
        assert len(data["invoices"]["nodes"]) == first
        counts.append(n)
    assert counts[0] == counts[1]


async def test_keyset_pages_cover_every_invoice_once(two_tenants):
    api = two_tenants
    await load(api, *[invoice(f"A-{i:02d}", "10.00", when="2026-11-01") for i in range(7)])
    seen, after = [], None
    while True:
        data = (await api.ok(INVOICES, {"first": 3, "after": after}, as_="fin@acme.com"))["invoices"]
        seen += [n["number"] for n in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert sorted(seen) == [f"A-{i:02d}" for i in range(7)] and len(seen) == 7


async def test_email_invoice_list(two_tenants, smtp):
    """R-I2: the invoice list can be emailed (outbox → SMTP)."""
    api = two_tenants
    await load(api, invoice("A-1", "100.00"), invoice("A-2", "200.00"))
    q = "mutation($s: InvoiceStatus) { emailInvoiceList(status: $s) { to invoices } }"
    data = await api.ok(q, {"s": "OPEN"}, as_="fin@acme.com")
    assert data["emailInvoiceList"] == {"to": "fin@acme.com", "invoices": 2}
    assert await api.code(q, {}, as_="plain@acme.com") == "FORBIDDEN"
    await api.run_jobs("outbox.deliver")
    (mail,) = smtp.to("fin@acme.com")
    assert "A-1" in mail.get_body(("plain",)).get_content() and "A-2" in mail.get_body(("plain",)).get_content()


async def test_concurrent_payments_of_one_invoice_charge_once(two_tenants):
    """R-I17: two simultaneous full card payments of the same invoice: the first one's payment intent
    holds the invoice, so the other is refused — CONFLICT while the first is in flight, or nothing left
    to pay once it has settled — and the card is charged once."""
    import asyncio

    api = two_tenants
    await load(api, invoice("A-1", "2500.00"))
    bodies = await asyncio.gather(
        api.gql(PAY, pay_input("A-1", cardToken="tok_visa_1111"), as_="fin@acme.com"),
        api.gql(PAY, pay_input("A-1", cardToken="tok_visa_2222"), as_="fin@acme.com"),
    )
    ok = [b for b in bodies if not b.get("errors")]
    failed = [b for b in bodies if b.get("errors")]
    assert len(ok) == 1 and len(failed) == 1
    assert failed[0]["errors"][0]["extensions"]["code"] in ("BAD_USER_INPUT", "CONFLICT")
    assert len(get_gateway(api.state).charges) == 1
    assert await ledger(api) == (1, 1)
    inv = (await api.ok(INVOICE, {"n": "A-1"}, as_="fin@acme.com"))["invoice"]
    assert inv["amountPaid"]["amount"] == "2500.00" and inv["status"] == "CLOSED"


async def test_overpaid_wire_lands_as_credit_on_the_next_invoice(two_tenants):
    """R-I17 + R-I19: a notice of 6,000 for a 5,000 invoice moves nothing, whatever the calendar says;
    the 6,000 the bank received (its payer reference citing the invoice) closes it, and the 1,000
    excess becomes credit closing part of the next unpaid invoice."""
    api = two_tenants
    await load(api, invoice("A-1", "5000.00"), invoice("A-2", "2500.00", when="2026-11-24"))
    bad = pay_input("A-1", method="WIRE", wireAmount="4999.99")
    assert await api.code(PAY, bad, as_="fin@acme.com") == "BAD_USER_INPUT"
    data = (await api.ok(PAY, pay_input("A-1", method="WIRE", wireAmount="6000.00"), as_="fin@acme.com"))["payInvoices"]
    assert data["payment"]["amount"]["amount"] == "6000.00"
    api.clock.set(date(2026, 12, 26))
    await api.run_jobs("invoicing.wire_settlement")
    assert (await api.ok(INVOICE, {"n": "A-1"}, as_="fin@acme.com"))["invoice"]["balance"]["amount"] == "5000.00"
    assert (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"] == []
    rec = receipt("6000.00", "BANK-6000", payerReference="ACME CORP payment of invoice a-1, thank you")
    await api.ok(RECEIPT, rec, **STAFF)
    assert (await api.ok(INVOICE, {"n": "A-1"}, as_="fin@acme.com"))["invoice"]["status"] == "CLOSED"
    a2 = (await api.ok(INVOICE, {"n": "A-2"}, as_="fin@acme.com"))["invoice"]
    assert a2["balance"]["amount"] == "1500.00" and a2["payments"][0]["method"] == "WIRE"


async def test_card_pays_the_rest_while_a_partial_wire_is_on_its_way(two_tenants):
    """R-I17: a card pays only what an announced wire does not cover; the wire's receipt closes the rest."""
    api = two_tenants
    await load(api, invoice("A-1", "5000.00"))
    part = pay_input("A-1", method="WIRE", invoices=[{"invoiceNumber": "A-1", "amount": "3000.00"}])
    await api.ok(PAY, part, as_="fin@acme.com")
    data = (await api.ok(PAY, pay_input("A-1"), as_="fin@acme.com"))["payInvoices"]
    assert data["payment"]["amount"]["amount"] == "2000.00"  # only what the wire does not cover
    assert data["invoices"][0]["pendingAmount"]["amount"] == "3000.00"
    await api.ok(RECEIPT, receipt("3000.00", "BANK-3000", number="A-1"), **STAFF)
    inv = (await api.ok(INVOICE, {"n": "A-1"}, as_="fin@acme.com"))["invoice"]
    assert inv["status"] == "CLOSED" and inv["pendingAmount"]["amount"] == "0.00"


async def test_payment_history_newest_first(two_tenants):
    """R-I2: payment history lists every payment, declined ones included, newest first."""
    api = two_tenants
    await load(api, invoice("A-1", "2500.00"), invoice("G-1", "2500.00", tenant="globex"))
    await api.ok(PAY, pay_input("A-1", cardToken="tok_decline_9999"), as_="fin@acme.com")
    await api.ok(PAY, pay_input("A-1"), as_="fin@acme.com")
    await api.ok(PAY, pay_input("G-1"), as_="fin@globex.com")
    q = "{ invoicePayments(first: 10) { totalCount nodes { number status cardLast4 allocations { invoiceNumber } } } }"
    data = (await api.ok(q, as_="exec@acme.com"))["invoicePayments"]
    assert data["totalCount"] == 2
    assert [(n["status"], n["cardLast4"]) for n in data["nodes"]] == [("SUCCEEDED", "4242"), ("FAILED", "9999")]
    assert data["nodes"][0]["allocations"] == [{"invoiceNumber": "A-1"}]


async def test_billing_dashboard_query_with_sibling_root_fields(two_tenants):
    """A portal asks several invoicing root fields at once on one request session."""
    api = two_tenants
    await load(api, invoice("A-1", "2500.00"), invoice("A-2", "100.00", when="2026-09-01"))
    q = """{ invoiceCounts { overdue open closed }
      overdue: invoices(status: OVERDUE, first: 5) { nodes { number lines { product } } }
      open: invoices(status: OPEN, first: 5) { nodes { number payments { method } } }
      billingProfile { paymentsDue { invoices } } invoiceCredits { nodes { number } }
      invoiceDisputes { nodes { number } } }"""
    for _ in range(3):
        data = await api.ok(q, as_="fin@acme.com")
        assert data["invoiceCounts"] == {"overdue": 1, "open": 1, "closed": 0}
        assert [n["number"] for n in data["overdue"]["nodes"]] == ["A-2"]
        assert [n["number"] for n in data["open"]["nodes"]] == ["A-1"]
