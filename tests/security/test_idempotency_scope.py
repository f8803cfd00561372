"""Idempotency keys belong to the person who sent them (R-T1 within a tenant, R-I16…R-I19): two
people of one tenant who happen to use the same key each get their own payment, never the other's
replayed response; the same person replaying a key still gets their first response."""

from __future__ import annotations

from tests.conftest import ACME, Api

PAY = """mutation($input: PayInvoicesInput!) { payInvoices(input: $input) {
  payment { number status amount { amount } }
  invoices { number balance { amount } } } }"""


def pay(amount: str, key: str) -> dict:
    item = {"invoiceNumber": "A-1", "amount": amount}
    return {"input": {"invoices": [item], "method": "CARD", "cardToken": "tok_visa_4242", "idempotencyKey": key}}


async def test_the_same_key_from_two_people_is_two_payments(api: Api) -> None:
    """Idempotency records are scoped to (tenant, principal, scope, key)."""
    people = [*ACME["people"], {"email": "fin2@acme.com", "roles": ["FINANCE"]}]
    line = {
        "product": "Database support",
        "category": "SUPPORT_RENEWAL",
        "productFamily": "DATABASE",
        "preTaxAmount": "1000.00",
        "taxAmount": "0.00",
    }
    invoice = {
        "tenant": "acme",
        "number": "A-1",
        "invoiceDate": "2026-11-23",
        "currency": "USD",
        "country": "US",
        "orderNumber": "ORD-A-1",
        "billingEmail": "fin@acme.com",
        "lines": [line],
    }
    await api.load({"tenants": [{**ACME, "people": people}], "invoices": [invoice]})
    first = (await api.ok(PAY, pay("100.00", "same-key"), as_="fin@acme.com"))["payInvoices"]
    theirs = (await api.ok(PAY, pay("100.00", "same-key"), as_="fin2@acme.com"))["payInvoices"]
    assert theirs["payment"]["number"] != first["payment"]["number"]
    assert theirs["invoices"][0]["balance"]["amount"] == "800.00"
    # a different request under someone else's key is not a CONFLICT either
    other = (await api.ok(PAY, pay("50.00", "fin-key"), as_="fin@acme.com"))["payInvoices"]
    mine = (await api.ok(PAY, pay("25.00", "fin-key"), as_="fin2@acme.com"))["payInvoices"]
    assert mine["payment"]["amount"]["amount"] == "25.00" and mine["payment"]["number"] != other["payment"]["number"]
    # each person's own replay is still the first response, and the money moved once per person
    again = (await api.ok(PAY, pay("100.00", "same-key"), as_="fin@acme.com"))["payInvoices"]
    assert again["payment"]["number"] == first["payment"]["number"]
    assert await api.code(PAY, pay("99.00", "same-key"), as_="fin2@acme.com") == "CONFLICT"
    payments = await api.sql("select count(*) from invoicing_payments")
    assert payments == [(4,)]
