"""The invoice document (R-I2; issue 17) over HTTP: what an invoice must carry — seller and buyer with
addresses and tax ids, dates, PO number (R-I15), each line's pre-tax amount, tax rate and tax
(R-I21), totals and the whole-unit total of R-I10, payments applied, balance due and the wire
instructions citing the invoice number (R-I17) — as HTML and as PDF in en, pl, ro, de and ar, read
back with pdftotext; the Arabic document is right-to-left."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import time
from decimal import Decimal
from html import unescape

import pytest

from core.i18n import format_date, format_money
from core.money import whole_units
from tests.invoicing.test_api import invoice, load

NUMBER = "PL-2026-0042"
BUYER = {"name": "Polska Firma Sp. z o.o.", "address": "ul. Świętokrzyska 12\n00-916 Warszawa", "taxId": "PL5260250274"}


def polish_invoice() -> dict:
    item = invoice(NUMBER, "10000.00", "2300.00", currency="PLN", country="PL", poNumber="PO-778", buyer=BUYER)
    item["lines"][0]["description"] = "Wsparcie techniczne 2027"
    item["lines"].append(
        {
            "product": "Zażółć gęślą jaźń — opcje",
            "category": "SUPPORT_RENEWAL",
            "preTaxAmount": "2000.00",
            "taxAmount": "460.00",
        }
    )
    item["payments"] = [{"reference": "BANK-PL-1", "amount": "2760.00"}]
    return item


BIDI_CONTROLS = re.compile(r"[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def on_one_line(text: str, expected: str) -> bool:
    """Every word of ``expected`` on one line of ``text``, in any order: pdftotext writes a
    right-to-left line in visual order (``PLN 12,000.00`` for ``12,000.00 PLN``)."""
    wanted = set(words(BIDI_CONTROLS.sub(" ", expected)).split())
    return any(wanted <= set(words(BIDI_CONTROLS.sub(" ", line)).split()) for line in text.splitlines())


def words(text: str) -> str:
    """Text with every kind of space made one plain space (CLDR uses no-break and narrow spaces)."""
    return re.sub(r"[\s\u00a0\u202f\u200f\u200e\u061c]+", " ", text)


async def test_the_invoice_carries_what_an_invoice_must(two_tenants):
    api = two_tenants
    await load(api, polish_invoice())
    resp = await api.get(f"/invoicing/invoices/{NUMBER}/document?lang=en", as_="fin@acme.com")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    html = words(unescape(resp.text))
    assert '<html lang="en" dir="ltr">' in html
    settings = api.state.settings
    for must in (
        settings.vendor_legal_name,
        settings.vendor_tax_id,
        settings.vendor_iban,
        settings.vendor_bic,
        BUYER["name"],
        "ul. Świętokrzyska 12",
        BUYER["taxId"],
        "November 23, 2026",  # invoice date
        "December 23, 2026",  # due date, net 30 (R-I4)
        "PO-778",
        "23%",  # each line's tax rate (R-I21)
        "PLN10,000.00",  # CLDR's English pattern for a currency without a symbol
        "PLN2,300.00",
        "PLN14,760.00",  # total
        "as the billing schedule shows it: PLN14,760",  # the graph's displayTotal (R-I10)
        "BANK-PL-1",
        "PLN2,760.00",  # the payment applied
        "Balance due: PLN12,000.00",
        f"must cite the invoice number {NUMBER}",
    ):
        assert words(must) in html, must
    # the same whole-unit total as the graph and the invoice list's CSV (R-I10)
    data = await api.ok(
        "query($n: String!) { invoice(number: $n) { displayTotal buyer { name address taxId } } }",
        {"n": NUMBER},
        as_="fin@acme.com",
    )
    assert data["invoice"]["buyer"] == {"name": BUYER["name"], "address": BUYER["address"], "taxId": BUYER["taxId"]}
    assert Decimal(data["invoice"]["displayTotal"]) == whole_units(Decimal("14760.00")) == Decimal("14760")
    rows = list(csv.DictReader(io.StringIO((await api.get("/invoicing/invoices.csv", as_="fin@acme.com")).text)))
    assert [(r["Invoice Number"], r["Total"], r["Display Total"]) for r in rows] == [(NUMBER, "14760.00", "14760")]
    # no ?lang=: the reader's language (here the client's Accept-Language, the person chose none)
    headers = {**api.headers("fin@acme.com"), "Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
    german = (await api.client.get(f"/invoicing/invoices/{NUMBER}/document", headers=headers)).text
    assert '<html lang="de" dir="ltr">' in german and words("Offener Betrag: 12.000,00 PLN") in words(german)
    # a person who chose Romanian reads it in Romanian, whatever the client asks for
    await api.ok('mutation { setMyLocale(locale: "ro") { email } }', as_="fin@acme.com")
    romanian = (await api.client.get(f"/invoicing/invoices/{NUMBER}/document", headers=headers)).text
    assert '<html lang="ro" dir="ltr">' in romanian and "Sold de plată" in romanian
    # another tenant's invoice is not found; a view-only role still may read it, an outsider may not
    assert (await api.get(f"/invoicing/invoices/{NUMBER}/document.pdf", as_="fin@globex.com")).status_code == 404
    assert (await api.get(f"/invoicing/invoices/{NUMBER}/document.pdf", as_=None)).status_code == 401


def pdf_text(pdf: bytes, *args: str) -> str:
    out = subprocess.run(["pdftotext", *args, "-", "-"], input=pdf, capture_output=True, check=True, timeout=60)
    return out.stdout.decode()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is installed by .ci/run")
async def test_the_invoice_pdf_in_five_languages(two_tenants, request):
    """One render per language (about half a second each): the localized balance and due date are in
    the PDF's text, and the Arabic one runs right to left."""
    if two_tenants.backend != "sqlite":
        pytest.skip("rendering does not depend on the database: once is enough")
    api = two_tenants
    await load(api, polish_invoice())
    started = time.perf_counter()
    boxes: dict[str, float] = {}
    titles: dict[str, list[str]] = {}
    query = "query($n: String!, $l: String) { invoice(number: $n) { documentPdfUrl(lang: $l) } }"
    link = (await api.ok(query, {"n": NUMBER}, as_="fin@acme.com"))["invoice"]["documentPdfUrl"]
    arabic = (await api.ok(query, {"n": NUMBER, "l": "ar"}, as_="fin@acme.com"))["invoice"]["documentPdfUrl"]
    assert "lang=ar" in arabic
    err = await api.error(query, {"n": NUMBER, "l": "xx"}, as_="fin@acme.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and err["extensions"]["field"] == "lang"
    for locale in ("en", "pl", "ro", "de", "ar"):
        if locale in ("en", "ar"):  # the graph's signed links, with no credential but their signature
            resp = await api.client.get(link if locale == "en" else arabic)  # en: the reader's language
        else:
            resp = await api.get(f"/invoicing/invoices/{NUMBER}/document.pdf?lang={locale}", as_="fin@acme.com")
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"] == "application/pdf"
        assert resp.content.startswith(b"%PDF-")
        raw = pdf_text(resp.content)
        balance = format_money(Decimal("12000.00"), "PLN", locale)
        due = format_date(api.clock.today().replace(month=12, day=23), locale)
        assert on_one_line(raw, balance), (locale, balance, raw)
        assert on_one_line(raw, due), (locale, due, raw)
        assert NUMBER in raw and BUYER["taxId"] in raw
        if locale != "ar":  # left to right: read in the order written
            assert words(balance) in words(raw) and words(due) in words(raw)
        boxes[locale], titles[locale] = _title(resp.content)
        html = (await api.get(f"/invoicing/invoices/{NUMBER}/document?lang={locale}", as_="fin@acme.com")).text
        assert f'lang="{locale}" dir="{"rtl" if locale == "ar" else "ltr"}"' in html
    assert "12 000,00 zł" in words(format_money(Decimal("12000.00"), "PLN", "pl"))
    # Right to left: the Arabic title starts on the right half of the page, the others on the left;
    # and its words run right to left — "فاتورة PL-2026-0042" is laid out with the number leftmost.
    assert boxes["ar"] > 0.5 and all(boxes[x] < 0.2 for x in ("en", "pl", "ro", "de")), boxes
    assert titles["ar"] == [NUMBER, "فاتورة"[::-1]], titles["ar"]  # pdftotext spells glyphs in visual order
    assert titles["en"] == ["Invoice", NUMBER] and titles["pl"] == ["Faktura", NUMBER]
    request.node.user_properties.append(("render_seconds", round(time.perf_counter() - started, 2)))


def _title(pdf: bytes) -> tuple[float, list[str]]:
    """Where the page's first line (the title) starts, as a fraction of the page width, and its words
    from left to right."""
    bbox = pdf_text(pdf, "-bbox-layout", "-f", "1", "-l", "1")
    width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))
    line = re.search(r'<line xMin="([\d.]+)"[^>]*>(.*?)</line>', bbox, re.S)
    placed = [(float(x), w) for x, w in re.findall(r'<word xMin="([\d.]+)"[^>]*>([^<]*)</word>', line.group(2))]
    return float(line.group(1)) / width, [w for _, w in sorted(placed)]


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("709.09", "USD", "en", "$709"),  # R-I10's example: USD 3,250 over 55 months, annual in advance
        ("12000.50", "PLN", "pl", "12 001 zł"),  # half-up to whole units
        ("1234.49", "EUR", "de", "1.234 €"),
        ("615.382", "KWD", "en", "KWD615"),
    ],
)
def test_whole_unit_amounts_in_the_locales_pattern(amount, currency, locale, expected):
    from core.documents import format_money_whole

    assert words(format_money_whole(Decimal(amount), currency, locale)) == words(expected)


def test_tax_rates_and_text_direction():
    from core.documents import percent, text_direction_of

    assert percent(Decimal("0.23"), "en") == "23%" and words(percent(Decimal("0.0725"), "de")) == "7,25 %"
    assert percent(Decimal("0.081000"), "pl") == "8,1%" and percent(Decimal("0"), "ro") == "0 %".replace(" ", "\xa0")
    assert text_direction_of("شركة الرياض") == "rtl" and text_direction_of("1 Example Street") == "ltr"
    assert text_direction_of("") == "ltr" and text_direction_of(None) == "ltr"
