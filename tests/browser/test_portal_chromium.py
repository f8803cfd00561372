"""The reference customer portal (examples/portal, issue 19) in headless Chromium with the network
cut, through the real server on SQLite seeded with the demo tenant (docs/demo.md): each journey
asserts what the page shows and, where it changes data, what the graph answers afterwards.

One browser session and one server for the whole module. A screenshot of every page shown is
written to the folder named by ``CC_PORTAL_SCREENSHOTS`` (else a pytest temporary folder, printed)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from core.auth import issue_token
from core.demo import DEMO_PEOPLE
from tests.browser.conftest import needs_chromium
from tests.browser.support import demo_portal, fetch, wait_for
from tests.renewals.helpers import renewal

pytestmark = needs_chromium
XSS = '<img src=x onerror="window.__xss=1">'
FIONA, TOM, ERIN, ADA = (DEMO_PEOPLE[k] for k in ("FINANCE", "TECHNICAL", "EXECUTIVE", "ADMIN"))
SHOTS = itertools.count(1)


@pytest.fixture(scope="module")
def portal(templates: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    probe = renewal("XSS-1", 60, tenant="demo", quote_to=TOM, customer=XSS, endUser=XSS)
    with demo_portal(templates, tmp_path_factory, {"renewals": [probe]}) as portal:
        yield portal


def graph(portal: dict[str, Any], email: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The graph's own answer, over HTTP with the person's token: what the page must agree with."""
    token = issue_token(portal["settings"], email)
    got = httpx.post(
        f"{portal['app']}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=20,
    )
    return got.json()


def page_ready(driver: Any, page: str) -> None:
    wait_for(driver, f"const v = document.getElementById('view'); return v.dataset.page === '{page}' && !v.ariaBusy")
    shots = driver.cc_shots
    driver.save_screenshot(str(shots / f"{next(SHOTS):02d}-{page}.png"))


def go(driver: Any, hash_: str, page: str) -> None:
    driver.execute_script("location.hash = arguments[0]", hash_)
    page_ready(driver, page)


def sign_in_as(driver: Any, portal: dict[str, Any], email: str, lands_on: str = "dashboard") -> None:
    """Sign in from the development picker; a person lands on the dashboard, vendor staff on their
    work queue (``lands_on="queue"``)."""
    driver.cc_shots = portal["shots"]
    if not driver.current_url.startswith(f"{portal['app']}/portal"):
        driver.get(f"{portal['app']}/portal")
    if driver.find_element("id", "nav").is_displayed():
        driver.find_element("id", "sign-out").click()
    page_ready(driver, "signin")
    assert driver.execute_script("return sessionStorage.length") == 0  # signed out: no token kept
    driver.find_element("css selector", f"button[data-person='{email}']").click()
    page_ready(driver, lands_on)


def tiles(driver: Any) -> dict[str, str]:
    return driver.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('[data-tile]')]"
        ".map(t => [t.dataset.tile, t.dataset.value]))"
    )


DASHBOARD = """{ viewer { email lastSignInAt }
  renewalDashboard { pendingCount historyCount futureCount sharedCount savedCarts { id } orders { orderNumber } }
  invoiceCounts { overdue open closed } rewards { balance { amount currency } } }"""


def test_finance_signs_in_with_the_picker_and_the_tiles_match_the_graph(browser, portal):
    driver = browser
    sign_in_as(driver, portal, FIONA)
    assert "error" in fetch(driver, "http://example.com/")  # the network is cut
    # no token in any URL: the page's address holds only the route
    assert "token" not in driver.current_url and "eyJ" not in driver.current_url
    shown = tiles(driver)
    data = graph(portal, FIONA, DASHBOARD)["data"]
    assert data["rewards"] is not None and data["invoiceCounts"] is not None  # she may see both (R-R22)
    expected = {"rewards": data["rewards"]["balance"]["amount"]}
    for key in ("overdue", "open", "closed"):
        expected[key] = str(data["invoiceCounts"][key])
    if data["renewalDashboard"] is not None:
        d = data["renewalDashboard"]
        expected |= {
            "pending": str(d["pendingCount"]),
            "history": str(d["historyCount"]),
            "future": str(d["futureCount"]),
            "shared": str(d["sharedCount"]),
            "savedCarts": str(len(d["savedCarts"])),
            "orders": str(len(d["orders"])),
        }
    assert shown == expected
    facts = driver.find_element("id", "personal").text
    assert FIONA in facts and "Acme Demo Corp" in facts and "FINANCE" in facts
    assert driver.find_element("css selector", "[data-fact=lastSignIn]").text not in ("", "—")
    assert not driver.find_elements("css selector", "[role=alert]")


