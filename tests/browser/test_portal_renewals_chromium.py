"""The portal's renewal journeys (examples/portal/pages/renewals.js, issue 19, SPEC §2) in headless
Chromium through the real server on SQLite: multi-year request and accept (R-R11, R-R12), customer
reference (R-R16) and quote-to (R-R15), carts (R-R17), the TSSA on the first renewal only (R-R4) and
the exports' progress (R-R18, R-R19). Each step asserts what the page shows and what the graph answers.

One server and one browser for the module (the demo tenant, plus a tenant that has never renewed,
for the TSSA); screenshots go where ``CC_PORTAL_SCREENSHOTS`` says, as in test_portal_chromium."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from selenium.webdriver.common.keys import Keys

from core.auth import issue_token
from plugins.renewals.demo import REP
from tests.browser.conftest import needs_chromium
from tests.browser.support import demo_portal, fetch, wait_for
from tests.browser.test_portal_chromium import ERIN, FIONA, TOM, go, graph, page_ready, sign_in_as
from tests.conftest import ACME
from tests.renewals.helpers import renewal

pytestmark = needs_chromium
FIRST_TIMER = "tech@acme.com"  # of a tenant with no renewal history: its first checkout needs the TSSA


@pytest.fixture(scope="module")
def portal(templates: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    firsts = [renewal("T-1", 60, quote_to=FIRST_TIMER), renewal("T-2", 70, quote_to=FIRST_TIMER)]
    with demo_portal(templates, tmp_path_factory, {"tenants": [ACME], "renewals": firsts}) as portal:
        yield portal | {"downloads": tmp_path_factory.mktemp("downloads")}


def status(driver: Any, text: str) -> str:
    return wait_for(
        driver, f"const s = document.getElementById('status').textContent; return s.includes({text!r}) && s"
    )


def place_order(driver: Any) -> None:
    """Place the order and see the confirmation (or fail with what the form says)."""
    driver.find_element("id", "place-order").click()
    shown = wait_for(
        driver,
        "return document.getElementById('view').dataset.page === 'order' ? 'order' : "
        "[...document.querySelectorAll('#checkout-form [role=alert], #checkout-form .field-error')]"
        ".map(e => e.textContent).join(' ').trim()",
    )
    assert shown == "order", shown
    page_ready(driver, "order")


def submit(driver: Any, form: str) -> None:
    driver.find_element("css selector", f"#{form} button[type=submit]").click()


def renewal_of(portal: dict[str, Any], email: str, sn: str, fields: str) -> dict[str, Any] | None:
    q = f"query($sn: String!) {{ renewal(supportNumber: $sn) {{ {fields} }} }}"
    return graph(portal, email, q, {"sn": sn})["data"]["renewal"]


def test_multi_year_request_then_accept_the_reps_quote(browser, portal):
    """R-R11/R-R12: Tom sees "save up to" on an eligible renewal, requests a quote with the live
    counter, the rep quotes it, and Tom accepts it: the renewal is in history with a multi-year order."""
    driver = browser
    sign_in_as(driver, portal, TOM)
    saving = renewal_of(portal, TOM, "DEMO-1001", "multiYearEligible saveUpTo { amount } status")
    assert saving["multiYearEligible"] and saving["status"] == "OPEN"
    go(driver, "#/renewals/pending?search=DEMO-1001", "renewals")
    row = driver.find_element("css selector", "tr[data-support-number='DEMO-1001']").text
    amount = f"{float(saving['saveUpTo']['amount']):,.2f}"
    assert f"Save up to ${amount}" in row
    go(driver, "#/renewal/DEMO-1001", "renewal")
    assert amount in driver.find_element("id", "save-up-to").text
    box = driver.find_element("css selector", "#multi-year-form textarea")
    assert box.get_attribute("maxlength") == "1800"
    box.send_keys("Three years, please")
    assert driver.find_element("id", "multi-year-counter").text == "1781 characters left"
    submit(driver, "multi-year-form")
    status(driver, "Multi-year quote requested")
    assert driver.find_element("id", "multi-year-pending").is_displayed()
    assert not driver.find_elements("id", "multi-year-form")  # asked once (R-R12)
    assert renewal_of(portal, TOM, "DEMO-1001", "status")["status"] == "MULTI_YEAR_PENDING"
    # the sales rep quotes it (the graph, as the rep would from their queue)
    rep = issue_token(portal["settings"], REP, staff_roles=["SALES_REP"])
    quoted = fetch(
        driver,
        f"{portal['app']}/graphql",
        {
            "method": "POST",
            "headers": {"Authorization": f"Bearer {rep}", "Content-Type": "application/json"},
            "body": '{"query": "mutation { updateMultiYearQuote(supportNumber: \\"DEMO-1001\\", '
            'amount: {amount: \\"30000.00\\", currency: \\"USD\\"}) { status } }"}',
        },
    )
    assert '"MULTI_YEAR_QUOTED"' in quoted["text"], quoted
    go(driver, "#/dashboard", "dashboard")
    go(driver, "#/renewal/DEMO-1001", "renewal")
    assert "3-year renewal quoted at $30,000.00" in driver.find_element("id", "multi-year-quote").text
    driver.find_element("id", "go-multi-year").click()
    page_ready(driver, "multi-year")
    assert "$30,000.00 for 3 years" in driver.find_element("id", "place-order").text
    assert not driver.find_elements("name", "acceptTssa")  # the demo customer renewed before (R-R4)
    driver.find_element("id", "place-order").click()  # the terms not accepted: refused on the field
    error = wait_for(driver, "return document.querySelector('[data-error-for=\"acceptTerms\"]').textContent")
    assert "Terms" in error
    assert renewal_of(portal, TOM, "DEMO-1001", "list")["list"] == "PENDING"
    driver.find_element("name", "acceptTerms").click()
    place_order(driver)
    assert "(multi-year)" in driver.find_element("id", "confirmation").text
    placed = renewal_of(portal, TOM, "DEMO-1001", "list status order { kind total { amount } orderNumber }")
    assert placed["list"] == "HISTORY" and placed["order"]["kind"] == "MULTI_YEAR"
    assert placed["order"]["total"]["amount"] == "30000.00"
    assert placed["order"]["orderNumber"] in driver.find_element("id", "confirmation").text
    go(driver, "#/renewal/DEMO-1001", "renewal")
    assert not driver.find_elements("id", "go-multi-year") and not driver.find_elements("id", "go-checkout")
    # R-R6: asking to cancel the paid order (from the keyboard) shows the graph's refusal in place
    driver.find_element("id", "cancel-order").send_keys(Keys.ENTER)
    refusal = wait_for(driver, "return document.querySelector('#cancel-answer [role=alert]')")
    forced = graph(portal, TOM, 'mutation { cancelRenewalOrder(supportNumber: "DEMO-1001") }')["errors"][0]
    assert refusal.get_attribute("data-code") == forced["extensions"]["code"] == "CONFLICT"
    assert forced["extensions"]["reason"] == "NOT_CANCELLABLE" and forced["message"] in refusal.text
    assert renewal_of(portal, TOM, "DEMO-1001", "list")["list"] == "HISTORY"


def test_a_viewer_has_no_multi_year_accept_and_a_forced_one_shows_forbidden(browser, portal):
    driver = browser
    share = 'mutation($e: String!) { shareRenewal(supportNumber: "DEMO-1005", role: VIEWER, emails: [$e]) { id } }'
    assert graph(portal, TOM, share, {"e": FIONA})["data"]["shareRenewal"]
    sign_in_as(driver, portal, FIONA)
    go(driver, "#/renewal/DEMO-1005", "renewal")
    assert "$32,400.00" in driver.find_element("id", "multi-year-quote").text  # she sees the quote…
    assert not driver.find_elements("id", "go-multi-year")  # …without the accept
    assert not driver.find_elements("id", "add-to-cart") and not driver.find_elements("id", "reference-form")
    go(driver, "#/multi-year/DEMO-1005", "multi-year")
    driver.find_element("name", "acceptTerms").click()
    driver.find_element("id", "place-order").click()
    alert = wait_for(driver, "return document.querySelector('#checkout-form [role=alert]')?.textContent")
    forced = graph(
        portal,
        FIONA,
        'mutation { acceptMultiYearRenewal(input: {supportNumber: "DEMO-1005", paymentMethod: INVOICE, '
        "acceptTerms: true}) { orderNumber } }",
    )
    assert forced["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert forced["errors"][0]["message"] in alert
    assert renewal_of(portal, TOM, "DEMO-1005", "status list") == {"status": "MULTI_YEAR_QUOTED", "list": "PENDING"}


def test_customer_reference_and_quote_to_move_the_renewal_to_its_new_owner(browser, portal):
    """R-R16 then R-R15: Tom edits the reference; a foreign quote-to is refused and changes nothing;
    Erin as the new quote-to owns it, and it leaves Tom's future list."""
    driver = browser
    sign_in_as(driver, portal, TOM)
    go(driver, "#/renewal/DEMO-2001", "renewal")
    ref = driver.find_element("css selector", "#reference-form input[name=customerReference]")
    ref.clear()
    ref.send_keys("ACME-PROJECT-42", Keys.ENTER)  # the keyboard submits the form
    status(driver, "Customer reference saved: ACME-PROJECT-42")
    assert "ACME-PROJECT-42" in driver.find_element("id", "renewal-facts").text
    assert renewal_of(portal, TOM, "DEMO-2001", "customerReference")["customerReference"] == "ACME-PROJECT-42"

    email = driver.find_element("css selector", "#quote-to-form input[name=email]")
    email.clear()
    email.send_keys("eve@elsewhere.example")
    submit(driver, "quote-to-form")
    refused = wait_for(
        driver, "return document.querySelector('#quote-to-form [role=alert], #quote-to-form .field-error:not(:empty)')"
    )
    assert refused.text
    assert renewal_of(portal, TOM, "DEMO-2001", "quoteTo { email }")["quoteTo"]["email"] == TOM
    email.clear()
    email.send_keys(ERIN)
    for name, value in (("firstName", "Erin"), ("lastName", "Executive")):
        box = driver.find_element("css selector", f"#quote-to-form input[name={name}]")
        box.clear()
        box.send_keys(value)
    submit(driver, "quote-to-form")
    page_ready(driver, "renewals")
    status(driver, f"Quote-to of DEMO-2001 is now {ERIN}")
    owner = renewal_of(portal, ERIN, "DEMO-2001", "quoteTo { email firstName }")["quoteTo"]
    assert owner == {"email": ERIN, "firstName": "Erin"}
    future = "{ renewals(list: FUTURE, first: 100) { nodes { supportNumber } } }"
    assert "DEMO-2001" not in [n["supportNumber"] for n in graph(portal, TOM, future)["data"]["renewals"]["nodes"]]
    go(driver, "#/renewals/future", "renewals")
    assert not driver.find_elements("css selector", "tr[data-support-number='DEMO-2001']")


