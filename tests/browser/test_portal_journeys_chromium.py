"""The portal (examples/portal, issue 19) in headless Chromium, second module: the executive's
journey, the payment history and billing profile (R-I2, R-I14, R-I15), a keyboard-only journey
with every control labelled, and the portal's words in every language (no page shows an
untranslated text). One server (support.demo_portal) and one browser for the module; the page helpers
are test_portal_chromium.py's (screenshots go to the same folder)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from core.auth import issue_token
from core.demo import DEMO_PEOPLE, DEMO_STAFF
from core.portal import PORTAL_DIR
from plugins.invoicing.gateway import DECLINE_PREFIX
from tests.browser.conftest import needs_chromium
from tests.browser.support import demo_portal, wait_for
from tests.browser.test_portal_chromium import go, graph, page_ready, sign_in_as, tiles

pytestmark = needs_chromium
FIONA, TOM, ERIN = (DEMO_PEOPLE[k] for k in ("FINANCE", "TECHNICAL", "EXECUTIVE"))
BILL = DEMO_STAFF["BILLING_SUPPORT"]
INVOICES = "{ invoices(first: 100) { nodes { number status balance { amount } pendingAmount { amount } } } }"


@pytest.fixture(scope="module")
def portal(templates: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with demo_portal(templates, tmp_path_factory, {}) as running:
        yield running


AUDIT = """
const done = arguments[arguments.length - 1];
import('/portal/i18n.js').then(m => done(m.audit())).catch(e => done({error: String(e)}));
"""

# Every control on the page without an accessible name (label, aria-label, aria-labelledby, text)
# as Chromium computes it; hidden controls are left out (they cannot be reached).
UNLABELLED = """
return [...document.querySelectorAll('input, select, textarea, button, a[href]')]
  .filter(el => el.offsetParent !== null || el.type === 'file');
"""


def unlabelled(driver: Any) -> list[str]:
    bad = []
    for el in driver.execute_script(UNLABELLED):
        if not (el.accessible_name or "").strip():
            bad.append(el.get_attribute("outerHTML")[:120])
    return bad


def set_locale(portal: dict[str, Any], email: str, locale: str) -> None:
    got = graph(portal, email, "mutation($l: String!) { setMyLocale(locale: $l) { locale } }", {"l": locale})
    assert got["data"]["setMyLocale"]["locale"] == locale, got


def test_every_language_has_every_word_and_every_text_asked_for_is_in_the_dictionary(browser, portal):
    """i18n.js: each English text has pl/ro/de/ar with the same {placeholders}; every t("…") of the
    portal's modules and data-t of the page is a dictionary text."""
    driver = browser
    sign_in_as(driver, portal, FIONA)
    audit = driver.execute_async_script(AUDIT)
    assert "error" not in audit, audit
    assert audit["missing"] == {"pl": [], "ro": [], "de": [], "ar": []}
    assert audit["extra"] == [] and audit["placeholders"] == []
    keys = set(audit["keys"])
    asked = set()
    for path in [*PORTAL_DIR.glob("*.js"), *PORTAL_DIR.glob("pages/*.js")]:
        asked |= set(re.findall(r"\bt\(\s*\"((?:[^\"\\]|\\.)*)\"", path.read_text()))
    asked |= set(re.findall(r'data-t(?:-label)?="([^"]+)"', (PORTAL_DIR / "index.html").read_text()))
    assert sorted(asked - keys) == []


