"""Both document formats ask for a language the same way (issue 17/18): ``orderingDocumentUrl`` and
``documentUrl`` (HTML) take ``lang`` like their PDF siblings; without it the link opens in the
reader's own language (their setMyLocale choice). The signed link is followed as a browser would
(no Authorization header) and the page says ``<html lang=… dir=…>`` — ``rtl`` for Arabic — with the
amounts formatted for that language."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

from core.i18n import format_money
from tests.invoicing.test_api import load as load_invoices
from tests.invoicing.test_documents import NUMBER, polish_invoice, words
from tests.renewals.helpers import load as load_renewals
from tests.renewals.helpers import renewal
from tests.test_links import anonymous_get

ORDERING = 'query($l: String) { renewal(supportNumber: "DL-1") { orderingDocumentUrl(lang: $l) } }'
INVOICE = "query($n: String!, $l: String) { invoice(number: $n) { documentUrl(lang: $l) } }"


def html_of(resp) -> str:
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html"), resp.status_code
    return words(unescape(resp.text))


async def test_html_document_links_take_a_language(two_tenants):
    api = two_tenants
    await load_renewals(api, renewal("DL-1", 60, currency="EUR", amount="1234.56"))
    await load_invoices(api, polish_invoice())
    tech, fin = {"as_": "tech@acme.com"}, {"as_": "fin@acme.com"}

    for lang, direction, amount in (("de", "ltr", "1.234,56 €"), ("ar", "rtl", None), ("pl", "ltr", None)):
        url = (await api.ok(ORDERING, {"l": lang}, **tech))["renewal"]["orderingDocumentUrl"]
        assert f"lang={lang}" in url
        html = html_of(await anonymous_get(api, url))
        assert f'<html lang="{lang}" dir="{direction}">' in html
        assert words(amount or format_money(Decimal("1234.56"), "EUR", lang)) in html

    for lang, direction in (("ar", "rtl"), ("ro", "ltr")):
        url = (await api.ok(INVOICE, {"n": NUMBER, "l": lang}, **fin))["invoice"]["documentUrl"]
        html = html_of(await anonymous_get(api, url))
        assert f'<html lang="{lang}" dir="{direction}">' in html
        assert words(format_money(Decimal("12000.00"), "PLN", lang)) in html  # the balance due

    # a regional tag is read as its language; an unknown one is refused and names the argument
    url = (await api.ok(INVOICE, {"n": NUMBER, "l": "pl-PL"}, **fin))["invoice"]["documentUrl"]
    html = html_of(await anonymous_get(api, url))
    assert '<html lang="pl" dir="ltr">' in html and words("12 000,00 zł") in html
    err = await api.error(INVOICE, {"n": NUMBER, "l": "xx"}, **fin)
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and err["extensions"]["field"] == "lang"

    # no lang: the reader's own language, in both formats (the person chose Arabic)
    await api.ok('mutation { setMyLocale(locale: "ar") { email } }', **fin)
    both = "query($n: String!) { invoice(number: $n) { documentUrl documentPdfUrl } }"
    links = (await api.ok(both, {"n": NUMBER}, **fin))["invoice"]
    html = html_of(await anonymous_get(api, links["documentUrl"]))
    assert '<html lang="ar" dir="rtl">' in html
    assert words(format_money(Decimal("12000.00"), "PLN", "ar")) in html
    pdf = await anonymous_get(api, links["documentPdfUrl"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