def test_cart_add_save_list_and_check_out(browser, portal):
    """R-R17: Tom adds two pending renewals to his cart, saves it (by the keyboard), sees it among his
    saved carts, and checks the saved cart out: both renewals are in history, the cart is gone."""
    driver = browser
    sign_in_as(driver, portal, TOM)
    for sn, count in (("DEMO-1003", 1), ("DEMO-1007", 2)):
        go(driver, f"#/renewal/{sn}", "renewal")
        driver.find_element("id", "add-to-cart").click()
        status(driver, f"Added {sn} to your cart ({count} in it)")
    go(driver, "#/cart", "cart")
    rows = driver.find_elements("css selector", "#active-cart tbody tr")
    assert [r.get_attribute("data-support-number") for r in rows] == ["DEMO-1003", "DEMO-1007"]
    assert driver.find_element("id", "active-total").text.startswith("2 renewals · $150,000.00")
    driver.find_element("css selector", "#save-cart-form input[name=name]").send_keys("Spring", Keys.ENTER)
    status(driver, "Cart saved as Spring")
    assert driver.find_element("id", "cart-empty").is_displayed()
    names = [c.get_attribute("data-cart") for c in driver.find_elements("css selector", ".saved-cart")]
    saved = graph(portal, TOM, "{ savedCarts(first: 50) { nodes { name itemCount } } }")["data"]["savedCarts"]["nodes"]
    assert names == [c["name"] for c in saved] and "Spring" in names and "Q1 databases" in names
    # an empty name is refused on the field (nothing saved): make Spring active again first
    driver.find_element("css selector", "[data-cart='Spring'] [data-action=open]").click()
    status(driver, "Spring is your active cart")
    submit(driver, "save-cart-form")
    assert wait_for(driver, "return document.querySelector('#save-cart-form [data-error-for=name]').textContent")
    driver.find_element("css selector", "[data-checkout-cart='Spring']").click()
    page_ready(driver, "checkout-cart")
    assert driver.find_element("id", "checkout-renewals").text == "DEMO-1003, DEMO-1007"
    documents = driver.find_elements("css selector", "#view [data-download=ordering-document]")  # R-R14
    assert len(documents) == 2 and all("sig=" in d.get_attribute("href") for d in documents)
    assert "$150,000.00" in driver.find_element("id", "place-order").text
    driver.find_element("css selector", "input[name=paymentMethod][value=INVOICE]").click()  # over the card limit
    driver.find_element("name", "acceptTerms").click()
    place_order(driver)
    shown = [e.get_attribute("data-support-number") for e in driver.find_elements("css selector", "#order-renewals li")]
    assert shown == ["DEMO-1003", "DEMO-1007"]
    for sn in ("DEMO-1003", "DEMO-1007"):
        assert renewal_of(portal, TOM, sn, "list")["list"] == "HISTORY"
    left = graph(portal, TOM, "{ activeCart { id } savedCarts(first: 50) { nodes { name } } }")["data"]
    assert left["activeCart"] is None and "Spring" not in [c["name"] for c in left["savedCarts"]["nodes"]]