def test_the_executive_sees_invoices_rewards_and_people_without_the_finance_actions(browser, portal):
    """Erin (EXECUTIVE, SPEC §6): invoices and the billing profile to view, rewards to view but not
    to redeem, colleagues to invite but not to change or remove; what the page leaves out the graph
    refuses (FORBIDDEN)."""
    driver = browser
    sign_in_as(driver, portal, ERIN)
    shown = tiles(driver)
    counts = graph(portal, ERIN, "{ invoiceCounts { overdue open closed } rewards { balance { amount } } }")["data"]
    assert shown["rewards"] == counts["rewards"]["balance"]["amount"]
    assert shown["overdue"] == str(counts["invoiceCounts"]["overdue"])
    assert "Welcome, Erin Executive" in driver.find_element("tag name", "h1").text
    # R-S2: her own renewal (DEMO-1006 is quoted to her) and the one shared with her
    dash = graph(portal, ERIN, "{ renewalDashboard { pendingCount sharedCount } }")["data"]["renewalDashboard"]
    assert dash["sharedCount"] >= 1 and shown["shared"] == str(dash["sharedCount"])
    assert shown["pending"] == str(dash["pendingCount"])
    go(driver, "#/renewals/pending", "renewals")
    rows = [e.get_attribute("data-support-number") for e in driver.find_elements("css selector", "#renewals tbody tr")]
    assert "DEMO-1006" in rows

    go(driver, "#/invoices/overdue", "invoices")
    number = driver.find_element("css selector", "#invoices tbody tr").get_attribute("data-invoice")
    go(driver, f"#/invoice/{number}", "invoice")
    assert driver.find_element("css selector", "[data-fact=Balance]").text
    assert not driver.find_elements("id", "pay-form") and not driver.find_elements("id", "dispute-form")
    forced = graph(
        portal,
        ERIN,
        "mutation($n: String!) { payInvoices(input: {invoices: [{invoiceNumber: $n}], method: WIRE}) "
        "{ payment { number } } }",
        {"n": number},
    )
    assert forced["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    go(driver, "#/invoices/profile", "invoices")
    profile = graph(portal, ERIN, "{ billingProfile { billingEmail } }")["data"]["billingProfile"]
    assert driver.find_element("css selector", "[data-fact=billingEmail]").text == profile["billingEmail"]
    for form in ("contacts-form", "card-form", "po-change-form"):
        assert not driver.find_elements("id", form), form
    assert not driver.find_elements("css selector", "[data-action=remove-card]")

    go(driver, "#/rewards", "rewards")
    assert driver.find_elements("css selector", "#lots tbody tr")
    assert not driver.find_elements("id", "redeem-form")

    go(driver, "#/people", "people")
    assert driver.find_elements("id", "invite-form")  # executives invite (SPEC §6)
    assert not driver.find_elements("css selector", "[data-action=roles], [data-action=remove]")
    assert not driver.find_elements("id", "billing-share-form")  # the finance contact's (R-S4)
    assert not driver.find_elements("css selector", "[role=alert]")


def test_billing_support_acts_in_the_demo_tenant_from_the_picker(browser, portal):
    """Vendor staff BILLING_SUPPORT (SPEC §6, docs/demo.md) from the development picker: the portal
    sends X-Tenant for them; they see the tenant's invoices, billing profile and rewards to view,
    no renewals, and no pay, dispute or profile forms."""
    driver = browser
    token = issue_token(portal["settings"], BILL, staff_roles=["BILLING_SUPPORT"])

    def staff_graph(query: str) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}", "X-Tenant": "demo"}
        return httpx.post(f"{portal['app']}/graphql", json={"query": query}, headers=headers, timeout=20).json()

    sign_in_as(driver, portal, BILL, lands_on="queue")  # their work queue first (test_portal_staff_chromium.py)
    assert driver.execute_script("return sessionStorage.getItem('cc-portal-tenant')") == "demo"
    go(driver, "#/dashboard", "dashboard")
    seen = staff_graph("{ invoiceCounts { overdue open closed } rewards { balance { amount } } }")["data"]
    shown = tiles(driver)
    assert shown == {
        "overdue": str(seen["invoiceCounts"]["overdue"]),
        "open": str(seen["invoiceCounts"]["open"]),
        "closed": str(seen["invoiceCounts"]["closed"]),
        "rewards": seen["rewards"]["balance"]["amount"],
    }
    assert not driver.find_elements("css selector", "[role=alert]")
    go(driver, "#/invoices/overdue", "invoices")
    number = driver.find_element("css selector", "#invoices tbody tr").get_attribute("data-invoice")
    go(driver, f"#/invoice/{number}", "invoice")
    assert not driver.find_elements("id", "pay-form") and not driver.find_elements("id", "dispute-form")
    go(driver, "#/invoices/profile", "invoices")
    email = staff_graph("{ billingProfile { billingEmail } }")["data"]["billingProfile"]["billingEmail"]
    assert driver.find_element("css selector", "[data-fact=billingEmail]").text == email
    assert not driver.find_elements("css selector", "#contacts-form, #card-form, #po-change-form")
    driver.find_element("id", "sign-out").click()
    page_ready(driver, "signin")
    assert driver.execute_script("return sessionStorage.length") == 0  # neither token nor tenant kept


