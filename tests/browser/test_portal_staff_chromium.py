"""The portal's work queue for vendor billing support and the operator (examples/portal/pages/billing.js
and operator.js, issue 19) in headless Chromium: a customer announces a wire and opens a dispute,
billing support records the receipt and resolves the dispute from their queue (R-I17, R-I20), and the
customer's invoice page shows the new balance and the outcome; a share request declined with its
error on the field first (R-S4); the operator's read-only queue shows what the graph answers; and
both queues in Polish and Arabic through the portal's language switch (staff have no person row:
the portal sends Accept-Language). One server (support.demo_portal) and one browser for the module."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from core.auth import issue_token
from core.demo import DEMO_PEOPLE, DEMO_STAFF
from tests.browser.conftest import needs_chromium
from tests.browser.support import demo_portal, wait_for
from tests.browser.test_portal_chromium import go, graph, page_ready, sign_in_as
from tests.browser.test_portal_journeys_chromium import AUDIT, TEXTS, unlabelled

pytestmark = needs_chromium
FIONA, TOM = DEMO_PEOPLE["FINANCE"], DEMO_PEOPLE["TECHNICAL"]
BILL, OLGA = DEMO_STAFF["BILLING_SUPPORT"], DEMO_STAFF["OPERATOR"]
INVOICE = "query($n: String!) { invoice(number: $n) { status balance { amount currency } pendingAmount { amount } } }"


@pytest.fixture(scope="module")
def portal(templates: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with demo_portal(templates, tmp_path_factory, {}) as running:
        yield running


COUNTS = """return Object.fromEntries([...document.querySelectorAll('[data-count]')]
  .map(e => [e.dataset.count, e.textContent]))"""


def staff_graph(portal: dict[str, Any], email: str, role: str, query: str, language: str = "") -> dict[str, Any]:
    """The graph's answer to vendor staff as the portal asks it: their token, X-Tenant of the demo."""
    token = issue_token(portal["settings"], email, staff_roles=[role])
    headers = {"Authorization": f"Bearer {token}", "X-Tenant": "demo"}
    if language:
        headers["Accept-Language"] = language
    return httpx.post(f"{portal['app']}/graphql", json={"query": query}, headers=headers, timeout=20).json()


def worked(driver: Any, selector: str) -> None:
    """Wait until the queue item's form is gone (the queue shown again without it); an error the
    form shows instead fails the test with that text."""
    got = wait_for(
        driver,
        f"const f = document.querySelector({selector!r}); if (!f) return 'gone';"
        "return f.querySelector('[role=alert], .field-error:not(:empty)')?.textContent",
    )
    assert got == "gone", got


def unpaid(portal: dict[str, Any], taken: set[str]) -> str:
    """An invoice with a balance and no wire announced yet (a dispute waits for an announced wire)."""
    query = "{ invoices(first: 100) { nodes { number status balance { amount } pendingAmount { amount } } } }"
    for inv in graph(portal, FIONA, query)["data"]["invoices"]["nodes"]:
        if (
            inv["status"] != "CLOSED"
            and Decimal(inv["balance"]["amount"]) > 0
            and Decimal(inv["pendingAmount"]["amount"]) == 0
            and inv["number"] not in taken
        ):
            return inv["number"]
    raise AssertionError("the demo has no unpaid invoice left")