def test_tssa_is_asked_on_the_first_renewal_only(browser, portal):
    """R-R4: a customer that never renewed accepts the TSSA with its first order, not again."""
    driver = browser
    driver.find_element("id", "sign-out").click()
    page_ready(driver, "signin")
    token = issue_token(portal["settings"], FIRST_TIMER)
    driver.find_element("css selector", "#token-form textarea[name=token]").send_keys(f"Bearer {token}")
    submit(driver, "token-form")
    page_ready(driver, "dashboard")
    assert renewal_of(portal, FIRST_TIMER, "T-1", "tssaRequired")["tssaRequired"] is True
    go(driver, "#/checkout/T-1", "checkout")
    billing = {"name": "Fay Fin", "email": "fin@acme.com", "address": "1 Main St, Springfield"}
    for name, value in billing.items():
        driver.find_element("name", f"billing.{name}").send_keys(value)
    driver.find_element("name", "acceptTerms").click()
    driver.find_element("id", "place-order").click()
    error = wait_for(driver, "return document.querySelector('[data-error-for=\"acceptTssa\"]').textContent")
    forced = graph(
        portal,
        FIRST_TIMER,
        'mutation($b: BillingInput) { checkout(input: {supportNumbers: ["T-1"], paymentMethod: INVOICE, '
        "acceptTerms: true, billing: $b}) { orderNumber } }",
        {"b": billing},
    )
    assert forced["errors"][0]["extensions"]["field"] == "acceptTssa" and forced["errors"][0]["message"] == error
    assert driver.find_element("name", "acceptTssa").get_attribute("aria-invalid") == "true"
    assert renewal_of(portal, FIRST_TIMER, "T-1", "list")["list"] == "PENDING"
    driver.find_element("name", "acceptTssa").click()
    place_order(driver)
    assert renewal_of(portal, FIRST_TIMER, "T-1", "list")["list"] == "HISTORY"
    go(driver, "#/checkout/T-2", "checkout")
    assert not driver.find_elements("name", "acceptTssa")  # later renewals do not ask again
    for name, value in billing.items():
        driver.find_element("name", f"billing.{name}").send_keys(value)
    driver.find_element("name", "acceptTerms").click()
    place_order(driver)
    assert renewal_of(portal, FIRST_TIMER, "T-2", "list")["list"] == "HISTORY"