def test_payment_history_lists_what_the_graph_answers(browser, portal):
    driver = browser
    sign_in_as(driver, portal, FIONA)
    go(driver, "#/invoices/payments", "invoices")
    answer = graph(portal, FIONA, "{ invoicePayments(first: 50) { totalCount nodes { number status } } }")
    payments = answer["data"]["invoicePayments"]
    assert payments["totalCount"] > 0  # the demo's card payment, wire notice, ...
    rows = driver.execute_script(
        "return [...document.querySelectorAll('#payments tbody tr')].map(r => [r.dataset.payment, r.dataset.status])"
    )
    assert rows == [[p["number"], p["status"]] for p in payments["nodes"]]
    assert driver.find_element("id", "payments-count").text == f"{len(rows)} of {payments['totalCount']}"
    csv = driver.find_element("css selector", "[data-download=payments-csv]").get_attribute("href")
    assert "/downloads/" in csv or "sig" in csv


def test_finance_keeps_the_billing_profile_errors_on_the_fields(browser, portal):
    """R-I14/R-I15 for Fiona: a bad contact, a card number instead of a token and a PO change
    without its copy are each refused on their field and change nothing; then the card is saved
    and removed, and the PO change request is listed, as the graph says."""
    driver = browser  # Fiona
    go(driver, "#/invoices/profile", "invoices")
    profile_q = (
        "{ billingProfile { accountContacts cards { last4 label } poChangeRequests { poNumber documentName } } }"
    )
    before = graph(portal, FIONA, profile_q)["data"]["billingProfile"]
    plans = graph(portal, FIONA, "{ subscriptions(first: 50) { nodes { number billingSchedule { billDate } } } }")
    for plan in plans["data"]["subscriptions"]["nodes"]:
        rows = driver.find_elements("css selector", f"[data-plan='{plan['number']}'] .schedule tbody tr")
        assert len(rows) == len(plan["billingSchedule"]), plan["number"]

    contacts = driver.find_element("name", "accountContacts")
    contacts.send_keys(", not-an-email")
    driver.find_element("css selector", "#contacts-form button[type=submit]").click()
    assert wait_for(driver, "return document.querySelector('[data-error-for=accountContacts]').textContent")
    assert graph(portal, FIONA, profile_q)["data"]["billingProfile"] == before

    card = driver.find_element("css selector", "#card-form input[name=token]")
    card.send_keys("4111111111111111")
    driver.find_element("css selector", "#card-form input[name=label]").send_keys("Office card")
    driver.find_element("css selector", "#card-form button[type=submit]").click()
    assert wait_for(driver, "return document.querySelector('#card-form [data-error-for=token]').textContent")
    assert driver.find_element("css selector", "#card-form input[name=token]").get_attribute("aria-invalid") == "true"
    assert graph(portal, FIONA, profile_q)["data"]["billingProfile"] == before
    card.clear()
    card.send_keys("tok_office_9876")
    driver.find_element("css selector", "#card-form button[type=submit]").click()
    wait_for(driver, "return document.getElementById('status').textContent === 'Card saved.'")
    after = graph(portal, FIONA, profile_q)["data"]["billingProfile"]
    assert {"last4": "9876", "label": "Office card"} in after["cards"]
    assert driver.find_elements("css selector", "#cards tr[data-card='9876']")
    driver.find_element("css selector", "#cards tr[data-card='9876'] [data-action=remove-card]").click()
    wait_for(driver, "return document.getElementById('status').textContent === 'Card removed.'")
    assert {"last4": "9876", "label": "Office card"} not in graph(portal, FIONA, profile_q)["data"]["billingProfile"][
        "cards"
    ]

    invoice = graph(portal, FIONA, "{ invoices(first: 1) { nodes { number } } }")["data"]["invoices"]["nodes"][0][
        "number"
    ]
    form = driver.find_element("id", "po-change-form")
    form.find_element("name", "invoiceNumber").send_keys(invoice)
    form.find_element("name", "poNumber").send_keys("PO-NEW-42")
    form.find_element("css selector", "button[type=submit]").click()
    assert wait_for(driver, "return document.querySelector('[data-error-for=poDocument]').textContent")
    assert graph(portal, FIONA, profile_q)["data"]["billingProfile"]["poChangeRequests"] == before["poChangeRequests"]
    copy = Path(portal["shots"]).parent / "PO-NEW-42.pdf"
    copy.write_bytes(b"%PDF-1.4 purchase order\n")
    driver.find_element("css selector", "#po-change-form input[name=poDocument]").send_keys(str(copy))
    driver.find_element("css selector", "#po-change-form button[type=submit]").click()
    wait_for(driver, "return document.querySelector('#po-requests tr[data-po=\"PO-NEW-42\"]')")
    requests = graph(portal, FIONA, profile_q)["data"]["billingProfile"]["poChangeRequests"]
    assert {"poNumber": "PO-NEW-42", "documentName": "PO-NEW-42.pdf"} in requests
    page_ready(driver, "invoices")  # the screenshot of the profile with the request listed