def test_billing_support_records_a_wire_and_resolves_a_dispute_and_the_customer_sees_both(browser, portal):
    driver = browser
    wired = unpaid(portal, set())
    disputed = unpaid(portal, {wired})
    before = graph(portal, FIONA, INVOICE, {"n": wired})["data"]["invoice"]
    notice = graph(
        portal,
        FIONA,
        "mutation($n: String!) { payInvoices(input: {invoices: [{invoiceNumber: $n}], method: WIRE}) "
        "{ payment { id number amount { amount currency } } } }",
        {"n": wired},
    )["data"]["payInvoices"]["payment"]
    opened = graph(
        portal,
        FIONA,
        'mutation($n: String!) { openInvoiceDispute(invoiceNumber: $n, reason: "Line 1 was never delivered.") '
        "{ number } }",
        {"n": disputed},
    )["data"]["openInvoiceDispute"]
    asked = graph(
        portal,
        TOM,
        'mutation($e: [String!]!) { requestBillingDashboardShare(emails: $e, reason: "Our billing contact left.") '
        "{ id } }",
        {"e": [TOM]},
    )["data"]["requestBillingDashboardShare"]

    sign_in_as(driver, portal, BILL, lands_on="queue")
    assert driver.find_element("css selector", "main h1").text == "Work queue"
    assert unlabelled(driver) == []
    queues = staff_graph(
        portal,
        BILL,
        "BILLING_SUPPORT",
        "{ workQueues { disputes { totalCount } wireNotices { totalCount } unappliedReceipts { totalCount } "
        "failedCardPayments { totalCount } billingDashboardShareRequests { totalCount } "
        "overdueInvoiceAges { count } } }",
    )["data"]["workQueues"]
    shown = driver.execute_script(COUNTS)
    assert shown == {
        "disputes": str(queues["disputes"]["totalCount"]),
        "wire-notices": str(queues["wireNotices"]["totalCount"]),
        "unapplied-receipts": str(queues["unappliedReceipts"]["totalCount"]),
        "failed-cards": str(queues["failedCardPayments"]["totalCount"]),
        "overdue-ages": str(sum(a["count"] for a in queues["overdueInvoiceAges"])),
        "share-requests": str(queues["billingDashboardShareRequests"]["totalCount"]),
    }

    # the wire: the amount the notice announced, the day the bank received it, its reference
    wire = driver.find_element("css selector", f"form[data-notice='{notice['number']}']")
    assert wire.find_element("name", "amount").get_attribute("value") == notice["amount"]["amount"]
    driver.execute_script("arguments[0].value = '2026-11-22'", wire.find_element("name", "receivedOn"))
    # a reference the bank already used (the demo's partial wire) is refused on its field, as the graph says
    reference = wire.find_element("name", "bankReference")
    reference.send_keys("BANK-REF-77")
    wire.find_element("css selector", "button[data-action=record]").click()
    said = wait_for(
        driver,
        f"return document.querySelector(\"form[data-notice='{notice['number']}'] [data-error-for=bankReference]\")"
        ".textContent",
    )
    refused = staff_graph(
        portal,
        BILL,
        "BILLING_SUPPORT",
        f'mutation {{ recordQueuedWireReceipt(noticeId: "{notice["id"]}", amount: "1", receivedOn: "2026-11-22", '
        'bankReference: "BANK-REF-77") { __typename } }',
    )["errors"][0]
    assert said.endswith(refused["message"]), said
    assert reference.get_attribute("aria-invalid") == "true"
    reference.clear()
    reference.send_keys("FED-20261130-0042")
    wire.find_element("css selector", "button[data-action=record]").click()
    worked(driver, f"form[data-notice='{notice['number']}']")
    assert driver.find_element("id", "status").text == f"Receipt recorded for {notice['number']}."

    # the dispute: cancel the invoice, with the note the customer reads
    form = driver.find_element("css selector", f"form[data-dispute='{opened['number']}']")
    assert "Line 1 was never delivered." in form.text and FIONA in form.text
    form.find_element("name", "outcome").send_keys("Cancel")
    form.find_element("name", "note").send_keys("Cancelled: we bill again when delivered.")
    form.find_element("css selector", "button[data-action=resolve]").click()
    worked(driver, f"form[data-dispute='{opened['number']}']")
    assert driver.find_element("id", "status").text == f"Dispute {opened['number']} resolved."

    # the demo's dispute: rebilled with line 1 at half its pre-tax amount
    demo = next(
        d
        for d in staff_graph(
            portal,
            BILL,
            "BILLING_SUPPORT",
            "{ workQueues { disputes { nodes { number invoiceNumber "
            "invoice { lines { position preTaxAmount { amount } } } } } } }",
        )["data"]["workQueues"]["disputes"]["nodes"]
        if d["number"] != opened["number"]
    )
    form = driver.find_element("css selector", f"form[data-dispute='{demo['number']}']")
    form.find_element("name", "outcome").send_keys("Rebill")
    assert form.find_element("css selector", "fieldset.rebill").is_displayed()
    form.find_element("name", "note").send_keys("Line 1 corrected.")
    first = demo["invoice"]["lines"][0]
    corrected = Decimal(first["preTaxAmount"]["amount"]) / 2
    amount = form.find_element("name", f"line-{first['position']}")
    amount.clear()
    amount.send_keys(str(corrected))
    form.find_element("css selector", "button[data-action=resolve]").click()
    worked(driver, f"form[data-dispute='{demo['number']}']")

    # the share request: declining without a reason is refused where it happens, then declined
    rid = asked["id"]
    share = driver.find_element("css selector", f"form[data-share-request='{rid}']")
    share.find_element("css selector", "button[data-action=decline]").click()
    said = wait_for(
        driver,
        f"const f = document.querySelector(\"form[data-share-request='{rid}']\");"
        "return f.querySelector('[role=alert], .field-error:not(:empty)')?.textContent",
    )
    refused = staff_graph(
        portal,
        BILL,
        "BILLING_SUPPORT",
        f'mutation {{ declineBillingDashboardShareRequest(id: "{rid}", note: "") {{ status }} }}',
    )["errors"][0]
    assert refused["message"] in said
    share = driver.find_element("css selector", f"form[data-share-request='{rid}']")
    share.find_element("name", "note").send_keys("Tom has no billing role.")
    share.find_element("css selector", "button[data-action=decline]").click()
    worked(driver, f"form[data-share-request='{rid}']")
    assert driver.find_element("id", "status").text == f"Declined; {TOM} is told why."
    # asked again, granted from the keyboard alone: from the reason's field, Tab reaches Grant, Enter
    again = graph(
        portal,
        TOM,
        'mutation($e: [String!]!) { requestBillingDashboardShare(emails: $e, reason: "Please: the contact left.") '
        "{ id } }",
        {"e": [TOM]},
    )["data"]["requestBillingDashboardShare"]["id"]
    go(driver, "#/dashboard", "dashboard")
    go(driver, "#/queue", "queue")
    driver.execute_script(f"document.querySelector(\"form[data-share-request='{again}'] textarea\").focus()")
    ActionChains(driver).send_keys(Keys.TAB).perform()
    assert driver.execute_script("return document.activeElement.dataset.action") == "grant"
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    worked(driver, f"form[data-share-request='{again}']")
    assert driver.find_element("id", "status").text == f"Shared as {TOM} asked."
    shares = graph(portal, FIONA, "{ billingDashboardShares(first: 100) { nodes { email grantedBy } } }")
    assert TOM in [n["email"] for n in shares["data"]["billingDashboardShares"]["nodes"]], shares
    assert not driver.find_elements("css selector", "main [role=alert]")
    assert driver.execute_async_script(AUDIT)["unknown"] == []

    # the customer's invoice pages: the wire received lowers the balance; the dispute's outcome
    sign_in_as(driver, portal, FIONA)
    after = graph(portal, FIONA, INVOICE, {"n": wired})["data"]["invoice"]
    assert Decimal(after["balance"]["amount"]) == Decimal(before["balance"]["amount"]) - Decimal(
        notice["amount"]["amount"]
    )
    go(driver, f"#/invoice/{wired}", "invoice")
    written = driver.execute_script(
        "return new Intl.NumberFormat('en', {style: 'currency', currency: arguments[0]}).format(arguments[1])",
        after["balance"]["currency"],
        float(after["balance"]["amount"]),
    )
    assert driver.find_element("css selector", "[data-fact=Balance]").text == written
    go(driver, f"#/invoice/{disputed}", "invoice")
    row = driver.find_element("css selector", f"#invoice-disputes tr[data-dispute='{opened['number']}']")
    assert row.get_attribute("data-status") == "CANCELLED"
    assert "Cancelled: we bill again when delivered." in row.text
    status = graph(portal, FIONA, INVOICE, {"n": disputed})["data"]["invoice"]["status"]
    assert driver.find_element("css selector", "[data-fact=Status]").get_attribute("data-value") == status
    go(driver, f"#/invoice/{demo['invoiceNumber']}", "invoice")
    row = driver.find_element("css selector", f"#invoice-disputes tr[data-dispute='{demo['number']}']")
    assert row.get_attribute("data-status") == "REBILLED"
    rebilled = graph(portal, FIONA, "{ invoiceDisputes(first: 100) { nodes { number rebillInvoiceNumber } } }")
    number = next(d for d in rebilled["data"]["invoiceDisputes"]["nodes"] if d["number"] == demo["number"])
    row.find_element("link text", f"Rebilled as {number['rebillInvoiceNumber']}").click()
    page_ready(driver, "invoice")
    lines = graph(portal, FIONA, INVOICE_LINES, {"n": number["rebillInvoiceNumber"]})["data"]["invoice"]["lines"]
    assert Decimal(lines[0]["preTaxAmount"]["amount"]) == corrected


