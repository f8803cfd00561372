"""The ordering document (R-R14; issue 17): localized HTML and PDF, and the "save up to" of a
multi-year renewal (R-R11) only while the renewal is open — an accepted renewal advertises none. The
invoice its order issues names the buyer given at checkout."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

from core.i18n import format_money
from tests.invoicing.test_documents import on_one_line, pdf_text, words
from tests.renewals.helpers import load
from tests.renewals.helpers import renewal as renewal_item
from tests.renewals.test_checkout import BILLING, CHECKOUT, TECH, order

DOC = "/renewals/D-1/ordering-document"


async def test_an_accepted_renewal_no_longer_advertises_a_saving(two_tenants):
    api = two_tenants
    await load(api, renewal_item("D-1", 60))
    before = words((await api.get(DOC + "?lang=en", **TECH)).text)
    assert "Eligible for a multi-year renewal: save up to $" in before
    placed = (await api.ok(CHECKOUT, order(["D-1"]), **TECH))["checkout"]
    after = (await api.get(DOC + "?lang=en", **TECH)).text
    assert "save up to" not in after and "multi-year" not in after
    assert "$12,000.00" in after
    # the order's invoice names the buyer of the checkout's billing details
    number = await api.sql("select number from invoicing_invoices where order_number = :o", o=placed["orderNumber"])
    invoice = (await api.get(f"/invoicing/invoices/{number[0][0]}/document?lang=en", as_="fin@acme.com")).text
    assert BILLING["name"] in invoice and BILLING["address"] in invoice


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is installed by .ci/run")
async def test_the_ordering_document_pdf_in_polish(two_tenants):
    if two_tenants.backend != "sqlite":
        pytest.skip("rendering does not depend on the database: once is enough")
    api = two_tenants
    await load(api, renewal_item("D-1", 60, customer="Zakłady Łódzkie S.A."))
    resp = await api.get(DOC + ".pdf?lang=pl", **TECH)
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/pdf"
    assert resp.headers["content-disposition"] == 'attachment; filename="ordering-document-D-1.pdf"'
    text = pdf_text(resp.content)
    assert "Zakłady Łódzkie S.A." in text  # Polish letters survive the fonts
    assert on_one_line(text, format_money(Decimal("12000.00"), "USD", "pl"))
    assert '<html lang="pl" dir="ltr">' in (await api.get(DOC + "?lang=pl", **TECH)).text
    arabic = (await api.get(DOC + "?lang=ar", **TECH)).text
    assert '<html lang="ar" dir="rtl">' in arabic and "رقم عقد الدعم" in arabic  # "Support contract number"
    assert '<bdi dir="ltr">Zakłady Łódzkie S.A.</bdi>' in arabic  # a Latin name keeps its direction
    assert (await api.get(DOC + ".pdf", as_="fin@globex.com")).status_code == 404