def test_a_participant_sees_the_shared_renewal_with_its_check_out_and_places_the_order(browser, portal):
    """R-S1: Tom shares DEMO-1001 with Fiona (FINANCE, who may only view renewals) as PARTICIPANT:
    her dashboard counts it as shared, its page offers the check-out, and her order moves it to
    history, as the graph then says."""
    driver = browser
    share = 'mutation($e: String!) { shareRenewal(supportNumber: "DEMO-1001", role: PARTICIPANT, emails: [$e]) { id } }'
    assert graph(portal, TOM, share, {"e": FIONA})["data"]["shareRenewal"]
    sign_in_as(driver, portal, FIONA)
    counts = graph(portal, FIONA, "{ renewalDashboard { sharedCount } }")["data"]["renewalDashboard"]
    assert counts["sharedCount"] >= 1 and tiles(driver)["shared"] == str(counts["sharedCount"])
    go(driver, "#/renewal/DEMO-1001", "renewal")
    driver.find_element("id", "go-checkout").click()
    page_ready(driver, "checkout")
    methods = [e.get_attribute("value") for e in driver.find_elements("css selector", "input[name=paymentMethod]")]
    method = next(m for m in methods if m != "PO")
    driver.find_element("css selector", f"input[name=paymentMethod][value={method}]").click()
    driver.find_element("name", "acceptTerms").click()
    for tssa in driver.find_elements("name", "acceptTssa"):
        tssa.click()
    driver.find_element("id", "place-order").click()
    page_ready(driver, "order")
    after = graph(portal, FIONA, '{ renewal(supportNumber: "DEMO-1001") { list order { orderNumber } } }')
    placed = after["data"]["renewal"]
    assert (
        placed["list"] == "HISTORY" and placed["order"]["orderNumber"] in driver.find_element("id", "confirmation").text
    )


def _tab_to(driver: Any, selector: str, limit: int = 80) -> None:
    """Tab (only the keyboard) until the element matching selector has the focus; every Tab must
    move the focus somewhere else."""
    actions = ActionChains(driver)
    last = None
    for _ in range(limit):
        if driver.execute_script("return document.activeElement.matches(arguments[0])", selector):
            return
        actions.send_keys(Keys.TAB).perform()
        now = driver.execute_script("const a = document.activeElement; return a.outerHTML.slice(0, 200)")
        assert now != last, f"the focus did not move from {now}"
        last = now
    raise AssertionError(f"{selector} never had the focus")


def _press(driver: Any, key: str) -> None:
    ActionChains(driver).send_keys(key).perform()


FOCUS = """
const a = document.activeElement, h1 = document.querySelector('main h1');
return {inMain: !!a.closest('main'), heading: a === h1, text: h1?.textContent.trim(),
        said: document.getElementById('announce').textContent, title: document.title};
"""


def _focus_on_heading(driver: Any) -> str:
    """After a route change the focus is on the new page's main heading, whose words the live
    region says and the tab's title starts with; answers the heading."""
    focus = driver.execute_script(FOCUS)
    assert focus["inMain"] and focus["heading"], focus
    assert focus["said"] == focus["text"] and focus["title"].startswith(focus["text"]), focus
    return focus["text"]