INVOICE_LINES = "query($n: String!) { invoice(number: $n) { lines { position preTaxAmount { amount } } } }"
OPERATOR_QUEUE = """{ workQueues { tenants { totalCount nodes { tenant { key } } } pluginFailures { source }
  jobs { job } outbox { totalCount } webhookDeliveries { totalCount } } }"""


def test_the_operator_queue_shows_what_the_graph_answers(browser, portal):
    driver = browser
    sign_in_as(driver, portal, OLGA, lands_on="queue")
    assert unlabelled(driver) == []
    assert not driver.find_elements("css selector", "main [role=alert]")
    assert not driver.find_elements("css selector", "main form, main input, main textarea")  # read only
    w = staff_graph(portal, OLGA, "OPERATOR", OPERATOR_QUEUE)["data"]["workQueues"]
    shown = driver.execute_script(COUNTS)
    assert shown == {
        "op-tenants": str(w["tenants"]["totalCount"]),
        "op-plugins": str(len(w["pluginFailures"])),
        "op-jobs": str(len(w["jobs"])),
        "op-outbox": str(w["outbox"]["totalCount"]),
        "op-webhooks": str(w["webhookDeliveries"]["totalCount"]),
    }
    assert w["jobs"] and w["tenants"]["totalCount"] > 0  # the page is not vacuous
    rows = driver.execute_script(
        "return [...document.querySelectorAll('#op-jobs-table tbody tr')].map(r => r.dataset.job)"
    )
    assert rows == [j["job"] for j in w["jobs"]]
    tenants = driver.execute_script(
        "return [...document.querySelectorAll('#op-tenants-table tbody tr')].map(r => r.dataset.tenant)"
    )
    assert tenants == [n["tenant"]["key"] for n in w["tenants"]["nodes"]]
    assert driver.execute_async_script(AUDIT)["unknown"] == []


