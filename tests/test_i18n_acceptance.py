"""Issue 17 acceptance, for each of the five languages: a person switches language through the graph;
the 120-day reminder (R-R2) then reaches them through the real SMTP sink in that language, with the
amount and the date as CLDR writes them, and a right-to-left HTML part for Arabic; a typed error
of the graph is in that language too (with its date), its code and machine fields untouched. The
message center reads in the reader's language, whatever language it was written for."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from core.i18n import format_date, format_money, text_direction, translate
from plugins.renewals import service as svc
from tests.renewals.helpers import TODAY, load, renewal

SET = "mutation($l: String!) { setMyLocale(locale: $l) { locale } }"
UPDATE = """mutation($input: UpdateRenewalInput!) { updateRenewal(input: $input) { supportNumber } }"""
MESSAGES = "{ viewer { messages { nodes { kind subject body } } } }"
SHARE = """mutation($sn: String!, $emails: [String!]!) {
  shareRenewal(supportNumber: $sn, role: VIEWER, emails: $emails) { email } }"""
# The currency each reader is billed in here (the same figure: 12,000.00), and how CLDR writes it.
CURRENCY = {"en": "USD", "pl": "PLN", "ro": "RON", "de": "EUR", "ar": "SAR"}
WRITTEN = {
    "en": "$12,000.00",
    "pl": "12\xa0000,00\xa0zł",
    "ro": "12.000,00\xa0RON",
    "de": "12.000,00\xa0€",
    "ar": "\u200f12,000.00\xa0ر.س.\u200f",
}


def _text_and_html(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


@pytest.mark.parametrize("locale", ["en", "pl", "ro", "de", "ar"])
async def test_reminder_and_error_in_the_readers_language(two_tenants, smtp, locale: str) -> None:
    api = two_tenants
    assert (await api.ok(SET, {"l": locale}, as_="tech@acme.com"))["setMyLocale"]["locale"] == locale
    currency = CURRENCY[locale]
    await load(
        api,
        renewal("R-120", 120, currency=currency, amount="12000.00"),
        renewal("R-LOCK", 20, currency=currency),
    )
    assert (await api.run_jobs("renewals.reminders")) == {"renewals.reminders": 2}  # R-LOCK's too
    await api.run_jobs("outbox.deliver")
    [mail] = [m for m in smtp.to("tech@acme.com") if "R-120" in m["Subject"]]
    start = TODAY + timedelta(days=120)
    assert mail["Subject"] == translate(
        locale, "Your support contract {support_number} is up for renewal", support_number="R-120"
    )
    assert mail["Content-Language"] == locale
    text, html = _text_and_html(mail)
    amount, day = format_money(Decimal("12000.00"), currency, locale), format_date(start, locale)
    assert amount == WRITTEN[locale]
    for part in (text, html.replace("&#39;", "'")):
        assert amount in part and day in part
    assert translate(locale, "Your username: {email}", email="tech@acme.com") in text
    assert f'lang="{locale}" dir="{text_direction(locale)}"' in html
    if locale == "ar":
        assert 'dir="rtl"' in html and "مرحبًا" in text
    elif locale != "en":
        assert "Support contract" not in text  # nothing left in English

    error = await api.error(
        UPDATE, {"input": {"supportNumber": "R-LOCK", "customerReference": "x"}}, as_="tech@acme.com"
    )
    assert error["extensions"]["code"] == "CONFLICT" and error["extensions"]["reason"] == "LOCKED"
    last_day = svc.lock_date(TODAY + timedelta(days=20)) - timedelta(days=1)
    assert format_date(last_day, locale) in error["message"]
    assert error["message"] == translate(
        locale,
        "Renewal {support_number} is locked: changes were possible until {LOCK_DAYS} days before the support "
        "start date ({value})",
        support_number="R-LOCK",
        LOCK_DAYS=svc.LOCK_DAYS,
        value=last_day,
    )


async def test_a_message_is_read_in_the_readers_language_at_read_time(two_tenants, smtp) -> None:
    api = two_tenants
    await load(api, renewal("R-9", 120))
    await api.ok(SHARE, {"sn": "R-9", "emails": ["fin@acme.com"]}, as_="tech@acme.com")
    before = (await api.ok(MESSAGES, as_="fin@acme.com"))["viewer"]["messages"]["nodes"]
    assert before[0]["subject"] == "tech@acme.com shared renewal R-9 with you"
    await api.ok(SET, {"l": "de"}, as_="fin@acme.com")
    after = (await api.ok(MESSAGES, as_="fin@acme.com"))["viewer"]["messages"]["nodes"]
    assert after[0]["kind"] == before[0]["kind"] == "sharing.renewal_shared"
    assert after[0]["subject"] == "tech@acme.com hat die Verlängerung R-9 für Sie freigegeben"


async def test_each_copy_of_an_email_is_in_its_recipients_language(two_tenants, smtp) -> None:
    """An assistance request goes to the sales rep (the tenant's language) with a copy to the requester
    in theirs: one message per language, each delivered only to its readers."""
    api = two_tenants
    await api.load({"tenants": [{**_acme(), "locale": "ro"}], "renewals": [renewal("R-A", 120)]})
    await api.ok(SET, {"l": "pl"}, as_="tech@acme.com")
    assist = "mutation($sn: String!, $m: String!) { requestRenewalAssistance(supportNumber: $sn, message: $m) { id } }"
    await api.ok(assist, {"sn": "R-A", "m": "Prosimy o <b>rabat</b>"}, as_="tech@acme.com")
    await api.run_jobs("outbox.deliver")
    copies = [m for m in smtp.messages if "R-A" in m["Subject"]]
    assert sorted(m["Content-Language"] for m in copies) == ["pl", "ro"]
    by_lang = {m["Content-Language"]: m for m in copies}
    assert by_lang["pl"]["Subject"] == translate(
        "pl", "Assistance requested on renewal {support_number}", support_number="R-A"
    )
    assert by_lang["ro"]["Subject"] == translate(
        "ro", "Assistance requested on renewal {support_number}", support_number="R-A"
    )
    assert all("tech@acme.com" in m["Cc"] for m in copies)  # the headers still name everyone
    assert "&lt;b&gt;rabat&lt;/b&gt;" in _text_and_html(by_lang["pl"])[1]  # a customer's text stays text


def _acme() -> dict:
    from tests.conftest import ACME

    return dict(ACME)


async def test_csv_headers_in_the_downloaders_language_cells_as_machine_values(two_tenants) -> None:
    """CSV: the header row follows the downloader's language; dates, amounts and codes stay machine
    values (docs/i18n.md), so the file computes in any spreadsheet and parses the same for a script."""
    import csv
    import io

    api = two_tenants
    await load(api, renewal("C-1", 40, currency="PLN", amount="12000.00", autoRenew=True))
    await api.ok(SET, {"l": "pl"}, as_="tech@acme.com")
    resp = await api.get("/renewals/export.csv?list=pending", as_="tech@acme.com")
    header, row = list(csv.reader(io.StringIO(resp.text)))[:2]
    assert header[0] == "Numer umowy wsparcia" == translate("pl", "Support Contract Number")
    cells = dict(zip(header, row, strict=True))
    assert cells[translate("pl", "Amount")] == "12000.00"
    assert cells[translate("pl", "Currency")] == "PLN"
    assert cells[translate("pl", "Start Date")] == (TODAY + timedelta(days=40)).isoformat()
    assert cells[translate("pl", "Renewal Method")] == "AUTO_RENEW"
    # The same file in English for a caller who asks for it and chose nothing.
    english = await api.client.get(
        "/renewals/export.csv?list=pending", headers={**api.headers("exec@acme.com"), "Accept-Language": "en"}
    )
    assert english.text.splitlines()[0].startswith("Support Contract Number,")