def test_keyboard_only_sign_in_pay_and_dispute_with_every_control_labelled(browser, portal):
    driver = browser
    driver.cc_shots = portal["shots"]
    if not driver.current_url.startswith(f"{portal['app']}/portal"):  # the test run alone
        driver.get(f"{portal['app']}/portal")
    if driver.find_element("id", "nav").is_displayed():
        driver.find_element("id", "sign-out").click()
    page_ready(driver, "signin")
    assert unlabelled(driver) == []
    driver.execute_script("document.activeElement.blur()")
    _tab_to(driver, f"button[data-person='{FIONA}']")
    _press(driver, Keys.ENTER)
    page_ready(driver, "dashboard")
    assert _focus_on_heading(driver).startswith("Welcome")
    assert unlabelled(driver) == []
    # the skip link (the page's first Tab stop, before the navigation) takes the focus to the heading
    _tab_to(driver, "a.skip")
    _press(driver, Keys.ENTER)
    assert _focus_on_heading(driver).startswith("Welcome")

    _tab_to(driver, "[data-nav=invoices]")
    _press(driver, Keys.ENTER)
    page_ready(driver, "invoices")
    _focus_on_heading(driver)
    assert unlabelled(driver) == []
    nodes = graph(portal, FIONA, INVOICES)["data"]["invoices"]["nodes"]
    disputed = graph(portal, FIONA, "{ invoiceDisputes(first: 100) { nodes { invoiceNumber } } }")
    taken = {d["invoiceNumber"] for d in disputed["data"]["invoiceDisputes"]["nodes"]}
    free = [i for i in nodes if i["number"] not in taken and float(i["pendingAmount"]["amount"]) == 0]

    # pay an open invoice by card: the saved card is chosen and the balance prefilled; Enter pays
    to_pay = next(i["number"] for i in free if i["status"] == "OPEN" and float(i["balance"]["amount"]) > 0)
    _tab_to(driver, ".tabs a[href='#/invoices/open']")
    _press(driver, Keys.ENTER)
    page_ready(driver, "invoices")
    _tab_to(driver, f"#invoices a[href='#/invoice/{to_pay}']")
    _press(driver, Keys.ENTER)
    page_ready(driver, "invoice")
    assert to_pay in _focus_on_heading(driver)
    assert unlabelled(driver) == []
    _tab_to(driver, "#pay-form input[name=method][value=CARD]")
    _tab_to(driver, "#pay")
    _press(driver, Keys.ENTER)
    status = wait_for(driver, "return document.getElementById('pay-result').dataset.status")
    paid = graph(portal, FIONA, "query($n: String!) { invoice(number: $n) { balance { amount } } }", {"n": to_pay})
    assert status == "SUCCEEDED" and float(paid["data"]["invoice"]["balance"]["amount"]) == 0

    # dispute an overdue one: type the reason, then Space on the button
    to_dispute = next(i["number"] for i in free if i["status"] == "OVERDUE")
    _tab_to(driver, "[data-nav=invoices]")
    _press(driver, Keys.ENTER)
    page_ready(driver, "invoices")
    _tab_to(driver, f"#invoices a[href='#/invoice/{to_dispute}']")
    _press(driver, Keys.ENTER)
    page_ready(driver, "invoice")
    _tab_to(driver, "#dispute-form textarea[name=reason]")
    _press(driver, "Charged for a cancelled service")
    _tab_to(driver, "#dispute-form button[type=submit]")
    _press(driver, Keys.SPACE)
    shown = wait_for(driver, "return document.getElementById('dispute-result')?.textContent")
    assert shown.startswith("Dispute "), shown
    after = graph(portal, FIONA, "{ invoiceDisputes(first: 100) { nodes { invoiceNumber reason } } }")
    assert {"invoiceNumber": to_dispute, "reason": "Charged for a cancelled service"} in after["data"][
        "invoiceDisputes"
    ]["nodes"]

    every = (
        "#/invoices/payments",
        "#/invoices/profile",
        "#/rewards",
        "#/people",
        "#/settings",
        "#/renewals/pending",
        "#/renewals/history",
        "#/renewal/DEMO-1001",
        "#/cart",
    )
    for hash_ in every:
        go(driver, hash_, hash_.split("/")[1])
        assert unlabelled(driver) == [], hash_


