"""Domain events of every built-in module reach plugins through ``ctx.emit`` (issue 23): the import
emits ``*.created`` / ``*.imported`` in its own transaction (a handler's veto rolls the import back),
a person's edit emits ``renewal.changed``, and each payload carries exactly its declared snake_case keys."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ACME, GLOBEX
from tests.renewals.helpers import renewal

DOCS = Path(__file__).resolve().parents[2] / "docs"
IMPORT = "mutation($json: String!) { importData(json: $json) { tenants sections } }"
OP = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}
UPDATE = """mutation($input: UpdateRenewalInput!) { updateRenewal(input: $input) { supportNumber poNumber } }"""


def names(api) -> list[str]:
    return [e for e, _ in api.recorder.events]


def of(api, event: str) -> list[dict]:
    return [p for e, p in api.recorder.events if e == event]


async def test_import_emits_created_then_imported_in_its_transaction(rec_api):
    api = rec_api
    doc = {"tenants": [ACME, GLOBEX], "renewals": [renewal("E-1", 60), renewal("E-2", 90, tenant="globex")]}
    await api.ok(IMPORT, {"json": json.dumps(doc)}, **OP)
    created = of(api, "renewal.created")
    assert [p["support_number"] for p in created] == ["E-1", "E-2"]
    first = created[0]
    assert first["amount"] == "12000.00" and first["currency"] == "USD" and first["status"] == "OPEN"
    assert first["quote_to_email"] == "tech@acme.com" and isinstance(first["renewal_id"], int)
    assert of(api, "renewal.imported") == []

    api.recorder.events.clear()
    doc["renewals"][0]["amount"] = "13000.00"
    await api.ok(IMPORT, {"json": json.dumps(doc)}, **OP)
    assert of(api, "renewal.created") == []
    again = {p["support_number"]: p for p in of(api, "renewal.imported")}
    assert set(again) == {"E-1", "E-2"} and again["E-1"]["amount"] == "13000.00"
    assert again["E-1"]["renewal_id"] == first["renewal_id"]  # the same renewal, written again


async def test_a_handler_veto_rolls_the_whole_import_back(rec_api):
    api = rec_api
    api.recorder.veto = "not today"
    doc = {"tenants": [ACME], "renewals": [renewal("V-1", 60)]}
    err = await api.error(IMPORT, {"json": json.dumps(doc)}, **OP)
    assert err["extensions"]["code"] == "CONFLICT" and "not today" in err["message"]
    assert await api.sql("select count(*) from renewal_renewals") == [(0,)]
    assert await api.sql("select count(*) from tenants") == [(0,)]


async def test_an_edit_emits_renewal_changed_naming_what_changed(rec_api):
    api = rec_api
    await api.load({"tenants": [ACME], "renewals": [renewal("C-1", 60)]})
    api.recorder.events.clear()
    await api.ok(UPDATE, {"input": {"supportNumber": "C-1", "poNumber": "PO-77"}}, as_="tech@acme.com")
    (changed,) = of(api, "renewal.changed")
    assert changed["changed"] == ["po_number"] and changed["po_number"] == "PO-77"
    assert changed["changed_by"] == "tech@acme.com" and changed["support_number"] == "C-1"
    # a refused edit emits nothing
    api.recorder.events.clear()
    await api.error(UPDATE, {"input": {"supportNumber": "C-1", "customerReference": "x" * 201}}, as_="tech@acme.com")
    assert names(api) == []


async def test_the_documented_examples_emit_each_modules_import_events(rec_api):
    api = rec_api
    for section in ("renewals", "invoicing", "rewards", "sharing"):
        await api.ok(IMPORT, {"json": (DOCS / "import" / f"{section}.example.json").read_text()}, **OP)
    seen = set(names(api))
    assert {"renewal.created", "invoice.imported", "rewards_account.created", "share.imported"} <= seen
    imported = of(api, "invoice.imported")[0]
    assert set(imported) >= {"invoice_id", "number", "total", "balance", "due_date"}
    share = of(api, "share.imported")[0]
    assert share["created"] is True and share["object_type"] in ("renewal", "billing_dashboard")
    for event, payload in api.recorder.events:  # one casing everywhere
        assert not [k for k in payload if any(c.isupper() for c in k)], (event, sorted(payload))


async def test_a_payment_publishes_the_invoices_it_changed(rec_api):
    api = rec_api
    text = (DOCS / "import" / "invoicing.example.json").read_text()
    await api.ok(IMPORT, {"json": text}, **OP)
    paid = {p["number"]: p for p in of(api, "invoice.changed")}
    payments = of(api, "payment.imported")
    assert payments, "the example pays an invoice"
    for payment in payments:
        for number in payment["invoice_numbers"]:
            assert number in paid  # each invoice a payment touched says so, with its new balance
            assert paid[number]["cancelled"] is False
    assert set(paid) <= {p["number"] for p in of(api, "invoice.imported")}
    api.recorder.events.clear()
    await api.ok(IMPORT, {"json": text}, **OP)  # a re-import moves no money: nothing changed
    assert of(api, "invoice.changed") == [] and of(api, "payment.imported") == []


async def test_a_wire_notice_changes_when_its_receipt_arrives(rec_api):
    from tests.invoicing.test_api import PAY, RECEIPT, STAFF, invoice, load, pay_input, receipt

    api = rec_api
    await api.load({"tenants": [ACME, GLOBEX]})
    await load(api, invoice("A-1", "3000.00"))
    await api.ok(PAY, pay_input("A-1", method="WIRE"), as_="fin@acme.com")
    (notice,) = of(api, "payment.created")
    assert notice["status"] == "PENDING" and notice["method"] == "WIRE" and notice["invoice_numbers"] == ["A-1"]
    assert of(api, "invoice.changed") == []  # a notice is not money
    api.recorder.events.clear()
    await api.ok(RECEIPT, receipt("3000.00", "BANK-1", number="A-1"), **STAFF)
    assert names(api) == ["payment.created", "invoice.changed", "payment.changed"]
    received, changed, matched = (p for _, p in api.recorder.events)
    assert received["status"] == "SUCCEEDED" and changed["number"] == "A-1" and changed["balance"] == "0.00"
    assert matched["payment_id"] == notice["payment_id"] and matched["status"] == "MATCHED"
    assert matched["previous_status"] == "PENDING"