def test_technical_sees_the_dashboard_without_rewards_and_without_an_error_page(browser, portal):
    driver = browser
    answer = graph(portal, TOM, DASHBOARD)
    # the graph answers Tom partially: rewards is null with its FORBIDDEN error, the rest is there
    assert answer["data"]["rewards"] is None
    assert {e["extensions"]["code"] for e in answer["errors"] if e["path"][0] == "rewards"} == {"FORBIDDEN"}
    sign_in_as(driver, portal, TOM)
    shown = tiles(driver)
    assert "rewards" not in shown
    assert shown["pending"] == str(answer["data"]["renewalDashboard"]["pendingCount"])
    assert shown["savedCarts"] == "1"  # "Q1 databases"
    assert not driver.find_elements("css selector", "[role=alert]")
    assert "Welcome, Tom Technical" in driver.find_element("tag name", "h1").text


def test_xss_probe_renders_as_text(browser, portal):
    driver = browser  # still Tom, who is the probe renewal's quote-to
    go(driver, "#/renewals/pending?search=XSS-1", "renewals")
    cell = driver.find_element("css selector", "tr[data-support-number='XSS-1'] td.customer")
    assert cell.text == XSS
    assert not driver.find_elements("css selector", "#renewals img")
    go(driver, "#/renewal/XSS-1", "renewal")
    assert XSS in driver.find_element("id", "renewal-facts").text
    assert not driver.find_elements("css selector", "main img")
    assert driver.execute_script("return window.__xss") is None


def test_assistance_counter_and_a_signed_ordering_document(browser, portal):
    driver = browser
    go(driver, "#/renewal/DEMO-1001", "renewal")
    box = driver.find_element("css selector", "#assist-form textarea")
    assert box.get_attribute("maxlength") == "1800"
    box.send_keys("Please call")
    assert driver.find_element("id", "assist-counter").text == "1789 characters left"
    driver.find_element("css selector", "#assist-form button[type=submit]").click()
    wait_for(driver, "return document.getElementById('requests')?.textContent.includes('Please call')")
    requests = graph(portal, TOM, '{ renewal(supportNumber: "DEMO-1001") { requests { message } } }')
    assert "Please call" in [r["message"] for r in requests["data"]["renewal"]["requests"]]
    # the ordering document: a signed link that opens in the browser without the bearer header
    go(driver, "#/renewal/DEMO-1001", "renewal")
    href = driver.find_element("css selector", "[data-download=ordering-document]").get_attribute("href")
    assert "sig=" in href and "token" not in href
    driver.get(href)
    assert "DEMO-1001" in driver.page_source
    driver.back()
    page_ready(driver, "renewal")


def test_sharing_tab_shares_and_revokes(browser, portal):
    driver = browser  # Tom, the quote-to of DEMO-1001, may share it (§6: TECHNICAL)
    go(driver, "#/renewal/DEMO-1001", "renewal")
    driver.find_element("css selector", "#share-form input[name=emails]").send_keys(ERIN)
    driver.find_element("css selector", "#share-form select[name=role] option[value=VIEWER]").click()
    driver.find_element("css selector", "#share-form button[type=submit]").click()
    wait_for(driver, f"return document.querySelector('[data-share=\"{ERIN}\"]')")
    shares = '{ renewalShares(supportNumber: "DEMO-1001") { nodes { email role } } }'
    assert {"email": ERIN, "role": "VIEWER"} in graph(portal, TOM, shares)["data"]["renewalShares"]["nodes"]
    # a foreign address is refused on the field, and nothing is shared (R-S3)
    driver.find_element("css selector", "#share-form input[name=emails]").send_keys("eve@elsewhere.example")
    driver.find_element("css selector", "#share-form button[type=submit]").click()
    assert wait_for(
        driver, "return document.querySelector('#share-form [role=alert], #share-form .field-error:not(:empty)')"
    )
    emails = [n["email"] for n in graph(portal, TOM, shares)["data"]["renewalShares"]["nodes"]]
    assert "eve@elsewhere.example" not in emails
    page_ready(driver, "renewal")
    driver.find_element("css selector", f"[data-share='{ERIN}'] button").click()
    wait_for(driver, f"return !document.querySelector('[data-share=\"{ERIN}\"]') && document.getElementById('shares')")
    assert ERIN not in [n["email"] for n in graph(portal, TOM, shares)["data"]["renewalShares"]["nodes"]]