def test_a_declined_card_is_shown_then_retried_with_the_saved_card(browser, portal):
    """R-I18: a declined card's payment is FAILED with its reason on the page and in the payment
    history, the balance unchanged; paying again with the saved card closes the invoice."""
    driver = browser  # Fiona
    nodes = graph(portal, FIONA, INVOICES)["data"]["invoices"]["nodes"]
    number = next(
        i["number"]
        for i in nodes
        if i["status"] != "CLOSED" and float(i["pendingAmount"]["amount"]) == 0 and float(i["balance"]["amount"]) > 0
    )
    balance = "query($n: String!) { invoice(number: $n) { balance { amount } } }"
    before = graph(portal, FIONA, balance, {"n": number})["data"]["invoice"]["balance"]["amount"]
    go(driver, f"#/invoice/{number}", "invoice")
    driver.find_element("css selector", "select[name=savedCardId] option[value='']").click()
    driver.find_element("name", "cardToken").send_keys(f"{DECLINE_PREFIX}0002")
    driver.find_element("id", "pay").click()
    assert wait_for(driver, "return document.getElementById('pay-result').dataset.status") == "FAILED"
    failed = driver.find_element("css selector", "#pay-result [role=alert]").text
    assert "Card declined by the issuer" in failed and "pay by wire" in failed
    assert graph(portal, FIONA, balance, {"n": number})["data"]["invoice"]["balance"]["amount"] == before
    go(driver, "#/invoices/payments", "invoices")
    row = driver.find_element("css selector", "#payments tbody tr")  # newest first
    assert row.get_attribute("data-status") == "FAILED" and number in row.text and "declined" in row.text
    go(driver, f"#/invoice/{number}", "invoice")
    driver.find_element("id", "pay").click()  # the saved (default) card
    assert wait_for(driver, "return document.getElementById('pay-result').dataset.status") == "SUCCEEDED"
    assert float(graph(portal, FIONA, balance, {"n": number})["data"]["invoice"]["balance"]["amount"]) == 0


# What is the same in a language as in English (a code, a name of a format) is not "untranslated".
TEXTS = """
const skip = new Set(['SCRIPT', 'STYLE', 'OPTION']);
const out = [];
const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walk.nextNode(); n; n = walk.nextNode()) {
  const el = n.parentElement;
  if (skip.has(el.tagName) || el.closest('[hidden]')) continue;
  const text = n.textContent.trim();
  if (text) out.push(text);
}
for (const el of document.querySelectorAll('[aria-label]')) out.push(el.getAttribute('aria-label'));
return out;
"""

MY_PAGES = [
    ("#/dashboard", "dashboard"),
    ("#/renewals/history", "renewals"),
    ("#/renewal/DEMO-1001", "renewal"),
    ("#/invoices/overdue", "invoices"),
    ("#/invoices/closed", "invoices"),
    ("#/invoices/payments", "invoices"),
    ("#/invoices/profile", "invoices"),
    ("#/rewards", "rewards"),
    ("#/people", "people"),
    ("#/settings", "settings"),
]