def test_exports_show_progress_and_are_saved(browser, portal):
    """R-R18/R-R19: the CSV and the summary report are read through the signed link with a progress
    line (bytes, rows), then saved: the rows shown are the file's, and the file is on disk."""
    driver = browser
    folder = portal["downloads"]
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    sign_in_as(driver, portal, TOM)
    go(driver, "#/renewals/pending", "renewals")
    total = graph(portal, TOM, "{ renewals(list: PENDING, first: 1) { totalCount } }")["data"]["renewals"]["totalCount"]
    for key in ("csv", "summary", "detailed"):
        link = driver.find_element("css selector", f"a[data-download={key}]")
        href = link.get_attribute("href")
        link.click()
        done = f"document.querySelector('[data-progress-for={key}]')"
        assert wait_for(
            driver, f"return ['done', 'failed'].includes({done}.dataset.state) && {done}.dataset.state"
        ) == ("done")
        rows = int(driver.execute_script(f"return {done}.dataset.rows"))
        body = fetch(driver, href)["text"]  # the same signed link, read again
        assert rows == len(body.rstrip("\n").split("\n")) - 1 > 0
        if key == "csv":
            assert rows == total  # the standard CSV honours the (empty) filter: the whole pending list
        text = driver.find_element("css selector", f"[data-progress-for={key}]").text
        assert f"{rows} rows" in text and "saved as" in text
    saved = folder / driver.find_element("css selector", "[data-progress-for=csv]").text.split("saved as ")[1].strip()
    deadline = time.monotonic() + 10
    while not (saved.exists() and saved.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(saved.read_text(encoding="utf-8-sig").rstrip("\n").split("\n")) - 1 == total


def test_the_pending_list_adds_the_picked_renewals_to_the_cart(browser, portal):
    """R-R17 from the list, by the keyboard: only pending renewals open for ordering can be picked;
    nothing picked says so; the picked one is in the cart and is removed from it on the carts page."""
    driver = browser
    sign_in_as(driver, portal, TOM)
    go(driver, "#/renewals/history", "renewals")
    assert not driver.find_elements("css selector", "input[name=pick]")
    go(driver, "#/renewals/pending", "renewals")
    picks = [e.get_attribute("value") for e in driver.find_elements("css selector", "input[name=pick]")]
    assert "DEMO-1002" in picks and "DEMO-1004" not in picks  # DEMO-1004 awaits its multi-year quote
    driver.find_element("id", "add-picked").send_keys(Keys.ENTER)
    status(driver, "Select the renewals to add first")
    driver.find_element("css selector", "input[name=pick][value='DEMO-1002']").send_keys(Keys.SPACE)
    driver.find_element("id", "add-picked").send_keys(Keys.ENTER)
    status(driver, "Added 1 renewals to your cart (1 in it)")
    cart = "{ activeCart { itemCount renewals { supportNumber } } }"
    assert graph(portal, TOM, cart)["data"]["activeCart"]["renewals"] == [{"supportNumber": "DEMO-1002"}]
    go(driver, "#/cart", "cart")
    driver.find_element("css selector", "#active-cart tr[data-support-number='DEMO-1002'] button").click()
    status(driver, "Removed DEMO-1002")
    assert graph(portal, TOM, cart)["data"]["activeCart"]["itemCount"] == 0


UNLABELLED = """return [...document.querySelectorAll('#view input, #view select, #view textarea, #view button')]
  .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .filter((e) => !(e.tagName === 'BUTTON' && e.textContent.trim()))
  .map((e) => e.name || e.id || e.outerHTML.slice(0, 80))"""
AUDIT = "const done = arguments[0]; import('/portal/i18n.js').then((m) => done(m.audit()));"


def test_renewal_pages_in_polish_have_every_word(browser, portal):
    """The renewal pages' words come from i18n.js in the person's language: in Polish the buttons are
    Polish, no text they asked for is missing from the dictionary (in any language), and every control
    of every renewal page has a name (its label, aria-label or text)."""
    driver = browser
    sign_in_as(driver, portal, TOM)
    go(driver, "#/settings", "settings")
    driver.find_element("css selector", "select[name=locale] option[value=pl]").click()
    submit(driver, "locale-form")
    wait_for(driver, "return document.documentElement.lang === 'pl'")
    for hash_, page in (
        ("#/renewals/pending", "renewals"),
        ("#/renewals/history", "renewals"),
        ("#/renewal/DEMO-1002", "renewal"),
        ("#/renewal/DEMO-1005", "renewal"),
        ("#/renewal/DEMO-1004", "renewal"),
        ("#/checkout/DEMO-1002", "checkout"),
        ("#/multi-year/DEMO-1005", "multi-year"),
        ("#/cart", "cart"),
        ("#/order/RO-DEMO-3001", "order"),
        ("#/renewal/DEMO-3001", "renewal"),
    ):
        go(driver, hash_, page)
        assert driver.execute_script(UNLABELLED) == [], hash_  # every control is named for screen readers
    go(driver, "#/renewal/DEMO-1002", "renewal")
    assert driver.find_element("id", "add-to-cart").text == "Dodaj do koszyka"
    assert driver.find_element("css selector", "#quote-to-form button[type=submit]").text == "Zmień adresata"
    audit = driver.execute_async_script(AUDIT)
    assert audit["unknown"] == [] and all(not m for m in audit["missing"].values()), audit["unknown"]
    assert graph(portal, TOM, "{ viewer { locale } }")["data"]["viewer"]["locale"] == "pl"