def test_autorenew_until_the_lock_date(browser, portal):
    driver = browser  # Tom
    go(driver, "#/renewal/DEMO-1007", "renewal")
    lock = graph(portal, TOM, '{ renewal(supportNumber: "DEMO-1007") { lockDate locked autoRenew } }')["data"][
        "renewal"
    ]
    assert not lock["locked"] and not lock["autoRenew"]
    assert "until" in driver.find_element("id", "lock-date").text
    driver.find_element("css selector", "#autorenew-form input[name=autoRenew]").click()
    driver.find_element("css selector", "#autorenew-form select[name=paymentMethod] option[value=CARD]").click()
    driver.find_element("css selector", "#autorenew-form button[type=submit]").click()
    wait_for(driver, "return document.getElementById('status').textContent.includes('AutoRenew on')")
    after = graph(portal, TOM, '{ renewal(supportNumber: "DEMO-1007") { autoRenew paymentMethod } }')["data"]["renewal"]
    assert after == {"autoRenew": True, "paymentMethod": "CARD"}


def test_checkout_shows_po_mismatches_on_the_fields_then_places_the_order(browser, portal):
    driver = browser
    go(driver, "#/checkout/DEMO-1002", "checkout")
    methods = [e.get_attribute("value") for e in driver.find_elements("css selector", "input[name=paymentMethod]")]
    offered = graph(portal, TOM, '{ renewal(supportNumber: "DEMO-1002") { paymentMethodsOffered } }')
    assert methods == offered["data"]["renewal"]["paymentMethodsOffered"] and "PO" in methods
    driver.find_element("css selector", "input[name=paymentMethod][value=PO]").click()
    billing = {
        n: driver.find_element("name", f"billing.{n}").get_attribute("value") for n in ("name", "email", "address")
    }
    driver.find_element("name", "purchaseOrder.number").send_keys("PO-7788")
    driver.find_element("name", "purchaseOrder.billToName").send_keys("Somebody Else")
    driver.find_element("name", "purchaseOrder.billToEmail").send_keys(billing["email"])
    driver.find_element("name", "purchaseOrder.billToAddress").send_keys(billing["address"])
    driver.find_element("name", "acceptTerms").click()
    for tssa in driver.find_elements("name", "acceptTssa"):
        tssa.click()
    driver.find_element("id", "place-order").click()
    error = "return document.querySelector('[data-error-for=\"purchaseOrder.billToName\"]').textContent"
    assert "PO" in wait_for(driver, error)
    assert driver.find_element("name", "purchaseOrder.billToName").get_attribute("aria-invalid") == "true"
    assert (
        driver.execute_script(
            "return document.querySelector('[data-error-for=\"purchaseOrder.billToEmail\"]').textContent"
        )
        == ""
    )
    before = graph(portal, TOM, '{ renewal(supportNumber: "DEMO-1002") { list } }')["data"]["renewal"]
    assert before["list"] == "PENDING"  # the refused order changed nothing
    name = driver.find_element("name", "purchaseOrder.billToName")
    name.clear()
    name.send_keys(billing["name"])
    driver.find_element("id", "place-order").click()
    page_ready(driver, "order")
    confirmation = driver.find_element("id", "confirmation").text
    after = graph(portal, TOM, '{ renewal(supportNumber: "DEMO-1002") { list poNumber order { orderNumber } } }')
    placed = after["data"]["renewal"]
    assert placed["list"] == "HISTORY" and placed["poNumber"] == "PO-7788"
    assert placed["order"]["orderNumber"] in confirmation
    assert driver.find_elements("css selector", "#messages li")  # the message-center confirmation
    # history filtered by PO number finds it
    go(driver, "#/renewals/history?po=PO-7788", "renewals")
    rows = [e.get_attribute("data-support-number") for e in driver.find_elements("css selector", "#renewals tbody tr")]
    assert rows == ["DEMO-1002"]