@pytest.mark.parametrize("locale", ["pl", "ro", "de", "ar"])
def test_no_page_shows_an_untranslated_text(browser, portal, locale):
    """In Polish, Romanian, German and Arabic, the invoice, payment, billing profile, rewards and people pages show no
    English text of the dictionary (one whose translation differs), and ask for no text the
    dictionary lacks; Arabic is right to left, money and dates written in the locale."""
    driver = browser
    set_locale(portal, FIONA, locale)
    try:
        sign_in_as(driver, portal, FIONA)
        assert driver.execute_script("return document.documentElement.lang") == locale
        audit = driver.execute_async_script(AUDIT)
        words = audit["translations"]
        # an English text is untranslated when shown, unless it is also a word of the language ("Role")
        english = {k for k, v in words.items() if v[locale] != k} - {v[locale] for v in words.values()}
        number = graph(portal, FIONA, "{ invoices(first: 1) { nodes { number } } }")["data"]["invoices"]["nodes"][0]
        for hash_, page in [*MY_PAGES, (f"#/invoice/{number['number']}", "invoice")]:
            go(driver, hash_, page)
            if locale == "ar":
                assert driver.execute_script("return document.documentElement.dir") == "rtl"
            shown = driver.execute_script(TEXTS)
            assert sorted({s for s in shown if s in english}) == [], hash_
            audit = driver.execute_async_script(AUDIT)
            assert audit["unknown"] == [], hash_
        # errors where they happen, in the language: the server's message on the field it names,
        # and above the page what the code means in the portal's words before the server's message
        go(driver, "#/invoices/profile", "invoices")
        driver.find_element("css selector", "#card-form input[name=token]").send_keys("4111111111111111")
        driver.find_element("css selector", "#card-form button[type=submit]").click()
        shown = wait_for(driver, "return document.querySelector('#card-form [data-error-for=token]').textContent")
        refused = graph(
            portal,
            FIONA,
            'mutation { addBillingCard(input: {token: "4111111111111111", expMonth: 1, expYear: 2030}) '
            "{ billingEmail } }",
        )
        assert shown == refused["errors"][0]["message"] and "tok_" in shown
        go(driver, "#/invoice/NO-SUCH-1", "invoice")
        alert = driver.find_element("css selector", "main [role=alert]")
        missing = graph(portal, FIONA, '{ invoice(number: "NO-SUCH-1") { number } }')["errors"][0]
        assert alert.get_attribute("data-code") == "NOT_FOUND"
        assert alert.text == f"{words['Not found.'][locale]} {missing['message']}"
        # a wrong redemption code (FORBIDDEN, no field named) is said on the code's field: what to
        # do (extensions.reason) in the portal's words, then the server's message, both translated
        go(driver, "#/rewards", "rewards")
        unpaid = next(i for i in graph(portal, FIONA, INVOICES)["data"]["invoices"]["nodes"] if i["status"] != "CLOSED")
        driver.find_element("name", "invoiceNumber").send_keys(unpaid["number"] + "\t")
        wait_for(driver, "return document.getElementById('redeemable').textContent")  # what it can pay, asked
        amount = driver.find_element("css selector", "#redeem-form input[name=amount]")
        amount.clear()
        amount.send_keys("1")
        driver.find_element("name", "redemptionCode").send_keys("WRONG-CODE")
        driver.find_element("css selector", "#redeem-form button[type=submit]").click()
        said = wait_for(
            driver,
            "return document.querySelector('#redeem-form [role=alert], #redeem-form .field-error:not(:empty)')"
            "?.dataset.errorFor === 'redemptionCode' && document.querySelector('[data-error-for=redemptionCode]')"
            ".textContent || document.querySelector('#redeem-form [role=alert], #redeem-form .field-error:not(:empty)')"
            "?.outerHTML",
        )
        assert said.startswith(words["Check the redemption code emailed to you."][locale]), said
        assert "Wrong redemption code" not in said and len(said) > len(
            words["Check the redemption code emailed to you."][locale]
        )
        assert driver.find_element("name", "redemptionCode").get_attribute("aria-invalid") == "true"
        # money in the locale: the rewards balance as Intl writes it for the person's language
        go(driver, "#/rewards", "rewards")
        balance = graph(portal, FIONA, "{ rewards { balance { amount currency } } }")["data"]["rewards"]["balance"]
        written = driver.execute_script(
            "return new Intl.NumberFormat(arguments[0], {style: 'currency', currency: arguments[1]})"
            ".format(arguments[2])",
            locale,
            balance["currency"],
            float(balance["amount"]),
        )
        assert written in driver.execute_script("return document.getElementById('rewards-balance').textContent")
    finally:
        set_locale(portal, FIONA, "en")


SAM, ADA = DEMO_STAFF["SALES_REP"], DEMO_PEOPLE["ADMIN"]
ASKED = '{ renewal(supportNumber: "DEMO-4002") { requests { kind message answer } } }'


