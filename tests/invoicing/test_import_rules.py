"""The invoicing import sections' rules at their thresholds (docs/import/invoicing.md): the item
models (core.importing's field types) and the checks across fields and items, each error naming its path."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.errors import BadUserInput
from core.importing import DECIMAL_HINT
from plugins.invoicing.importer import (
    SECTIONS,
    validate_bank_receipts,
    validate_invoices,
    validate_subscriptions,
    validate_usage,
)
from tests.conftest import ACME

TENANTS = {"acme", "globex"}
DATE = "an ISO date (YYYY-MM-DD)"
CENTS = "too many decimal places for USD (2)"
PLACES = "at most 6 decimals and 12 integer digits"


def product(**over: Any) -> dict[str, Any]:
    return {"key": "DB", "orderNumber": "ORD-1", "product": "Database", "amount": "1200.00", **over}


def subscription(**over: Any) -> dict[str, Any]:
    base = {
        "tenant": "acme",
        "number": "S-1",
        "frequency": "ANNUAL_ADVANCE",
        "startDate": "2026-01-01",
        "endDate": "2026-12-31",
        "products": [product()],
    }
    return {**base, **over}


def invoice(**over: Any) -> dict[str, Any]:
    base = {
        "tenant": "acme",
        "number": "INV-1",
        "invoiceDate": "2026-10-01",
        "billingEmail": "fin@acme.com",
        "lines": [{"product": "Support", "preTaxAmount": "100.00"}],
    }
    return {**base, **over}


def usage(**over: Any) -> dict[str, Any]:
    base = {"tenant": "acme", "subscription": "S-1", "product": "DB", "hour": "2026-03-10T10:00:00Z", "quantity": "4"}
    return {**base, **over}


def receipt(**over: Any) -> dict[str, Any]:
    base = {
        "tenant": "acme",
        "bankReference": "FED-1",
        "date": "2026-11-23",
        "amount": "100.00",
        "currency": "USD",
        "payerReference": "ACME INV-1",
    }
    return {**base, **over}


def subs(*items: Any) -> list[str]:
    return validate_subscriptions(list(items), TENANTS)


def invs(*items: Any) -> list[str]:
    return validate_invoices(list(items), TENANTS)


def usages(*items: Any) -> list[str]:
    return validate_usage(list(items), TENANTS)


def receipts(*items: Any) -> list[str]:
    return validate_bank_receipts(list(items), TENANTS)


def test_sections_keep_their_keys_and_order():
    assert [(s.key, s.order) for s in SECTIONS] == [
        ("subscriptions", 200),
        ("invoices", 210),
        ("usage", 220),
        ("bankReceipts", 230),
    ]


def test_the_helper_items_are_valid_and_unknown_keys_are_ignored():
    assert subs(subscription(colour="red", products=[product(colour="red")])) == []
    assert invs(invoice(colour="red")) == []
    assert usages(usage(colour="red")) == []
    assert receipts(receipt(colour="red")) == []


# ---- subscriptions -------------------------------------------------------------------------------
def test_subscription_fields():
    assert subs(subscription(tenant="nope")) == ["subscriptions[0].tenant: unknown tenant 'nope'"]
    assert subs({k: v for k, v in subscription().items() if k != "number"}) == ["subscriptions[0].number: required"]
    assert subs(subscription(number="x" * 65)) == ["subscriptions[0].number: longer than 64 characters"]
    assert subs(subscription(number="  ")) == ["subscriptions[0].number: must be a non-empty string"]
    assert subs(subscription(), subscription()) == ["subscriptions[1].number: duplicate subscription 'S-1'"]
    assert subs(subscription(), subscription(tenant="globex")) == []
    assert subs(subscription(currency="XXX"))[0].startswith("subscriptions[0].currency: an active ISO 4217")
    assert subs(subscription(frequency="MONTHLY"))[0].startswith("subscriptions[0].frequency: one of ")
    assert subs(subscription(startDate="2026-02-30")) == [f"subscriptions[0].startDate: {DATE}"]
    assert subs(subscription(endDate=20261231)) == [f"subscriptions[0].endDate: {DATE}"]
    assert subs(subscription(endDate="2025-12-31")) == ["subscriptions[0].endDate: before startDate"]
    assert subs(subscription(endDate="2026-01-01", startDate="2026-01-01")) == []
    assert subs(subscription(billingEmail="not-an-email")) == [
        "subscriptions[0].billingEmail: not a valid email address"
    ]
    assert subs(subscription(isCloud="yes")) == ["subscriptions[0].isCloud: must be true or false"]


def test_subscription_products():
    assert subs(subscription(products=[])) == ["subscriptions[0].products: at least one product"]
    assert subs({k: v for k, v in subscription().items() if k != "products"}) == [
        "subscriptions[0].products: at least one product"
    ]
    assert subs(subscription(products={})) == ["subscriptions[0].products: must be a list"]
    assert subs(subscription(products=[7])) == ["subscriptions[0].products[0]: must be an object"]
    assert subs(subscription(products=[product(), product()])) == [
        "subscriptions[0].products[1].key: duplicate product key 'DB'"
    ]
    assert subs(subscription(products=[product(amount="1.001")])) == [f"subscriptions[0].products[0].amount: {CENTS}"]
    assert subs(subscription(products=[product(amount="-1")])) == [
        "subscriptions[0].products[0].amount: must not be negative"
    ]
    assert subs(subscription(products=[product(amount=True)])) == [
        f"subscriptions[0].products[0].amount: {DECIMAL_HINT}"
    ]
    assert subs(subscription(products=[product(amount=Decimal("1200.5"), subscribedQuantity=Decimal(4))])) == []
    assert subs(subscription(products=[product(amount="0")])) == []
    assert subs(subscription(products=[product(subscribedQuantity="0.0000001", hourlyPrice="1e12")])) == [
        f"subscriptions[0].products[0].subscribedQuantity: {PLACES}",
        f"subscriptions[0].products[0].hourlyPrice: {PLACES}",
    ]
    assert subs(subscription(products=[product(hourlyPrice="0.000001")])) == []
    assert subs(subscription(products=[product(provisionedOn=None), product(key="B", provisionedOn="soon")])) == [
        f"subscriptions[0].products[1].provisionedOn: {DATE}"
    ]
    bad = subs(subscription(products=[product(category="X", program="Y", paymentMethod="Z")]))
    assert [e.split(":")[0] for e in bad] == [
        "subscriptions[0].products[0].category",
        "subscriptions[0].products[0].program",
        "subscriptions[0].products[0].paymentMethod",
    ]
    assert subs(subscription(products=[product(product="x" * 201)])) == [
        "subscriptions[0].products[0].product: longer than 200 characters"
    ]


def test_a_faulty_product_does_not_hide_the_subscriptions_own_faults():
    errors = subs(subscription(frequency="MONTHLY", endDate="2025-12-31", products=[product(amount="1.001")]))
    assert [e.split(":")[0] for e in errors] == [
        "subscriptions[0].frequency",
        "subscriptions[0].endDate",
        "subscriptions[0].products[0].amount",
    ]


# ---- invoices ------------------------------------------------------------------------------------
def test_invoice_fields():
    assert invs(invoice(tenant="nope")) == ["invoices[0].tenant: unknown tenant 'nope'"]
    assert invs(invoice(number="x" * 41)) == ["invoices[0].number: longer than 40 characters"]
    assert invs(invoice(), invoice()) == ["invoices[1].number: duplicate invoice 'INV-1'"]
    assert invs(invoice(invoiceDate="01/10/2026")) == [f"invoices[0].invoiceDate: {DATE}"]
    assert invs({k: v for k, v in invoice().items() if k != "invoiceDate"}) == ["invoices[0].invoiceDate: required"]
    assert invs(invoice(billingEmail="fin@")) == ["invoices[0].billingEmail: not a valid email address"]
    assert invs({k: v for k, v in invoice().items() if k != "billingEmail"}) == ["invoices[0].billingEmail: required"]
    assert invs(invoice(ccEmails=["ok@acme.com", "bad"])) == ["invoices[0].ccEmails[1]: not a valid email address"]
    assert invs(invoice(ccEmails=None)) == []
    assert invs(invoice(currency="usd"))[0].startswith("invoices[0].currency: an active ISO 4217")
    assert invs(invoice(paymentMethod="BARTER"))[0].startswith("invoices[0].paymentMethod: one of ")
    assert invs(invoice(paymentMethod="PO")) == []


def test_invoice_lines_and_payments():
    assert invs(invoice(lines=[])) == ["invoices[0].lines: at least one line"]
    line = {"product": "Support", "preTaxAmount": "100.00"}
    assert invs(invoice(lines=[{**line, "preTaxAmount": "100.001"}])) == [f"invoices[0].lines[0].preTaxAmount: {CENTS}"]
    assert invs(invoice(lines=[{**line, "taxAmount": "-0.01"}])) == [
        "invoices[0].lines[0].taxAmount: must not be negative"
    ]
    assert invs(invoice(lines=[{**line, "taxAmount": [1]}])) == [f"invoices[0].lines[0].taxAmount: {DECIMAL_HINT}"]
    assert invs(invoice(lines=[{"preTaxAmount": "1"}])) == ["invoices[0].lines[0].product: required"]
    assert invs(invoice(lines=[{**line, "category": "X"}]))[0].startswith("invoices[0].lines[0].category: one of ")
    payment = {"reference": "BANK-1", "amount": "10.00"}
    assert invs(invoice(payments=[payment, {**payment, "method": "CHECK"}])) == []
    assert invs(invoice(payments=[{**payment, "amount": "0"}])) == ["invoices[0].payments[0].amount: must be positive"]
    assert invs(invoice(payments=[{**payment, "amount": "0.001"}])) == [f"invoices[0].payments[0].amount: {CENTS}"]
    assert invs(invoice(payments=[{"amount": "1"}])) == ["invoices[0].payments[0].reference: required"]
    # Each currency's own minor units (issue 17): KWD and BHD 3, JPY none; more than 3 is never stored.
    kwd = {**line, "preTaxAmount": "100.125", "taxAmount": "0.005"}
    assert invs(invoice(currency="KWD", lines=[kwd], payments=[{**payment, "amount": "0.001"}])) == []
    assert invs(invoice(currency="BHD", lines=[{**line, "preTaxAmount": "1.0001"}])) == [
        "invoices[0].lines[0].preTaxAmount: at most 3 decimal places"
    ]
    assert invs(invoice(currency="JPY", lines=[{**line, "preTaxAmount": "1000.5"}])) == [
        "invoices[0].lines[0].preTaxAmount: too many decimal places for JPY (0)"
    ]
    assert invs(invoice(currency="PLN", lines=[{**line, "preTaxAmount": "12000.00"}])) == []
    assert invs(invoice(payments=[{**payment, "method": "CASH"}]))[0].startswith(
        "invoices[0].payments[0].method: one of "
    )


# ---- usage ---------------------------------------------------------------------------------------
def test_usage_fields():
    assert usages(usage(tenant="nope")) == ["usage[0].tenant: unknown tenant 'nope'"]
    assert usages(usage(hour="2026-03-10T25:00:00")) == ["usage[0].hour: ISO date-time of the hour"]
    assert usages(usage(hour="2026-03-10T10:00:00")) == []  # no offset: UTC
    assert usages(usage(quantity="-1")) == ["usage[0].quantity: must not be negative"]
    assert usages(usage(quantity="0")) == []
    assert usages(usage(quantity="0.0000001")) == [f"usage[0].quantity: {PLACES}"]
    assert usages(usage(quantity=Decimal("8.5"))) == []
    assert usages(usage(quantity=None)) == [f"usage[0].quantity: {DECIMAL_HINT}"]
    assert usages({k: v for k, v in usage().items() if k != "product"}) == ["usage[0].product: required"]
    assert validate_usage({}, TENANTS) == ["usage: must be a list"]
    assert usages(None) == ["usage[0]: must be an object"]


# ---- bank receipts -------------------------------------------------------------------------------
def test_bank_receipt_fields():
    assert receipts(receipt(tenant="nope")) == ["bankReceipts[0].tenant: unknown tenant 'nope'"]
    assert receipts(receipt(), receipt()) == ["bankReceipts[1].bankReference: duplicate bank reference 'FED-1'"]
    assert receipts(receipt(date="2026-11-31")) == [f"bankReceipts[0].date: {DATE}"]
    assert receipts(receipt(amount="0")) == ["bankReceipts[0].amount: must be positive"]
    assert receipts(receipt(amount="0.01")) == []
    assert receipts(receipt(amount="1.005")) == [f"bankReceipts[0].amount: {CENTS}"]
    assert receipts(receipt(amount="1.005", currency="KWD")) == []
    assert receipts(receipt(amount="ten")) == [f"bankReceipts[0].amount: {DECIMAL_HINT}"]
    assert receipts({k: v for k, v in receipt().items() if k != "currency"}) == ["bankReceipts[0].currency: required"]
    assert receipts(receipt(bankReference="x" * 101)) == ["bankReceipts[0].bankReference: longer than 100 characters"]
    assert receipts({k: v for k, v in receipt().items() if k != "payerReference"}) == [
        "bankReceipts[0].payerReference: required when invoiceNumber is absent"
    ]
    assert receipts({**{k: v for k, v in receipt().items() if k != "payerReference"}, "invoiceNumber": "INV-1"}) == []
    assert receipts(receipt(invoiceNumber="x" * 41)) == ["bankReceipts[0].invoiceNumber: longer than 40 characters"]


# ---- through the importer ------------------------------------------------------------------------
async def test_a_fault_rejects_the_document_through_the_importer(api):
    doc = {
        "tenants": [ACME],
        "subscriptions": [subscription(), subscription(number="S-2", products=[product(amount="1.001")])],
    }
    with pytest.raises(BadUserInput) as exc:
        await api.load(doc)
    assert exc.value.extensions["errors"] == [f"subscriptions[1].products[0].amount: {CENTS}"]
    assert await api.sql("select count(*) from invoicing_subscriptions") == [(0,)]


async def test_apply_reads_the_validated_items(api):
    """JSON numbers import like strings; defaults fill absent keys."""
    await api.load(
        {
            "tenants": [ACME],
            "subscriptions": [subscription(products=[product(amount=Decimal("1200.5"), subscribedQuantity=4)])],
        }
    )
    rows = await api.sql(
        "select s.currency, s.country, s.is_cloud, p.amount, p.category, p.program, p.payment_method, "
        "p.subscribed_quantity, p.hourly_price, p.provisioned_on from invoicing_subscriptions s "
        "join invoicing_subscription_products p on p.subscription_id = s.id"
    )
    assert [tuple(r) for r in rows] == [
        ("USD", "US", False, Decimal("1200.50"), "SUBSCRIPTION", "TECHNOLOGY", "INVOICE", Decimal(4), Decimal(0), None)
    ]