def test_admin_invites_changes_the_role_of_and_removes_a_colleague(browser, portal):
    driver = browser
    sign_in_as(driver, portal, ADA)
    go(driver, "#/people", "people")
    people = "{ users(first: 100, includeRemoved: true) { nodes { email status roles } } }"

    def person(email: str) -> dict[str, Any] | None:
        return next((p for p in graph(portal, ADA, people)["data"]["users"]["nodes"] if p["email"] == email), None)

    form = driver.find_element("id", "invite-form")
    form.find_element("name", "email").send_keys("mallory@elsewhere.example")
    form.find_element("css selector", "button[type=submit]").click()
    assert wait_for(
        driver, "return document.querySelector('#invite-form [role=alert], #invite-form .field-error:not(:empty)')"
    )
    assert person("mallory@elsewhere.example") is None  # R-S3: only the organisation's domains
    new = "nina.new@acme-demo.com"
    email = driver.find_element("css selector", "#invite-form input[name=email]")
    email.clear()
    email.send_keys(new)
    driver.find_element("css selector", "#invite-form select[name=roles] option[value=TECHNICAL]").click()
    driver.find_element("css selector", "#invite-form button[type=submit]").click()
    shown = wait_for(
        driver,
        f"return document.querySelector('tr[data-person=\"{new}\"]') ? 'row' : "
        "document.querySelector('#invite-form [role=alert], #invite-form .field-error:not(:empty)')?.textContent",
    )
    assert shown == "row", shown
    assert person(new)["roles"] == ["TECHNICAL"] and person(new)["status"] == "INVITED"
    # roles Ada holds herself (TECHNICAL, ADMIN) are hers to give
    driver.find_element("css selector", f"tr[data-person='{new}'] option[value=ADMIN]").click()
    row = driver.find_element("css selector", f"tr[data-person='{new}']")
    driver.execute_script("arguments[0].dataset.old = '1'", row)  # to see the page render again
    row.find_element("css selector", "[data-action=roles]").click()
    wait_for(
        driver, f"return document.querySelector('tr[data-person=\"{new}\"]:not([data-old]) select')?.value === 'ADMIN'"
    )
    assert person(new)["roles"] == ["ADMIN"]
    driver.find_element("css selector", f"tr[data-person='{new}'] [data-action=remove]").click()
    wait_for(driver, f"return !document.querySelector('tr[data-person=\"{new}\"]')")
    assert person(new)["status"] == "REMOVED"