def test_the_sales_rep_quotes_and_answers_from_the_work_queue_and_the_customer_sees_it(browser, portal):
    """The vendor's sales rep from the development picker (docs/internal-tools.md): Ada asks for a
    multi-year quote in the portal (R-R12) and for assistance through the graph (R-R13); the rep's
    work queue lists their assigned renewals and both requests, they quote and answer there (each
    control labelled), and Ada's renewal pages show the quote and the answer."""
    driver = browser
    sign_in_as(driver, portal, ADA)
    go(driver, "#/renewal/DEMO-4001", "renewal")
    driver.find_element("css selector", "#multi-year-form textarea").send_keys("Three years, please.")
    driver.find_element("css selector", "#multi-year-form button[type=submit]").click()
    wait_for(driver, "return document.getElementById('multi-year-pending')")
    asked = graph(
        portal,
        ADA,
        'mutation { requestRenewalAssistance(supportNumber: "DEMO-4002", message: "Can we add a line?") { id } }',
    )
    assert asked["data"]["requestRenewalAssistance"]["id"], asked

    driver.find_element("id", "sign-out").click()
    page_ready(driver, "signin")
    driver.find_element("css selector", f"button[data-person='{SAM}']").click()
    page_ready(driver, "queue")
    assert _focus_on_heading(driver) == "Work queue"
    assert unlabelled(driver) == []
    assert driver.find_element("css selector", "[data-nav=queue]").is_displayed()
    token = issue_token(portal["settings"], SAM, staff_roles=["SALES_REP"])
    queue = httpx.post(
        f"{portal['app']}/graphql",
        json={"query": "{ workQueues { assignedRenewals(list: PENDING) { totalCount } } }"},
        headers={"Authorization": f"Bearer {token}", "X-Tenant": "demo"},
        timeout=20,
    ).json()["data"]["workQueues"]
    rows = driver.find_elements("css selector", "#assigned tbody tr")
    assert len(rows) == min(20, queue["assignedRenewals"]["totalCount"]) > 0
    quote = driver.find_element("css selector", "#multi-year-requests form[data-sn='DEMO-4001']")
    assert "Three years, please." in quote.text and ADA in quote.text
    quote.find_element("name", "amount").send_keys("30000")
    quote.find_element("css selector", "button[type=submit]").click()
    wait_for(driver, "return !document.querySelector(\"#multi-year-requests form[data-sn='DEMO-4001']\")")
    assert driver.find_element("id", "status").text == "Quote sent for DEMO-4001."
    answer = driver.find_element("css selector", "#assistance-requests form[data-sn='DEMO-4002']")
    assert "Can we add a line?" in answer.text
    answer.find_element("name", "answer").send_keys("Yes: reply with the product and we requote.")
    answer.find_element("css selector", "button[type=submit]").click()
    wait_for(driver, "return !document.querySelector(\"#assistance-requests form[data-sn='DEMO-4002']\")")
    assert driver.execute_async_script(AUDIT)["unknown"] == []  # every text the queue asked is in the dictionary

    # the customer's renewal pages: the quote to review, the request answered
    sign_in_as(driver, portal, ADA)
    go(driver, "#/renewal/DEMO-4001", "renewal")
    assert "$30,000.00" in driver.find_element("id", "multi-year-quote").text
    assert driver.find_element("id", "go-multi-year").is_displayed()
    go(driver, "#/renewal/DEMO-4002", "renewal")
    answered = graph(portal, ADA, ASKED)["data"]["renewal"]["requests"]
    reply = "Yes: reply with the product and we requote."
    assert {"kind": "ASSISTANCE", "message": "Can we add a line?", "answer": reply} in answered
    assert "Yes: reply with the product and we requote." in driver.find_element("id", "requests").text


def test_the_operator_signs_in_from_the_picker(browser, portal):
    """The demo operator is in the development picker and acts in the demo tenant: they land on
    their work queue (test_portal_staff_chromium.py), and the dashboard greets them by email (staff
    have no name in the tenant), no error."""
    driver = browser
    sign_in_as(driver, portal, DEMO_STAFF["OPERATOR"], lands_on="queue")
    assert driver.execute_script("return sessionStorage.getItem('cc-portal-tenant')") == "demo"
    assert driver.find_element("css selector", "[data-nav=queue]").is_displayed()
    go(driver, "#/dashboard", "dashboard")
    assert not driver.find_elements("css selector", "main [role=alert]")
    assert driver.find_element("css selector", "main h1").text == f"Welcome, {DEMO_STAFF['OPERATOR']}"
