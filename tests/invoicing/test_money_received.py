"""Money that never arrived (security issue, R-I17, R-I19): a customer's wire notice changes no balance
and creates no credit; only money received — a confirmed card charge, a receipt recorded by billing
support (``recordWireReceipt``) or imported from the bank (``bankReceipts``) — closes an invoice or
becomes credit, and refunds never exceed it. Refunds above the approval limit wait for billing support.
Every refusal is typed and changes nothing; another tenant can neither record, approve nor see."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import BadUserInput
from plugins.invoicing import api as invoicing_api
from tests.invoicing.conftest import tenant_ctx
from tests.invoicing.test_api import (
    BS,
    CREDITS,
    INVOICE,
    PAY,
    RECEIPT,
    RECORD,
    REFUND,
    STAFF,
    invoice,
    ledger,
    load,
    pay_input,
    receipt,
)
from tests.invoicing.test_disputes import OPEN, RESOLVE

DOCS = Path(__file__).resolve().parents[2] / "docs/import"

REFUND_FIELDS = "number status amount { amount currency } creditNumber creditSource paymentNumber requestedBy decidedBy"
REFUND_FULL = "mutation($c: String!) { refundInvoiceCredit(creditNumber: $c) { " + REFUND_FIELDS + " } }"
APPROVE = "mutation($r: String!) { approveInvoiceRefund(refundNumber: $r) { " + REFUND_FIELDS + " } }"
REJECT = (
    "mutation($r: String!, $n: String!) { rejectInvoiceRefund(refundNumber: $r, note: $n) { " + REFUND_FIELDS + " } }"
)
REFUNDS = (
    "query($s: RefundStatus) { invoiceRefunds(status: $s, first: 20) { totalCount nodes { " + REFUND_FIELDS + " } } }"
)
IMPORT = "mutation($j: String!) { importData(json: $j) { tenants sections } }"
OP = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}
GLOBEX_STAFF = {"as_": BS[0], "staff": ["BILLING_SUPPORT"], "tenant": "globex"}


async def books(api) -> tuple:
    """Everything money: payments, applications, credits (with what is left) and refunds."""
    return (
        await ledger(api),
        await api.sql("select number, amount, remaining from invoicing_credits order by id"),
        await api.sql("select number, amount, status from invoicing_refunds order by id"),
        await api.sql("select number, balance, pending_total from invoicing_invoices order by id"),
    )


async def test_a_wire_notice_of_a_million_moves_no_money(two_tenants):
    """R-I17, R-I19 (the issue): FINANCE announces a 1,000,000.00 wire for a 3,000 invoice. Whatever the
    calendar says, the invoice stays open and no credit exists, so there is nothing to refund; the job
    only marks the notice OVERDUE. The 3,000 the bank really received closes the invoice, no credit."""
    api = two_tenants
    await load(api, invoice("A-1", "3000.00"))
    notice = pay_input("A-1", method="WIRE", wireAmount="1000000.00")
    data = (await api.ok(PAY, notice, as_="fin@acme.com"))["payInvoices"]
    assert data["payment"]["status"] == "PENDING" and data["payment"]["amount"]["amount"] == "1000000.00"
    assert data["invoices"][0]["balance"]["amount"] == "3000.00"
    assert data["invoices"][0]["pendingAmount"]["amount"] == "3000.00"  # at most what is due shows as coming
    for day in (date(2026, 11, 26), date(2026, 12, 3), date(2027, 3, 1)):
        api.clock.set(day)
        await api.run_jobs("invoicing.wire_settlement")
        inv = (await api.ok(INVOICE, {"n": "A-1"}, as_="fin@acme.com"))["invoice"]
        assert inv["status"] == "OVERDUE" or inv["status"] == "OPEN"
        assert inv["balance"]["amount"] == "3000.00" and inv["payments"] == []
    assert (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"] == []
    assert await api.code(REFUND, {"c": "CR-000001"}, as_="fin@acme.com") == "NOT_FOUND"
    assert (await api.ok(REFUNDS, as_="fin@acme.com"))["invoiceRefunds"]["totalCount"] == 0
    assert await api.sql("select status from invoicing_payments") == [("OVERDUE",)]
    # the money that really arrived
    data = (await api.ok(RECEIPT, receipt("3000.00", "FED-20261201-1", number="A-1"), **STAFF))["recordWireReceipt"]
    assert data["invoices"][0]["status"] == "CLOSED"
    assert (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"] == []
    assert sorted(await api.sql("select status from invoicing_payments")) == [("MATCHED",), ("SUCCEEDED",)]


async def test_receipts_are_checked_and_a_refusal_changes_nothing(two_tenants):
    """R-I17: only billing support records receipts; a receipt must cite an invoice of this tenant, in
    the invoice's currency, with a positive amount in cents, received by today. Each refusal is typed
    and changes nothing; the same bank reference again is a replay, with other details a CONFLICT."""
    api = two_tenants
    await load(api, invoice("A-1", "3000.00"), invoice("G-1", "900.00", tenant="globex"))
    await api.ok(PAY, pay_input("A-1", method="WIRE"), as_="fin@acme.com")
    before = await books(api)
    good = receipt("3000.00", "BANK-1", number="A-1")
    assert await api.code(RECEIPT, good, as_="fin@acme.com") == "FORBIDDEN"  # a customer never records money
    cases = [
        (receipt("3000.00", "BANK-1", number="A-1", currency="EUR"), "BAD_USER_INPUT"),  # not the invoice's
        (receipt("3000.00", "BANK-1", number="A-1", currency="XXX"), "BAD_USER_INPUT"),
        (receipt("0", "BANK-1", number="A-1"), "BAD_USER_INPUT"),
        (receipt("-5.00", "BANK-1", number="A-1"), "BAD_USER_INPUT"),
        (receipt("10.001", "BANK-1", number="A-1"), "BAD_USER_INPUT"),
        (receipt("3000.00", "BANK-1", number="A-1", receivedOn="2026-11-24"), "BAD_USER_INPUT"),  # tomorrow
        (receipt("3000.00", " ", number="A-1"), "BAD_USER_INPUT"),
        (receipt("3000.00", "B" * 101, number="A-1"), "BAD_USER_INPUT"),
        (receipt("3000.00", "BANK-1"), "BAD_USER_INPUT"),  # cites nothing
        (receipt("3000.00", "BANK-1", payerReference="invoice 12345 thanks"), "BAD_USER_INPUT"),
        (receipt("3000.00", "BANK-1", payerReference="payment G-1"), "BAD_USER_INPUT"),  # another tenant's
        (receipt("900.00", "BANK-1", number="G-1"), "NOT_FOUND"),
    ]
    for case, code in cases:
        err = await api.error(RECEIPT, case, **STAFF)
        assert err["extensions"]["code"] == code, (case, err)
        assert "900" not in err["message"] or code != "NOT_FOUND"
    assert await books(api) == before
    first = (await api.ok(RECEIPT, good, **STAFF))["recordWireReceipt"]
    after = await books(api)
    again = (await api.ok(RECEIPT, good, **STAFF))["recordWireReceipt"]  # the same bank line twice: a replay
    assert again["payment"]["number"] == first["payment"]["number"] and await books(api) == after
    assert await api.code(RECEIPT, receipt("2999.00", "BANK-1", number="A-1"), **STAFF) == "CONFLICT"
    # the same bank reference through recordInvoicePayment is the same money too: replayed, never twice
    rec = {"input": {"invoices": [{"invoiceNumber": "A-1"}], "method": "WIRE", "reference": "BANK-1"}}
    assert await api.code(RECORD, rec, **STAFF) == "CONFLICT"
    rec["input"]["amount"] = "3000.00"
    data = (await api.ok(RECORD, rec, **STAFF))["recordInvoicePayment"]
    assert data["payment"]["number"] == first["payment"]["number"]
    rec["input"]["amount"] = "3001.00"
    assert await api.code(RECORD, rec, **STAFF) == "CONFLICT"
    assert await books(api) == after


async def test_a_second_tenant_cannot_record_approve_or_see(two_tenants):
    """§6, R-I17, R-I19: billing support acting in Globex cannot record money for, approve or see Acme's
    receipts and refunds; Globex's finance contact can do none of it either."""
    api = two_tenants
    await load(api, invoice("A-1", "3000.00"), invoice("G-1", "3000.00", tenant="globex", country="DE"))
    await api.ok(RECEIPT, receipt("20000.00", "BANK-A", number="A-1"), **STAFF)
    (credit,) = (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"]
    refund = (await api.ok(REFUND_FULL, {"c": credit["number"]}, as_="fin@acme.com"))["refundInvoiceCredit"]
    assert refund["status"] == "PENDING_APPROVAL"
    before = await books(api)
    assert await api.code(RECEIPT, receipt("10.00", "BANK-X", number="A-1"), **GLOBEX_STAFF) == "NOT_FOUND"
    assert await api.code(RECEIPT, receipt("10.00", "BANK-X", payerReference="A-1"), **GLOBEX_STAFF) == (
        "BAD_USER_INPUT"
    )
    assert await api.code(RECEIPT, receipt("10.00", "BANK-X", number="G-1"), as_="fin@globex.com") == "FORBIDDEN"
    assert await api.code(APPROVE, {"r": refund["number"]}, **GLOBEX_STAFF) == "NOT_FOUND"
    assert await api.code(APPROVE, {"r": refund["number"]}, as_="fin@globex.com") == "FORBIDDEN"
    assert await api.code(REJECT, {"r": refund["number"], "n": "no"}, **GLOBEX_STAFF) == "NOT_FOUND"
    assert await api.code(REFUND_FULL, {"c": credit["number"]}, as_="fin@globex.com") == "NOT_FOUND"
    assert (await api.ok(REFUNDS, as_="fin@globex.com"))["invoiceRefunds"]["totalCount"] == 0
    assert (await api.ok(REFUNDS, **GLOBEX_STAFF))["invoiceRefunds"]["totalCount"] == 0
    csv_text = (await api.get("/invoicing/payments.csv", as_="fin@globex.com")).text
    assert "REFUND" not in csv_text and "BANK-A" not in csv_text
    assert await books(api) == before


async def test_overpayment_credit_refund_above_the_limit_waits_for_billing_support(two_tenants):
    """R-I19: 20,000 received for a 3,000 invoice leaves 17,000 of credit. Refunding it (above the
    10,000 USD limit) waits in PENDING_APPROVAL: the amount leaves the credit at once, so it can be
    neither asked twice nor used elsewhere; FINANCE cannot approve; the requester cannot approve their
    own; billing support approves. A rejected refund returns its amount to the credit; a small refund
    is paid out at once."""
    api = two_tenants
    await load(api, invoice("A-1", "3000.00"))
    await api.ok(RECEIPT, receipt("20000.00", "BANK-20K", number="A-1"), **STAFF)
    (credit,) = (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"]
    assert (credit["source"], credit["remaining"]["amount"]) == ("OVERPAYMENT", "17000.00")
    assert await api.code(REFUND_FULL, {"c": credit["number"]}, as_="tech@acme.com") == "FORBIDDEN"
    refund = (await api.ok(REFUND_FULL, {"c": credit["number"]}, as_="fin@acme.com"))["refundInvoiceCredit"]
    assert refund["status"] == "PENDING_APPROVAL" and refund["amount"] == {"amount": "17000.00", "currency": "USD"}
    assert refund["creditNumber"] == credit["number"] and refund["requestedBy"] == "fin@acme.com"
    assert (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"][0]["remaining"]["amount"] == "0.00"
    assert await api.code(REFUND_FULL, {"c": credit["number"]}, as_="fin@acme.com") == "CONFLICT"
    assert await api.code(APPROVE, {"r": refund["number"]}, as_="fin@acme.com") == "FORBIDDEN"
    await load(api, invoice("A-2", "500.00", when="2026-11-24"))  # the reserved money does not pay it
    assert (await api.ok(INVOICE, {"n": "A-2"}, as_="fin@acme.com"))["invoice"]["status"] == "OPEN"
    assert await api.code(REJECT, {"r": refund["number"], "n": " "}, **STAFF) == "BAD_USER_INPUT"
    rejected = (await api.ok(REJECT, {"r": refund["number"], "n": "Pays A-2 first"}, **STAFF))["rejectInvoiceRefund"]
    assert rejected["status"] == "REJECTED" and rejected["decidedBy"] == BS[0]
    assert await api.code(APPROVE, {"r": refund["number"]}, **STAFF) == "CONFLICT"  # decided once
    # back on the credit, which closes A-2 first (R-I19)
    assert (await api.ok(INVOICE, {"n": "A-2"}, as_="fin@acme.com"))["invoice"]["status"] == "CLOSED"
    assert (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"][0]["remaining"][
        "amount"
    ] == "16500.00"
    # billing support asking is no approval of their own request
    second = (await api.ok(REFUND_FULL, {"c": credit["number"]}, **STAFF))["refundInvoiceCredit"]
    assert second["status"] == "PENDING_APPROVAL"
    assert await api.code(APPROVE, {"r": second["number"]}, **STAFF) == "FORBIDDEN"
    other = {"as_": "bs2@vendor.example", "staff": ["BILLING_SUPPORT"], "tenant": "acme"}
    approved = (await api.ok(APPROVE, {"r": second["number"]}, **other))["approveInvoiceRefund"]
    assert approved["status"] == "APPROVED" and approved["decidedBy"] == "bs2@vendor.example"
    listed = (await api.ok(REFUNDS, as_="exec@acme.com"))["invoiceRefunds"]
    assert [(n["number"], n["status"]) for n in listed["nodes"]] == [
        (second["number"], "APPROVED"),
        (refund["number"], "REJECTED"),
    ]
    waiting = (await api.ok(REFUNDS, {"s": "PENDING_APPROVAL"}, as_="fin@acme.com"))["invoiceRefunds"]
    assert waiting["totalCount"] == 0
    # a small overpayment is refunded at once
    await load(api, invoice("A-3", "100.00", when="2026-11-25"))
    await api.ok(RECEIPT, receipt("150.00", "BANK-150", payerReference="inv A-3"), **STAFF)
    small = [
        c
        for c in (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"]
        if c["amount"]["amount"] == "50.00"
    ]
    done = (await api.ok(REFUND_FULL, {"c": small[0]["number"]}, as_="fin@acme.com"))["refundInvoiceCredit"]
    assert done["status"] == "APPROVED" and done["decidedBy"] == "auto"


async def test_the_approval_limit_is_a_setting(api, templates, smtp_server):
    """R-I19: the refund approval limit comes from the setting invoicing_refund_approval_usd."""
    from tests.conftest import ACME, make_api

    controller, _ = smtp_server
    low, client = await make_api(api.backend, templates, controller.port, invoicing_refund_approval_usd="10.00")
    try:
        await low.load({"tenants": [ACME]})
        await load(low, invoice("A-1", "100.00"))
        await low.ok(RECEIPT, receipt("150.00", "BANK-1", number="A-1"), **STAFF)
        (credit,) = (await low.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"]
        refund = (await low.ok(REFUND_FULL, {"c": credit["number"]}, as_="fin@acme.com"))["refundInvoiceCredit"]
        assert refund["status"] == "PENDING_APPROVAL"  # 50.00 > 10.00
    finally:
        await client.aclose()
        await low.state.engine.dispose()


def bank_doc(*receipts: dict) -> str:
    return json.dumps({"bankReceipts": list(receipts)})


def bank(ref: str, amount: str, **kw) -> dict:
    return {"tenant": "acme", "date": "2026-11-23", "amount": amount, "currency": "USD", "bankReference": ref, **kw}


async def test_bank_receipts_import_is_all_or_nothing_and_idempotent(two_tenants):
    """R-I17: the bank's file (section bankReceipts) records money received: a payer reference citing
    the invoice number matches the customer's notice and closes the invoice; importing the file again
    changes nothing. A receipt citing no invoice of its tenant, or in another currency, rejects the
    whole file, naming the line; nothing of it is written."""
    api = two_tenants
    await load(api, invoice("A-1", "3000.00"), invoice("A-2", "2500.00"), invoice("G-1", "100.00", tenant="globex"))
    await api.ok(PAY, pay_input("A-1", method="WIRE"), as_="fin@acme.com")
    before = await books(api)
    for doc, where in [
        (bank_doc(bank("B-1", "3000.00", payerReference="INV A-1"), bank("B-2", "10.00", payerReference="G-1")), "[1]"),
        (bank_doc(bank("B-1", "3000.00", payerReference="A-1", currency="EUR")), "[0]"),
        (bank_doc(bank("B-1", "3000.00", payerReference="A-1"), bank("B-1", "1.00", invoiceNumber="A-2")), "[1]"),
        (bank_doc(bank("B-1", "3000.00", payerReference="A-1", date="23/11/2026")), "[0].date"),
        (bank_doc(bank("", "3000.00", payerReference="A-1")), "[0].bankReference"),
        (bank_doc(bank("B-1", "3000.00")), "[0].payerReference"),
        (bank_doc(bank("B-1", "3000.00", invoiceNumber="NOPE")), "[0]"),
    ]:
        err = await api.error(IMPORT, {"j": doc}, **OP)
        assert err["extensions"]["code"] == "BAD_USER_INPUT" and f"bankReceipts{where}" in err["message"], err
        assert await books(api) == before
    doc = bank_doc(bank("B-1", "3000.00", payerReference="ACME INV A-1"), bank("B-2", "2600.00", invoiceNumber="A-2"))
    await api.ok(IMPORT, {"j": doc}, **OP)
    after = await books(api)
    for n in ("A-1", "A-2"):
        assert (await api.ok(INVOICE, {"n": n}, as_="fin@acme.com"))["invoice"]["status"] == "CLOSED"
    (credit,) = (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"]
    assert credit["remaining"]["amount"] == "100.00"  # R-I19: 2,600 for 2,500
    assert sorted(r[0] for r in await api.sql("select status from invoicing_payments")) == [
        "MATCHED",
        "SUCCEEDED",
        "SUCCEEDED",
    ]
    await api.ok(IMPORT, {"j": doc}, **OP)  # the same file again
    assert await books(api) == after
    changed = bank_doc(bank("B-2", "2700.00", invoiceNumber="A-2"))
    err = await api.error(IMPORT, {"j": changed}, **OP)
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "already recorded" in err["message"]
    assert await books(api) == after


async def test_rewards_paid_money_is_never_refunded_as_cash(two_tenants):
    """R-W10, R-I20: part of an invoice paid with rewards, the rest by card; the invoice is disputed and
    cancelled: the card money is refunded, the rewards stay a credit that can only close invoices, and
    asking to refund it is a CONFLICT. Another plugin cannot apply a payment claiming cash arrived."""
    api = two_tenants
    await load(api, invoice("A-1", "3000.00"))
    async with tenant_ctx(api, "fin@acme.com") as ctx:
        await invoicing_api.apply_payment(
            ctx.session,
            "A-1",
            Decimal("400.00"),
            "USD",
            method="REWARDS",
            reference="RDM-1",
            actor_email="f",
            now=ctx.now(),
        )
        with pytest.raises(BadUserInput):
            await invoicing_api.apply_payment(
                ctx.session, "A-1", Decimal("1.00"), "USD", method="WIRE", reference="x", actor_email="f", now=ctx.now()
            )
    await api.ok(PAY, pay_input("A-1"), as_="fin@acme.com")
    number = (await api.ok(OPEN, {"n": "A-1", "r": "Not delivered"}, as_="fin@acme.com"))["openInvoiceDispute"][
        "number"
    ]
    await api.ok(RESOLVE, {"input": {"disputeNumber": number, "outcome": "CANCEL"}}, **STAFF)
    refunds = (await api.ok(REFUNDS, as_="fin@acme.com"))["invoiceRefunds"]["nodes"]
    assert [(r["amount"]["amount"], r["status"]) for r in refunds] == [("2600.00", "APPROVED")]
    credits = {c["number"]: c for c in (await api.ok(CREDITS, as_="fin@acme.com"))["invoiceCredits"]["nodes"]}
    rewards = [c for c in credits.values() if c["remaining"]["amount"] == "400.00"]
    assert len(rewards) == 1
    err = await api.error(REFUND, {"c": rewards[0]["number"]}, as_="fin@acme.com")
    assert err["extensions"]["code"] == "CONFLICT" and "R-W10" in err["message"]


async def test_the_documented_bank_receipt_closes_the_example_invoice(api):
    """R-I17: the bankReceipts example of docs/import/invoicing.md, imported after the section's example
    document, closes INV-7731 by its payer reference — twice imported, once recorded."""
    import re

    await api.load(json.loads((DOCS / "invoicing.example.json").read_text()))  # noqa: ASYNC240 (small local file)
    text = (DOCS / "invoicing.md").read_text()  # noqa: ASYNC240
    snippet = re.search(r"```json\n(\{\"bankReceipts\".*?)```", text, re.S).group(1)
    for _ in range(2):
        await api.load(json.loads(snippet))
    inv = (await api.ok(INVOICE, {"n": "INV-7731"}, as_="art@vandelay.example"))["invoice"]
    assert inv["status"] == "CLOSED" and inv["balance"]["amount"] == "0.00"
    assert (await api.sql("select count(*) from invoicing_payments"))[0][0] == 2