def test_a_viewer_has_no_checkout_and_a_forced_one_shows_forbidden(browser, portal):
    """Tom shares DEMO-1001 with Fiona as VIEWER: she sees it, without the accept (check out) link;
    going to the checkout anyway, the order is refused with the graph's FORBIDDEN message."""
    driver = browser
    share = 'mutation($e: String!) { shareRenewal(supportNumber: "DEMO-1001", role: VIEWER, emails: [$e]) { id } }'
    assert graph(portal, TOM, share, {"e": FIONA})["data"]["shareRenewal"]
    sign_in_as(driver, portal, FIONA)
    go(driver, "#/renewal/DEMO-1001", "renewal")
    assert not driver.find_elements("id", "go-checkout")
    go(driver, "#/checkout/DEMO-1001", "checkout")
    driver.find_element("name", "acceptTerms").click()
    for tssa in driver.find_elements("name", "acceptTssa"):
        tssa.click()
    driver.find_element("id", "place-order").click()
    alert = wait_for(driver, "return document.querySelector('#checkout-form [role=alert]')?.textContent")
    method = driver.find_element("css selector", "input[name=paymentMethod]:checked").get_attribute("value")
    forced = graph(
        portal,
        FIONA,
        'mutation($m: PaymentMethod!) { checkout(input: {supportNumbers: ["DEMO-1001"], paymentMethod: $m, '
        "acceptTerms: true, acceptTssa: true}) { orderNumber } }",
        {"m": method},
    )
    assert forced["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert forced["errors"][0]["message"] in alert
    assert (
        graph(portal, TOM, '{ renewal(supportNumber: "DEMO-1001") { list } }')["data"]["renewal"]["list"] == "PENDING"
    )


def test_finance_pays_an_invoice_by_card(browser, portal):
    driver = browser
    sign_in_as(driver, portal, FIONA)
    unpaid = graph(portal, FIONA, "{ invoices(status: OPEN, first: 50) { nodes { number balance { amount } } } }")
    number = next(i["number"] for i in unpaid["data"]["invoices"]["nodes"] if float(i["balance"]["amount"]) > 0)
    go(driver, f"#/invoice/{number}", "invoice")
    href = driver.find_element("css selector", "[data-download=invoice-document]").get_attribute("href")
    assert fetch(driver, href)["status"] == 200  # the signed invoice document
    driver.find_element("id", "pay").click()
    status = wait_for(driver, "return document.getElementById('pay-result').dataset.status")
    assert status == "SUCCEEDED", driver.find_element("id", "pay-result").text
    after = graph(
        portal, FIONA, "query($n: String!) { invoice(number: $n) { status balance { amount } } }", {"n": number}
    )
    assert after["data"]["invoice"]["status"] == "CLOSED" and float(after["data"]["invoice"]["balance"]["amount"]) == 0


INVOICES = "{ invoices(first: 100) { nodes { number status balance { amount } pendingAmount { amount } } } }"


def test_finance_announces_a_wire(browser, portal):
    driver = browser  # Fiona
    unpaid = graph(portal, FIONA, INVOICES)["data"]["invoices"]["nodes"]
    number = next(i["number"] for i in unpaid if i["status"] != "CLOSED" and float(i["pendingAmount"]["amount"]) == 0)
    go(driver, f"#/invoice/{number}", "invoice")
    driver.find_element("css selector", "input[name=method][value=WIRE]").click()
    driver.find_element("name", "reference").send_keys("ACME-WIRE-1")
    driver.find_element("id", "pay").click()
    result = wait_for(
        driver,
        "return document.getElementById('pay-result').textContent || "
        "document.querySelector('#pay-form [role=alert], #pay-form .field-error:not(:empty)')?.textContent",
    )
    assert "Wire notice" in result and number in result, result
    after = graph(
        portal, FIONA, "query($n: String!) { invoice(number: $n) { pendingAmount { amount } } }", {"n": number}
    )
    assert float(after["data"]["invoice"]["pendingAmount"]["amount"]) > 0


def test_finance_disputes_an_invoice_and_emails_the_list(browser, portal):
    driver = browser
    nodes = graph(portal, FIONA, INVOICES)["data"]["invoices"]["nodes"]
    disputed = graph(portal, FIONA, "{ invoiceDisputes(first: 100) { nodes { invoiceNumber } } }")
    taken = {d["invoiceNumber"] for d in disputed["data"]["invoiceDisputes"]["nodes"]}
    number = next(i["number"] for i in nodes if i["status"] == "OVERDUE" and i["number"] not in taken)
    go(driver, f"#/invoice/{number}", "invoice")
    driver.find_element("css selector", "#dispute-form textarea[name=reason]").send_keys("Billed twice for March")
    driver.find_element("css selector", "#dispute-form button[type=submit]").click()
    shown = wait_for(
        driver,
        "return document.getElementById('dispute-result')?.textContent || "
        "document.querySelector('#dispute-form [role=alert], #dispute-form .field-error:not(:empty)')?.textContent",
    )
    assert shown.startswith("Dispute "), shown
    after = graph(portal, FIONA, "{ invoiceDisputes(first: 100) { nodes { invoiceNumber reason } } }")
    assert {"invoiceNumber": number, "reason": "Billed twice for March"} in after["data"]["invoiceDisputes"]["nodes"]
    go(driver, "#/invoices/overdue", "invoices")
    driver.find_element("id", "email-list").click()
    assert "emailed to" in wait_for(driver, "return document.getElementById('status').textContent")


def test_finance_redeems_rewards_with_the_emailed_code(browser, portal):
    driver = browser
    before = graph(portal, FIONA, "{ rewards { balance { amount } } }")["data"]["rewards"]["balance"]["amount"]
    redeemable = "query($n: String!) { rewards { redeemable(invoiceNumber: $n) { amount } } }"
    number = next(
        i["number"]
        for i in graph(portal, FIONA, INVOICES)["data"]["invoices"]["nodes"]
        if i["status"] != "CLOSED"
        and float(i["pendingAmount"]["amount"]) == 0
        and float(graph(portal, FIONA, redeemable, {"n": i["number"]})["data"]["rewards"]["redeemable"]["amount"]) > 0
    )
    go(driver, "#/rewards", "rewards")
    assert driver.find_elements("css selector", "#lots tr") and driver.find_elements("css selector", "#activity tr")
    driver.find_element("name", "invoiceNumber").send_keys(number + "\t")
    most = graph(portal, FIONA, redeemable, {"n": number})["data"]["rewards"]["redeemable"]["amount"]
    wait_for(driver, f"return document.querySelector('input[name=amount]').value === '{most}'")
    driver.find_element("name", "redemptionCode").send_keys("WRONG-CODE")
    driver.find_element("css selector", "#redeem-form button[type=submit]").click()
    assert wait_for(
        driver, "return document.querySelector('#redeem-form [role=alert], #redeem-form .field-error:not(:empty)')"
    )
    assert graph(portal, FIONA, "{ rewards { balance { amount } } }")["data"]["rewards"]["balance"]["amount"] == before
    code = driver.find_element("name", "redemptionCode")
    code.clear()
    code.send_keys("DEMO-REWARDS-2026")
    driver.find_element("css selector", "#redeem-form button[type=submit]").click()
    shown = wait_for(
        driver,
        "return document.getElementById('status').textContent || "
        "document.querySelector('#redeem-form [role=alert], #redeem-form .field-error:not(:empty)')?.textContent",
    )
    assert "Redeemed" in shown, shown
    after = graph(portal, FIONA, "{ rewards { balance { amount } } }")["data"]["rewards"]["balance"]["amount"]
    assert float(after) < float(before)


def test_finance_shares_the_billing_dashboard_and_the_colleague_sees_its_tiles(browser, portal):
    """R-S4: Tom (TECHNICAL) may not see rewards until Fiona shares the billing dashboard with him;
    then his dashboard has the rewards tile, with the graph's balance."""
    driver = browser
    rewards = "{ rewards { balance { amount } } }"
    assert graph(portal, TOM, rewards)["data"]["rewards"] is None
    go(driver, "#/people", "people")
    driver.find_element("name", "shareEmails").send_keys(TOM)
    driver.find_element("css selector", "#billing-share-form button[type=submit]").click()
    wait_for(driver, f"return document.getElementById('billing-shares')?.textContent.includes('{TOM}')")
    seen = graph(portal, TOM, rewards)["data"]["rewards"]
    assert seen is not None
    sign_in_as(driver, portal, TOM)
    assert tiles(driver)["rewards"] == seen["balance"]["amount"]
    assert not driver.find_elements("css selector", "[role=alert]")
    sign_in_as(driver, portal, FIONA)


def test_arabic_is_right_to_left(browser, portal):
    driver = browser
    go(driver, "#/settings", "settings")
    driver.find_element("css selector", "select[name=locale] option[value=ar]").click()
    driver.find_element("css selector", "#locale-form button[type=submit]").click()
    wait_for(driver, "return document.documentElement.dir === 'rtl'")
    assert driver.execute_script("return document.documentElement.lang") == "ar"
    assert graph(portal, FIONA, "{ viewer { locale textDirection } }")["data"]["viewer"] == {
        "locale": "ar",
        "textDirection": "rtl",
    }
    go(driver, "#/dashboard", "dashboard")
    assert driver.execute_script("return document.documentElement.dir") == "rtl"
    # the portal's own words in Arabic too; money and dates in the Arabic locale's writing
    assert driver.find_element("css selector", "[data-nav=dashboard]").text == "لوحة المعلومات"
    assert driver.find_element("tag name", "h1").text.startswith("مرحبًا")
    assert "رصيد المكافآت" in driver.find_element("css selector", "[data-tile=rewards]").text
