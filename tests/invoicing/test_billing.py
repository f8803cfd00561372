"""Subscriptions and billing schedules through import, the issuing job and the graph (R-I6…R-I13),
billing profile (R-I14, R-I15), downloads (R-I2, R-I14) and the billing-dashboard share (R-S4)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.invoicing.test_api import INVOICE, INVOICES, PAY, counted, invoice, load, pay_input

SUBS = """{ subscriptions(first: 10) { totalCount nodes { number frequency termMonths isCloud scheduleCsvUrl
  products { key charge { amount } termMonths burstLimit }
  billingSchedule { billDate paymentMethod poNumber amount { amount } displayAmount invoiceNumber
    lines { productKey periodStart periodEnd amount { amount } } } } } }"""
IMPORT = "mutation($j: String!) { importData(json: $j) { tenants sections } }"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs/import/invoicing.example.json"
OP = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}


def sub(number: str, start: str, end: str, frequency: str, *products: dict, **kw: Any) -> dict:
    return {
        "tenant": "acme",
        "number": number,
        "currency": "USD",
        "country": "US",
        "frequency": frequency,
        "startDate": start,
        "endDate": end,
        "billingEmail": "fin@acme.com",
        "products": list(products),
        **kw,
    }


def product(key: str, amount: str, provisioned: str | None, order: str = "O-1", **kw: Any) -> dict:
    return {"key": key, "orderNumber": order, "product": key, "amount": amount, "provisionedOn": provisioned, **kw}


async def schedule(api, number: str) -> dict:
    nodes = (await api.ok(SUBS, as_="fin@acme.com"))["subscriptions"]["nodes"]
    return next(n for n in nodes if n["number"] == number)


async def test_120k_three_years_annual_in_advance_three_invoices_by_the_job(two_tenants):
    """R-I8 worked example, issued by the job on each bill date, never twice."""
    api = two_tenants
    await api.load(
        {
            "subscriptions": [
                sub("S-1", "2026-01-01", "2028-12-31", "ANNUAL_ADVANCE", product("DB", "120000.00", "2026-01-01"))
            ]
        }
    )
    s = await schedule(api, "S-1")
    assert [(e["billDate"], e["amount"]["amount"]) for e in s["billingSchedule"]] == [
        ("2026-01-01", "40000.00"),
        ("2027-01-01", "40000.00"),
        ("2028-01-01", "40000.00"),
    ]
    api.clock.set(datetime(2026, 1, 1, 9, tzinfo=UTC))
    assert (await api.run_jobs("invoicing.issue_invoices"))["invoicing.issue_invoices"] == 1
    assert (await api.run_jobs("invoicing.issue_invoices"))["invoicing.issue_invoices"] == 0  # idempotent
    api.clock.set(datetime(2027, 1, 1, 9, tzinfo=UTC))
    assert (await api.run_jobs("invoicing.issue_invoices"))["invoicing.issue_invoices"] == 1
    nodes = (await api.ok(INVOICES, as_="fin@acme.com"))["invoices"]["nodes"]
    assert sorted(n["preTaxTotal"]["amount"] for n in nodes) == ["40000.00", "40000.00"]
    s = await schedule(api, "S-1")
    assert [bool(e["invoiceNumber"]) for e in s["billingSchedule"]] == [True, True, False]


async def test_co_terming_paas_saas_and_pooled(two_tenants):
    """R-I9: PaaS 12 months 24,000; SaaS from 1 Feb, 11 months 22,000; pooled capacity not prorated."""
    api = two_tenants
    await api.load(
        {
            "subscriptions": [
                sub(
                    "S-2",
                    "2026-01-01",
                    "2026-12-31",
                    "ANNUAL_ADVANCE",
                    product("PaaS", "24000.00", "2026-01-01"),
                    product("SaaS", "24000.00", "2026-02-01", order="O-2"),
                    product("Pool", "5000.00", "2026-02-01", order="O-2", pooled=True),
                )
            ]
        }
    )
    s = await schedule(api, "S-2")
    charges = {p["key"]: (p["charge"]["amount"], p["termMonths"]) for p in s["products"]}
    assert charges == {"PaaS": ("24000.00", 12), "SaaS": ("22000.00", 11), "Pool": ("5000.00", 11)}


async def test_non_standard_term_first_invoice_709(two_tenants):
    """R-I10: 3,250 over 55 months annual in advance → first invoice shown as 709, stored 709.09."""
    api = two_tenants
    await api.load(
        {
            "subscriptions": [
                sub("S-3", "2026-01-01", "2030-07-31", "ANNUAL_ADVANCE", product("X", "3250.00", "2026-01-01"))
            ]
        }
    )
    api.clock.set(date(2026, 1, 1))
    await api.run_jobs("invoicing.issue_invoices")
    s = await schedule(api, "S-3")
    assert s["termMonths"] == 55
    first = s["billingSchedule"][0]
    assert (first["amount"]["amount"], first["displayAmount"]) == ("709.09", "709")
    inv = (await api.ok(INVOICE, {"n": first["invoiceNumber"]}, as_="fin@acme.com"))["invoice"]
    assert inv["preTaxTotal"]["amount"] == "709.09"


async def test_fifteen_days_one_invoice_sixteen_days_two(two_tenants):
    """R-I6 / R-I13 through the job: activation within 15 days → one invoice, 16 days → two."""
    api = two_tenants
    start = "2026-01-01"
    await api.load(
        {
            "subscriptions": [
                sub(
                    "S-15",
                    start,
                    "2026-12-31",
                    "ANNUAL_ADVANCE",
                    product("A", "1200.00", start),
                    product("B", "1200.00", "2026-01-16"),
                ),
                sub(
                    "S-16",
                    start,
                    "2026-12-31",
                    "ANNUAL_ADVANCE",
                    product("A", "1200.00", start),
                    product("B", "1200.00", "2026-01-17"),
                ),
                sub(
                    "S-PO",
                    start,
                    "2026-12-31",
                    "ANNUAL_ADVANCE",
                    product("A", "1200.00", start),
                    product("B", "1200.00", start, poNumber="PO-9"),
                ),
            ]
        }
    )
    api.clock.set(date(2026, 1, 20))
    await api.run_jobs("invoicing.issue_invoices")
    rows = await api.sql(
        "select s.number, count(*) from invoicing_invoices i "
        "join invoicing_subscriptions s on s.id = i.subscription_id group by s.number order by s.number"
    )
    assert [tuple(r) for r in rows] == [("S-15", 1), ("S-16", 2), ("S-PO", 2)]


async def test_quarterly_in_arrears_is_public_sector_only_and_import_is_rejected_whole(two_tenants):
    api = two_tenants
    doc = {
        "subscriptions": [
            sub("S-Q", "2026-01-01", "2026-12-31", "QUARTERLY_ARREARS", product("A", "100.00", "2026-01-01"))
        ]
    }

    assert await api.code(IMPORT, {"j": json.dumps(doc)}, **OP) == "BAD_USER_INPUT"
    assert (await api.sql("select count(*) from invoicing_subscriptions"))[0][0] == 0
    bad = {"subscriptions": [sub("S-B", "2026-01-01", "2025-12-31", "MONTHLY", product("A", "1.001", None))]}
    err = await api.error(IMPORT, {"j": json.dumps(bad)}, **OP)
    paths = " ".join(err["extensions"]["errors"])
    assert "subscriptions[0].frequency" in paths and "subscriptions[0].endDate" in paths
    assert "subscriptions[0].products[0].amount" in paths


async def test_bursting_usage_billed_monthly_in_arrears_and_capped_at_twice(two_tenants):
    """R-I11: 4 subscribed → up to 8 in use; burst unit-hours at the hourly list price, billed the
    month after; 9 is refused. R-I12: after the term a cloud subscription continues pay-as-you-go."""
    api = two_tenants
    cloud = product("OCPU", "1200.00", "2026-01-01", subscribedQuantity="4", hourlyPrice="0.50")
    await api.load({"subscriptions": [sub("S-C", "2026-01-01", "2026-03-31", "ANNUAL_ADVANCE", cloud, isCloud=True)]})

    def usage(hour: str, qty: str) -> dict:
        return {"tenant": "acme", "subscription": "S-C", "product": "OCPU", "hour": hour, "quantity": qty}

    doc = {"usage": [usage("2026-03-10T10:00:00Z", "9")]}
    assert await api.code(IMPORT, {"j": json.dumps(doc)}, **OP) == "BAD_USER_INPUT"
    await api.load(
        {
            "usage": [
                usage("2026-03-10T10:00:00Z", "8"),
                usage("2026-03-10T11:00:00Z", "6"),
                usage("2026-04-02T00:00:00Z", "3"),
            ]
        }
    )
    api.clock.set(date(2026, 4, 1))
    await api.run_jobs("invoicing.issue_invoices")
    march = await api.sql("select pre_tax_total from invoicing_invoices where source = 'USAGE'")
    assert [Decimal(str(r[0])) for r in march] == [Decimal("3")]  # (4 + 2) unit-hours × 0.50
    api.clock.set(date(2026, 5, 1))
    await api.run_jobs("invoicing.issue_invoices")
    await api.run_jobs("invoicing.issue_invoices")
    rows = await api.sql("select pre_tax_total from invoicing_invoices where source = 'USAGE' order by id")
    assert [float(r[0]) for r in rows] == [3.0, 1.5]  # April: 3 units pay-as-you-go × 0.50


async def test_billing_profile_contacts_cards_and_po_change(two_tenants):
    """R-I14, R-I15, R-I3: contacts copied on new invoices; an expired saved card needs another method."""
    api = two_tenants
    upd = """mutation($b: String, $c: [String!]) { updateBillingProfile(billingEmail: $b, accountContacts: $c) {
      billingEmail accountContacts } }"""
    assert await api.code(upd, {"b": "ap@acme.com"}, as_="tech@acme.com") == "FORBIDDEN"
    assert await api.code(upd, {"b": "not-an-email"}, as_="fin@acme.com") == "BAD_USER_INPUT"
    data = await api.ok(upd, {"b": "ap@acme.com", "c": ["dunning@acme.com"]}, as_="fin@acme.com")
    assert data["updateBillingProfile"] == {"billingEmail": "ap@acme.com", "accountContacts": ["dunning@acme.com"]}
    add = """mutation($i: AddCardInput!) { addBillingCard(input: $i) { cards { id last4 expired isDefault } } }"""
    assert (
        await api.code(add, {"i": {"token": "4111111111111111", "expMonth": 1, "expYear": 2030}}, as_="fin@acme.com")
        == "BAD_USER_INPUT"
    )
    cards = (await api.ok(add, {"i": {"token": "tok_visa_0005", "expMonth": 10, "expYear": 2026}}, as_="fin@acme.com"))[
        "addBillingCard"
    ]["cards"]
    assert cards[0]["expired"] is True and cards[0]["last4"] == "0005"
    await load(api, invoice("A-1", "100.00"))
    err = await api.error(
        PAY,
        {"input": {"invoices": [{"invoiceNumber": "A-1"}], "method": "CARD", "savedCardId": cards[0]["id"]}},
        as_="fin@acme.com",
    )
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "expired" in err["message"]
    assert (await api.ok(PAY, pay_input("A-1", cardToken="tok_mc_4444"), as_="fin@acme.com"))["payInvoices"]["payment"][
        "status"
    ] == "SUCCEEDED"
    po = """mutation($n: String!, $p: String!, $d: String!) {
      requestPoChange(invoiceNumber: $n, poNumber: $p, poDocumentName: $d) { poNumber status } }"""
    assert await api.code(po, {"n": "A-1", "p": "PO-1", "d": ""}, as_="fin@acme.com") == "BAD_USER_INPUT"
    assert await api.code(po, {"n": "NOPE", "p": "PO-1", "d": "po.pdf"}, as_="fin@acme.com") == "NOT_FOUND"
    assert (await api.ok(po, {"n": "A-1", "p": "PO-1", "d": "po.pdf"}, as_="fin@acme.com"))["requestPoChange"][
        "status"
    ] == "REQUESTED"
    await load(api, invoice("A-2", "2500.00", when="2026-10-01"))
    prof = """{ billingProfile { paymentsDue { currency invoices amount { amount } overdue { amount } }
      poChangeRequests { poNumber } } }"""
    data = (await api.ok(prof, as_="exec@acme.com"))["billingProfile"]
    assert data["paymentsDue"] == [
        {"currency": "USD", "invoices": 1, "amount": {"amount": "2500.00"}, "overdue": {"amount": "2500.00"}}
    ]
    assert data["poChangeRequests"] == [{"poNumber": "PO-1"}]


async def test_downloads_document_and_csvs(two_tenants):
    api = two_tenants
    await load(api, invoice("A-1", "100.00", "7.25", poNumber="PO-5"), invoice("G-1", "5.00", tenant="globex"))
    await api.ok(PAY, pay_input("A-1"), as_="fin@acme.com")
    await api.load(
        {
            "subscriptions": [
                sub("S-1", "2026-01-01", "2028-12-31", "ANNUAL_ADVANCE", product("DB", "120000.00", "2026-01-01"))
            ]
        }
    )
    doc = await api.get("/invoicing/invoices/A-1/document", as_="tech@acme.com")
    assert doc.status_code == 200 and "PO-5" in doc.text and "107.25" in doc.text
    assert (await api.get("/invoicing/invoices/G-1/document", as_="fin@acme.com")).status_code == 404
    assert (await api.get("/invoicing/invoices/A-1/document", as_="plain@acme.com")).status_code == 403
    assert (await api.get("/invoicing/invoices/A-1/document", as_=None)).status_code == 401
    resp = await api.get("/invoicing/invoices.csv?status=CLOSED", as_="fin@acme.com")
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert rows[0][0] == "Invoice Number" and [r[0] for r in rows[1:]] == ["A-1"]
    assert (await api.get("/invoicing/invoices.csv?status=LOST", as_="fin@acme.com")).status_code == 400
    pays = list(csv.reader(io.StringIO((await api.get("/invoicing/payments.csv", as_="fin@acme.com")).text)))
    assert pays[1][2] == "CARD" and pays[1][-1] == "**** 4242"
    sched = list(
        csv.reader(io.StringIO((await api.get("/invoicing/subscriptions/S-1/schedule.csv", as_="fin@acme.com")).text))
    )
    assert [r[8] for r in sched[1:]] == ["40000.00"] * 3


async def test_billing_dashboard_share_grants_view(two_tenants):
    """R-S4: a person granted the billing dashboard (core ObjectGrant) views invoices but cannot pay."""
    api = two_tenants
    await load(api, invoice("A-1", "2500.00"))
    assert await api.code(INVOICES, as_="plain@acme.com") == "FORBIDDEN"
    tid = (await api.sql("select id from tenants where key = 'acme'"))[0][0]
    await api.sql(
        "insert into object_grants (tenant_id, object_type, object_id, grantee_email, role, granted_by, created_at) "
        "values (:t, 'billing_dashboard', '*', 'plain@acme.com', 'BILLING_DASHBOARD', 'fin@acme.com', :now)",
        t=tid,
        now=datetime(2026, 11, 1, tzinfo=UTC),
    )
    assert (await api.ok(INVOICES, as_="plain@acme.com"))["invoices"]["totalCount"] == 1
    assert await api.code(PAY, pay_input("A-1"), as_="plain@acme.com") == "FORBIDDEN"


async def test_documented_example_imports_twice_without_change(api):
    doc = json.loads(EXAMPLE.read_text())  # noqa: ASYNC240 (a small local file)
    for _ in range(2):
        await api.load(doc)
    assert (await api.sql("select count(*) from invoicing_invoices"))[0][0] == 1
    assert (await api.sql("select count(*) from invoicing_payments"))[0][0] == 1
    assert (await api.sql("select count(*) from invoicing_usage"))[0][0] == 2
    assert (await api.sql("select count(*) from invoicing_subscription_products"))[0][0] == 3


async def test_subscription_by_number_is_tenant_scoped(two_tenants):
    api = two_tenants
    await api.load(
        {
            "subscriptions": [
                sub("S-1", "2026-01-01", "2026-12-31", "MONTHLY_ARREARS", product("A", "1200.00", "2026-01-01"))
            ]
        }
    )
    q = "query($n: String!) { subscription(number: $n) { number billingSchedule { billDate amount { amount } } } }"
    data = (await api.ok(q, {"n": "S-1"}, as_="tech@acme.com"))["subscription"]
    assert len(data["billingSchedule"]) == 12 and data["billingSchedule"][0] == {
        "billDate": "2026-02-01",
        "amount": {"amount": "100.00"},
    }  # monthly in arrears: billed after each month
    assert await api.code(q, {"n": "S-1"}, as_="tech@globex.com") == "NOT_FOUND"
    assert (await api.get("/invoicing/subscriptions/S-1/schedule.csv", as_="fin@globex.com")).status_code == 404


async def test_page_of_10_and_100_subscriptions_cost_the_same_statements(two_tenants):
    api = two_tenants
    subs = [
        sub(f"S-{i:03d}", "2026-01-01", "2026-12-31", "QUARTERLY_ADVANCE", product("A", "400.00", "2026-01-01"))
        for i in range(100)
    ]
    await api.load({"subscriptions": subs})
    q = "query($f: Int) { subscriptions(first: $f) { nodes { number products { key } billingSchedule { billDate } } } }"
    headers = api.headers("fin@acme.com")
    await counted(api, q, {"f": 1}, headers)  # warm-up
    counts = []
    for first in (10, 100):
        data, n = await counted(api, q, {"f": first}, headers)
        assert len(data["subscriptions"]["nodes"]) == first
        counts.append(n)
    assert counts[0] == counts[1]