@pytest.mark.parametrize("locale", ["pl", "ar"])
def test_staff_queues_in_another_language_show_no_untranslated_text(browser, portal, locale):
    """Staff choose the language on the portal's language page: the tab asks in it (Accept-Language)
    and both queues show no English text of the dictionary; Arabic is right to left."""
    driver = browser
    for email, role in ((BILL, "BILLING_SUPPORT"), (OLGA, "OPERATOR")):
        sign_in_as(driver, portal, email, lands_on="queue")
        go(driver, "#/settings", "settings")
        driver.find_element("css selector", f"#locale-form select option[value='{locale}']").click()
        driver.find_element("css selector", "#locale-form button[type=submit]").click()
        wait_for(driver, f"return document.documentElement.lang === '{locale}'")
        assert driver.execute_script("return sessionStorage.getItem('cc-portal-language')") == locale
        asked = staff_graph(portal, email, role, "{ viewer { locale textDirection } }", locale)["data"]["viewer"]
        assert asked["locale"] == locale
        go(driver, "#/queue", "queue")
        if locale == "ar":
            assert driver.execute_script("return document.documentElement.dir") == "rtl"
        audit = driver.execute_async_script(AUDIT)
        words = audit["translations"]
        english = {k for k, v in words.items() if v[locale] != k} - {v[locale] for v in words.values()}
        shown = driver.execute_script(TEXTS)
        assert sorted({s for s in shown if s in english}) == [], email
        assert audit["unknown"] == [], email
        assert driver.find_element("css selector", "main h1").text == words["Work queue"][locale]
        driver.find_element("id", "sign-out").click()
        page_ready(driver, "signin")
        assert driver.execute_script("return sessionStorage.length") == 0  # the language is the tab's
