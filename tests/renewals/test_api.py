"""Renewals through the GraphQL endpoint: lists (R-R1, R-R21), detail (R-R3), visibility (R-S2, §6),
edits and lock (R-R8, R-R9, R-R15, R-R16), assistance (R-R13), multi-year (R-R11, R-R12), dashboard (R-R22)."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import link_path
from tests.renewals.helpers import MW_LINES, OTHER_REP, REP, SALES_REP, TODAY, grant, load, renewal, status_of

LIST = """query($list: RenewalList!, $filter: RenewalFilter, $sort: RenewalSort, $first: Int, $after: String) {
  renewals(list: $list, filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { supportNumber status list } } } }"""
DETAIL = """query($sn: String!) { renewal(supportNumber: $sn) {
  id supportNumber quoteNumber customer endUser startDate endDate status list serviceLevel
  amount { amount currency } currency poNumber customerReference supportNotes
  quoteTo { firstName lastName email address phone } salesRepEmail autoRenew paymentMethod locked lockDate
  multiYearEligible saveUpTo { amount currency } sharedWithCount lastUpdatedBy orderingDocumentUrl
  paymentMethodsOffered tssaRequired daysUntilStart
  lines { product productFamily serviceLevel csiNumber quantity serialNumber installedAt salesOrderNumber
          amount { amount currency } } } }"""
UPDATE = """mutation($input: UpdateRenewalInput!) { updateRenewal(input: $input) {
  supportNumber customerReference autoRenew paymentMethod poNumber billing { name email address } lastUpdatedBy } }"""
AUTO = """mutation($sn: String!, $on: Boolean!, $pm: PaymentMethod) {
  setAutoRenew(supportNumber: $sn, enabled: $on, paymentMethod: $pm) { autoRenew paymentMethod } }"""
QUOTE_TO = """mutation($input: QuoteToInput!) { updateQuoteTo(input: $input) { quoteTo { email firstName } } }"""
ASSIST = """mutation($sn: String!, $m: String!) { requestRenewalAssistance(supportNumber: $sn, message: $m) {
  id kind requesterEmail message } }"""
ANSWER = """mutation($id: ID!, $a: String!) { answerRenewalAssistance(requestId: $id, answer: $a) { answeredBy } }"""
CAN = """query($sn: ID!, $act: String!) { can(object: "renewal", action: $act, id: $sn) }"""


def numbers(data: dict) -> list[str]:
    return [e["node"]["supportNumber"] for e in data["renewals"]["edges"]]


async def test_three_lists_r_r1_with_120_day_window(two_tenants):
    api = two_tenants
    await load(
        api,
        renewal("F-121", 121),
        renewal("P-120", 120),
        renewal("P-119", 119),
        renewal("H-1", 10, status="ACCEPTED"),
        renewal("G-1", 100, tenant="globex", quote_to="tech@globex.com"),
    )
    tech = {"as_": "tech@acme.com"}
    assert numbers(await api.ok(LIST, {"list": "PENDING"}, **tech)) == ["P-119", "P-120"]
    assert numbers(await api.ok(LIST, {"list": "FUTURE"}, **tech)) == ["F-121"]
    history = await api.ok(LIST, {"list": "HISTORY"}, **tech)
    assert numbers(history) == ["H-1"]
    assert history["renewals"]["edges"][0]["node"] == {"supportNumber": "H-1", "status": "ACCEPTED", "list": "HISTORY"}
    api.clock.advance(days=1)  # the future renewal enters the reminder window
    assert numbers(await api.ok(LIST, {"list": "PENDING"}, **tech)) == ["P-119", "P-120", "F-121"]
    assert numbers(await api.ok(LIST, {"list": "FUTURE"}, **tech)) == []


async def test_filters_search_po_number_and_stable_sorting(two_tenants):
    api = two_tenants
    await load(
        api,
        renewal("S-1", 10, amount="300.00", customerReference="Plant North"),
        renewal("S-2", 20, amount="100.00", customerReference="Plant South"),
        renewal("S-3", 30, amount="300.00"),
        renewal("S-4", 40, amount="200.00", autoRenew=True),
        renewal("H-1", 10, status="ACCEPTED", poNumber="PO-777"),
        renewal("H-2", 10, status="ACCEPTED", poNumber="PO-888"),
    )
    tech = {"as_": "tech@acme.com"}
    search = await api.ok(LIST, {"list": "PENDING", "filter": {"search": "south"}}, **tech)
    assert numbers(search) == ["S-2"]
    assert numbers(await api.ok(LIST, {"list": "PENDING", "filter": {"search": "s-3"}}, **tech)) == ["S-3"]
    assert numbers(await api.ok(LIST, {"list": "PENDING", "filter": {"search": "%"}}, **tech)) == []
    ranged = {
        "startFrom": (TODAY + timedelta(days=20)).isoformat(),
        "startTo": (TODAY + timedelta(days=30)).isoformat(),
    }
    assert numbers(await api.ok(LIST, {"list": "PENDING", "filter": ranged}, **tech)) == ["S-2", "S-3"]
    assert numbers(await api.ok(LIST, {"list": "PENDING", "filter": {"autoRenew": True}}, **tech)) == ["S-4"]
    # R-R21: history filtered by PO number
    by_po = await api.ok(LIST, {"list": "HISTORY", "filter": {"poNumber": "po-888"}}, **tech)
    assert numbers(by_po) == ["H-2"]
    assert numbers(await api.ok(LIST, {"list": "HISTORY", "filter": {"status": ["ACCEPTED"]}}, **tech)) == [
        "H-1",
        "H-2",
    ]
    # stable sort by amount (ties broken by id) and cursor pages that neither skip nor repeat
    sort = {"field": "AMOUNT", "direction": "DESC"}
    full = numbers(await api.ok(LIST, {"list": "PENDING", "sort": sort, "first": 10}, **tech))
    assert full == ["S-3", "S-1", "S-4", "S-2"]
    page1 = await api.ok(LIST, {"list": "PENDING", "sort": sort, "first": 2}, **tech)
    assert page1["renewals"]["pageInfo"]["hasNextPage"] is True
    after = page1["renewals"]["pageInfo"]["endCursor"]
    page2 = await api.ok(LIST, {"list": "PENDING", "sort": sort, "first": 2, "after": after}, **tech)
    assert numbers(page1) + numbers(page2) == full
    assert page2["renewals"]["totalCount"] == 4
    # bad input is a typed error
    assert await api.code(LIST, {"list": "PENDING", "first": 101}, **tech) == "BAD_USER_INPUT"
    assert await api.code(LIST, {"list": "PENDING", "after": "garbage"}, **tech) == "BAD_USER_INPUT"
    bad_range = {"startFrom": "2027-01-02", "startTo": "2027-01-01"}
    assert await api.code(LIST, {"list": "PENDING", "filter": bad_range}, **tech) == "BAD_USER_INPUT"


async def test_detail_by_support_number_r_r3(two_tenants):
    api = two_tenants
    await load(api, renewal("D-1", 60, poNumber="PO-1", supportNotes="Call first", customerReference="REF"))
    d = (await api.ok(DETAIL, {"sn": "D-1"}, as_="tech@acme.com"))["renewal"]
    assert d["supportNumber"] == "D-1" and d["quoteNumber"] == "Q-D-1"
    assert d["customer"] == "Acme Corp" and d["endUser"] == "Acme Plant"
    assert d["startDate"] == (TODAY + timedelta(days=60)).isoformat()
    assert d["amount"] == {"amount": "12000.00", "currency": "USD"}
    assert d["list"] == "PENDING" and d["status"] == "OPEN" and d["locked"] is False
    assert d["quoteTo"] == {
        "firstName": "Q",
        "lastName": "To",
        "email": "tech@acme.com",
        "address": "1 Main St",
        "phone": "1",
    }
    assert d["salesRepEmail"] == REP
    assert d["multiYearEligible"] is True and d["saveUpTo"] == {"amount": "3600.00", "currency": "USD"}
    assert d["paymentMethodsOffered"] == ["CARD", "PO", "INVOICE", "POEF"]
    assert link_path(d["orderingDocumentUrl"]) == "/renewals/D-1/ordering-document"
    assert d["lines"][0] == {
        "product": "Database EE",
        "productFamily": "DATABASE",
        "serviceLevel": "Premier",
        "csiNumber": "CSI1",
        "quantity": "2",
        "serialNumber": "SN1",
        "installedAt": "Berlin DC",
        "salesOrderNumber": "SO1",
        "amount": {"amount": "8000.00", "currency": "USD"},
    }
    assert await api.code(DETAIL, {"sn": "NOPE"}, as_="tech@acme.com") == "NOT_FOUND"


async def test_visibility_quote_to_shares_other_people_and_other_tenant(two_tenants):
    """R-S2: a person sees renewals that are theirs (quote-to) or shared with them; nothing else."""
    api = two_tenants
    await load(
        api, renewal("V-1", 60), renewal("V-2", 60), renewal("G-1", 60, tenant="globex", quote_to="tech@globex.com")
    )
    assert numbers(await api.ok(LIST, {"list": "PENDING"}, as_="fin@acme.com")) == []
    assert await api.code(DETAIL, {"sn": "V-1"}, as_="fin@acme.com") == "NOT_FOUND"
    await grant(api, "V-1", "fin@acme.com", "PARTICIPANT")
    await grant(api, "V-2", "plain@acme.com", "VIEWER")
    assert numbers(await api.ok(LIST, {"list": "PENDING"}, as_="fin@acme.com")) == ["V-1"]
    assert numbers(await api.ok(LIST, {"list": "PENDING"}, as_="plain@acme.com")) == ["V-2"]
    shared = (await api.ok(DETAIL, {"sn": "V-1"}, as_="tech@acme.com"))["renewal"]
    assert shared["sharedWithCount"] == 1
    # another tenant: never visible, same answer as a renewal that does not exist
    err = await api.error(DETAIL, {"sn": "G-1"}, as_="tech@acme.com")
    assert err["extensions"]["code"] == "NOT_FOUND" and "globex" not in str(err).lower()
    assert numbers(await api.ok(LIST, {"list": "PENDING"}, as_="tech@globex.com")) == ["G-1"]
    # object roles (cc_object_roles) answer the same enforcer question as the mutations
    assert (await api.ok(CAN, {"sn": "V-1", "act": "accept"}, as_="tech@acme.com"))["can"] is True
    assert (await api.ok(CAN, {"sn": "V-1", "act": "accept"}, as_="fin@acme.com"))["can"] is True  # participant
    assert (await api.ok(CAN, {"sn": "V-2", "act": "accept"}, as_="plain@acme.com"))["can"] is False  # viewer
    assert (await api.ok(CAN, {"sn": "V-2", "act": "view"}, as_="plain@acme.com"))["can"] is True
    assert await api.code(CAN, {"sn": "G-1", "act": "view"}, as_="tech@acme.com") == "NOT_FOUND"


async def test_sales_rep_sees_assigned_renewals_in_any_tenant(two_tenants):
    api = two_tenants
    await load(
        api,
        renewal("R-1", 60),
        renewal("R-2", 60, salesRepEmail=OTHER_REP),
        renewal("G-1", 60, tenant="globex", quote_to="tech@globex.com"),
    )
    assert sorted(numbers(await api.ok(LIST, {"list": "PENDING"}, **SALES_REP))) == ["G-1", "R-1"]
    assert numbers(await api.ok(LIST, {"list": "PENDING"}, tenant="acme", **SALES_REP)) == ["R-1"]
    assert (await api.ok(DETAIL, {"sn": "G-1"}, **SALES_REP))["renewal"]["customer"] == "Globex Corp"
    assert await api.code(DETAIL, {"sn": "R-2"}, **SALES_REP) == "NOT_FOUND"
    assert numbers(await api.ok(LIST, {"list": "PENDING"}, as_=OTHER_REP, staff=["SALES_REP"])) == ["R-2"]
    # staff without the SALES_REP role see no renewals at all
    assert await api.code(LIST, {"list": "PENDING"}, as_="bs@vendor.example", staff=["BILLING_SUPPORT"]) == "FORBIDDEN"


async def test_page_of_10_and_page_of_100_cost_the_same_statements(two_tenants):
    api = two_tenants
    await load(api, *[renewal(f"N-{i:03d}", 10 + i % 100) for i in range(100)])
    await grant(api, "N-001", "fin@acme.com", "VIEWER")
    query = """query($first: Int!) { renewals(list: PENDING, first: $first) { totalCount edges { node {
      supportNumber amount { amount } lines { product csiNumber amount { amount } } sharedWithCount
      multiYearEligible saveUpTo { amount } paymentMethodsOffered tssaRequired requests { id } order { orderNumber }
      quoteTo { email } locked list } } } }"""
    await api.ok(query, {"first": 1}, as_="tech@acme.com")  # warm caches (policies, schema)
    with api.count_statements() as ten:
        data = await api.ok(query, {"first": 10}, as_="tech@acme.com")
    assert len(data["renewals"]["edges"]) == 10
    with api.count_statements() as hundred:
        data = await api.ok(query, {"first": 100}, as_="tech@acme.com")
    assert len(data["renewals"]["edges"]) == 100
    assert all(len(e["node"]["lines"]) == 2 for e in data["renewals"]["edges"])
    # the sign-in bookkeeping (R-A4) updates people when the token's issue second changes: not page cost
    ten = [s for s in ten if not s.startswith("UPDATE people")]
    hundred = [s for s in hundred if not s.startswith("UPDATE people")]
    assert len(ten) == len(hundred), (ten, hundred)


async def test_edit_until_32_days_then_locked_r_r9_r_r16(two_tenants):
    api = two_tenants
    await load(api, renewal("L-1", 33))
    tech = {"as_": "tech@acme.com"}
    api.clock.advance(days=1)  # 32 days before start: still editable
    data = await api.ok(UPDATE, {"input": {"supportNumber": "L-1", "customerReference": "PO-track 9"}}, **tech)
    assert data["updateRenewal"]["customerReference"] == "PO-track 9"
    assert data["updateRenewal"]["lastUpdatedBy"] == "tech@acme.com"
    assert (await api.ok(DETAIL, {"sn": "L-1"}, **tech))["renewal"]["locked"] is False
    api.clock.advance(days=1)  # 31 days: locked
    assert (await api.ok(DETAIL, {"sn": "L-1"}, **tech))["renewal"]["locked"] is True
    before = await status_of(api, "L-1")
    for mutation, variables in [
        (UPDATE, {"input": {"supportNumber": "L-1", "customerReference": "changed"}}),
        (AUTO, {"sn": "L-1", "on": True}),
        (UPDATE, {"input": {"supportNumber": "L-1", "paymentMethod": "CARD"}}),
        (QUOTE_TO, {"input": {"supportNumber": "L-1", "firstName": "A", "lastName": "B", "email": "exec@acme.com"}}),
    ]:
        err = await api.error(mutation, variables, **tech)
        assert err["extensions"]["code"] == "CONFLICT" and err["extensions"]["reason"] == "LOCKED"
        assert "locked" in err["message"]
    assert await status_of(api, "L-1") == before


async def test_auto_renew_defaults_to_invoice_and_country_methods_r_r7_r_r8(two_tenants):
    api = two_tenants
    await load(api, renewal("A-1", 60), renewal("G-1", 60, tenant="globex", quote_to="tech@globex.com"))
    tech = {"as_": "tech@acme.com"}
    assert (await api.ok(AUTO, {"sn": "A-1", "on": True}, **tech))["setAutoRenew"] == {
        "autoRenew": True,
        "paymentMethod": "INVOICE",
    }
    assert (await api.ok(AUTO, {"sn": "A-1", "on": True, "pm": "CARD"}, **tech))["setAutoRenew"][
        "paymentMethod"
    ] == "CARD"
    # PO needs a PO number; nothing changes when refused
    err = await api.error(UPDATE, {"input": {"supportNumber": "A-1", "paymentMethod": "PO"}}, **tech)
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await status_of(api, "A-1"))[5:] == (True, "CARD")
    ok = await api.ok(UPDATE, {"input": {"supportNumber": "A-1", "paymentMethod": "PO", "poNumber": "PO-9"}}, **tech)
    assert ok["updateRenewal"]["paymentMethod"] == "PO"
    # Globex is in Germany: no PO exemption form there
    err = await api.error(AUTO, {"sn": "G-1", "on": True, "pm": "POEF"}, as_="tech@globex.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "DE" in err["message"]
    assert (await status_of(api, "G-1"))[5:] == (False, None)
    # bad billing input: typed error, nothing changed
    bad = {"supportNumber": "A-1", "billing": {"name": "X", "email": "not-an-email", "address": "Y"}}
    assert await api.code(UPDATE, {"input": bad}, **tech) == "BAD_USER_INPUT"
    long_ref = {"supportNumber": "A-1", "customerReference": "x" * 201}
    assert await api.code(UPDATE, {"input": long_ref}, **tech) == "BAD_USER_INPUT"
    assert (await status_of(api, "A-1"))[3] == ""


async def test_update_quote_to_same_domain_and_ownership_moves_r_r15(two_tenants):
    api = two_tenants
    await load(api, renewal("Q-1", 60))
    tech = {"as_": "tech@acme.com"}
    foreign = {"supportNumber": "Q-1", "firstName": "S", "lastName": "Py", "email": "spy@globex.com"}
    err = await api.error(QUOTE_TO, {"input": foreign}, **tech)
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "spy@globex.com" in err["message"]
    gmail = dict(foreign, email="someone@gmail.com")
    assert await api.code(QUOTE_TO, {"input": gmail}, **tech) == "BAD_USER_INPUT"
    assert (await status_of(api, "Q-1"))[4] == "tech@acme.com"
    new = {"supportNumber": "Q-1", "firstName": "Ann", "lastName": "Admin", "email": "Admin@acme.com", "phone": "5"}
    data = await api.ok(QUOTE_TO, {"input": new}, **tech)
    assert data["updateQuoteTo"]["quoteTo"] == {"email": "admin@acme.com", "firstName": "Ann"}
    # the contract left the original quote-to person's renewals
    assert numbers(await api.ok(LIST, {"list": "PENDING"}, **tech)) == []
    assert await api.code(DETAIL, {"sn": "Q-1"}, **tech) == "NOT_FOUND"
    assert numbers(await api.ok(LIST, {"list": "PENDING"}, as_="admin@acme.com")) == ["Q-1"]
    rows = await api.sql("select to_addr, kind from outbox_emails where kind = 'renewal.quote_to_changed'")
    assert [tuple(r) for r in rows] == [("admin@acme.com", "renewal.quote_to_changed")]


async def test_each_denied_role_gets_forbidden_and_nothing_changes(two_tenants):
    api = two_tenants
    await load(
        api,
        renewal("FIN-1", 60, quote_to="fin@acme.com"),
        renewal("EXE-1", 60, quote_to="exec@acme.com"),
        renewal("PLN-1", 60, quote_to="plain@acme.com"),
    )
    edit = {"customerReference": "x"}
    for email, sn in [("fin@acme.com", "FIN-1"), ("exec@acme.com", "EXE-1"), ("plain@acme.com", "PLN-1")]:
        err = await api.error(UPDATE, {"input": {"supportNumber": sn, **edit}}, as_=email)
        assert err["extensions"]["code"] == "FORBIDDEN", email
        assert (await api.ok(DETAIL, {"sn": sn}, as_=email))["renewal"]["supportNumber"] == sn  # may still view
    assert await api.code(ASSIST, {"sn": "FIN-1", "m": "help"}, as_="fin@acme.com") == "FORBIDDEN"
    assert await api.code(ASSIST, {"sn": "PLN-1", "m": "help"}, as_="plain@acme.com") == "FORBIDDEN"
    assert (await api.ok(ASSIST, {"sn": "EXE-1", "m": "help"}, as_="exec@acme.com"))["requestRenewalAssistance"]
    rows = await api.sql("select count(*) from renewal_requests")
    assert rows[0][0] == 1
    assert [(await status_of(api, sn))[3] for sn in ("FIN-1", "EXE-1", "PLN-1")] == ["", "", ""]


async def test_request_assistance_1800_chars_routed_to_rep_with_copy_r_r13(two_tenants, smtp):
    api = two_tenants
    await load(api, renewal("AS-1", 60), renewal("AS-F", 200), renewal("AS-H", 60, status="ACCEPTED"))
    tech = {"as_": "tech@acme.com"}
    err = await api.error(ASSIST, {"sn": "AS-1", "m": "x" * 1801}, **tech)
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "1801" in err["message"]
    assert (await api.sql("select count(*) from renewal_requests"))[0][0] == 0
    req = (await api.ok(ASSIST, {"sn": "AS-1", "m": "y" * 1800}, **tech))["requestRenewalAssistance"]
    assert req["kind"] == "ASSISTANCE" and len(req["message"]) == 1800
    assert (await api.ok(ASSIST, {"sn": "AS-F", "m": "future one"}, **tech))["requestRenewalAssistance"]
    assert await api.code(ASSIST, {"sn": "AS-H", "m": "history"}, **tech) == "CONFLICT"
    await api.run_jobs("outbox.deliver")
    to_rep = smtp.to(REP)
    assert len(to_rep) == 2 and all("tech@acme.com" in (m["Cc"] or "") for m in to_rep)
    # the rep answers; another rep cannot
    assert await api.code(ANSWER, {"id": req["id"], "a": "sure"}, as_=OTHER_REP, staff=["SALES_REP"]) == "NOT_FOUND"
    assert await api.code(ANSWER, {"id": req["id"], "a": "sure"}, as_="tech@acme.com") == "FORBIDDEN"
    data = await api.ok(ANSWER, {"id": req["id"], "a": "Happy to help"}, **SALES_REP)
    assert data["answerRenewalAssistance"]["answeredBy"] == REP
    assert await api.code(ANSWER, {"id": req["id"], "a": "again"}, **SALES_REP) == "CONFLICT"
    msgs = await api.ok("{ viewer { messages { nodes { kind subject } } } }", **tech)
    assert [m["kind"] for m in msgs["viewer"]["messages"]["nodes"]] == ["renewal.assistance_answer"]


async def test_dashboard_counts_r_r22(two_tenants):
    api = two_tenants
    await load(
        api,
        renewal("P-1", 60),
        renewal("P-2", 70),
        renewal("F-1", 200),
        renewal("H-1", 60, status="ACCEPTED"),
        renewal("S-1", 60, quote_to="admin@acme.com"),
        renewal("X-1", 60, quote_to="admin@acme.com"),
    )
    await grant(api, "S-1", "tech@acme.com", "PARTICIPANT")
    q = """{ renewalDashboard { pendingCount historyCount futureCount sharedCount savedCarts { name }
             activeCart { id } orders { orderNumber } } }"""
    d = (await api.ok(q, as_="tech@acme.com"))["renewalDashboard"]
    assert d == {
        "pendingCount": 3,
        "historyCount": 1,
        "futureCount": 1,
        "sharedCount": 1,
        "savedCarts": [],
        "activeCart": None,
        "orders": [],
    }
    assert (await api.ok(q, as_="fin@acme.com"))["renewalDashboard"]["pendingCount"] == 0
    # the module is gone for a tenant that disables it
    await api.sql(
        "update tenant_plugins set enabled = false where plugin = 'renewals' and tenant_id = "
        "(select id from tenants where key = 'acme')"
    )
    await api.sql("update tenants set config_version = config_version + 1 where key = 'acme'")
    err = await api.error(q, as_="tech@acme.com")
    assert err["extensions"]["code"] == "MODULE_NOT_ENABLED"


MY_REQ = "mutation($sn: String!, $m: String!) { requestMultiYearQuote(supportNumber: $sn, message: $m) { status } }"
MY_QUOTE = """mutation($sn: String!, $amount: MoneyInput!) { updateMultiYearQuote(supportNumber: $sn, amount: $amount) {
  status multiYearQuote { years amount { amount currency } } } }"""
MY_ACCEPT = """mutation($input: AcceptMultiYearInput!) { acceptMultiYearRenewal(input: $input) {
  orderNumber total { amount currency } renewals { list status endDate } } }"""


async def test_multi_year_eligibility_request_quote_accept_r_r11_r_r12(two_tenants, smtp):
    api = two_tenants
    await load(
        api,
        renewal("M-OK", 60, amount="49999.99"),
        renewal("M-BIG", 60, amount="50000.00"),
        renewal("M-MW", 60, amount="1000.00", lines=MW_LINES),
    )
    tech = {"as_": "tech@acme.com"}
    flags = await api.ok(
        "{ renewals(list: PENDING) { edges { node { supportNumber multiYearEligible saveUpTo { amount } } } } }", **tech
    )
    got = {e["node"]["supportNumber"]: e["node"] for e in flags["renewals"]["edges"]}
    assert got["M-OK"]["multiYearEligible"] is True and got["M-OK"]["saveUpTo"] == {"amount": "15000.00"}
    assert got["M-BIG"]["multiYearEligible"] is False and got["M-BIG"]["saveUpTo"] is None
    assert got["M-MW"]["multiYearEligible"] is False
    assert await api.code(MY_REQ, {"sn": "M-BIG", "m": "3 years please"}, **tech) == "BAD_USER_INPUT"
    assert await api.code(MY_REQ, {"sn": "M-MW", "m": "3 years please"}, **tech) == "BAD_USER_INPUT"
    assert await api.code(MY_REQ, {"sn": "M-OK", "m": "z" * 1801}, **tech) == "BAD_USER_INPUT"
    assert (await status_of(api, "M-OK"))[0] == "OPEN"
    assert await api.code(MY_REQ, {"sn": "M-OK", "m": "q"}, as_="fin@acme.com") == "NOT_FOUND"
    data = await api.ok(MY_REQ, {"sn": "M-OK", "m": "z" * 1800}, **tech)
    assert data["requestMultiYearQuote"]["status"] == "MULTI_YEAR_PENDING"
    assert await api.code(MY_REQ, {"sn": "M-OK", "m": "again"}, **tech) == "CONFLICT"
    accept = {"supportNumber": "M-OK", "paymentMethod": "INVOICE", "acceptTerms": True, "acceptTssa": True}
    assert await api.code(MY_ACCEPT, {"input": accept}, **tech) == "CONFLICT"  # not quoted yet
    # only the assigned rep updates the quote
    amount = {"amount": "134999.97", "currency": "USD"}
    assert await api.code(MY_QUOTE, {"sn": "M-OK", "amount": amount}, **tech) == "FORBIDDEN"
    assert await api.code(MY_QUOTE, {"sn": "M-OK", "amount": amount}, as_=OTHER_REP, staff=["SALES_REP"]) == "NOT_FOUND"
    bad = {"amount": "1.001", "currency": "USD"}
    assert await api.code(MY_QUOTE, {"sn": "M-OK", "amount": bad}, **SALES_REP) == "BAD_USER_INPUT"
    eur = {"amount": "10.00", "currency": "EUR"}
    assert await api.code(MY_QUOTE, {"sn": "M-OK", "amount": eur}, **SALES_REP) == "BAD_USER_INPUT"
    quoted = (await api.ok(MY_QUOTE, {"sn": "M-OK", "amount": amount}, **SALES_REP))["updateMultiYearQuote"]
    assert quoted["status"] == "MULTI_YEAR_QUOTED"
    assert quoted["multiYearQuote"] == {"years": 3, "amount": {"amount": "134999.97", "currency": "USD"}}
    done = (await api.ok(MY_ACCEPT, {"input": accept}, **tech))["acceptMultiYearRenewal"]
    assert done["total"] == {"amount": "134999.97", "currency": "USD"}
    start = TODAY + timedelta(days=60)
    assert done["renewals"] == [
        {
            "list": "HISTORY",
            "status": "ACCEPTED",
            "endDate": (start.replace(year=start.year + 3) - timedelta(days=1)).isoformat(),
        }
    ]
    inv = await api.sql("select count(*) from invoicing_invoices where order_number = :o", o=done["orderNumber"])
    assert inv[0][0] == 1
    await api.run_jobs("outbox.deliver")
    assert any("Multi-year" in (m["Subject"] or "") for m in smtp.to(REP))


async def test_another_tenant_and_staff_cannot_change_renewals(two_tenants):
    api = two_tenants
    await load(api, renewal("T-1", 60))
    before = await status_of(api, "T-1")
    attempts = [
        (UPDATE, {"input": {"supportNumber": "T-1", "customerReference": "hijack"}}),
        (AUTO, {"sn": "T-1", "on": True}),
        (QUOTE_TO, {"input": {"supportNumber": "T-1", "firstName": "A", "lastName": "B", "email": "x@globex.com"}}),
        (ASSIST, {"sn": "T-1", "m": "hello"}),
        (MY_REQ, {"sn": "T-1", "m": "hello"}),
    ]
    for mutation, variables in attempts:
        err = await api.error(mutation, variables, as_="admin@globex.com")
        assert err["extensions"]["code"] == "NOT_FOUND" and "acme" not in str(err).lower()
        # the assigned sales rep may view, but not edit the customer's renewal
        assert await api.code(mutation, variables, **SALES_REP) in ("FORBIDDEN", "BAD_USER_INPUT")
    assert await status_of(api, "T-1") == before
    assert (await api.sql("select count(*) from renewal_requests"))[0][0] == 0
    # a sales rep acting in another tenant (X-Tenant) does not see this tenant's renewals
    assert numbers(await api.ok(LIST, {"list": "PENDING"}, tenant="globex", **SALES_REP)) == []


async def test_order_confirmation_by_number_r_r5(two_tenants):
    api = two_tenants
    await load(api, renewal("O-1", 60))
    checkout = """mutation { checkout(input: {supportNumbers: ["O-1"], paymentMethod: CARD, acceptTerms: true,
      acceptTssa: true}) { orderNumber } }"""
    number = (await api.ok(checkout, as_="tech@acme.com"))["checkout"]["orderNumber"]
    q = """query($n: String!) { renewalOrder(orderNumber: $n) { orderNumber kind placedBy paymentMethod
      total { amount currency } billing { email } renewals { supportNumber list } } }"""
    o = (await api.ok(q, {"n": number}, as_="tech@acme.com"))["renewalOrder"]
    assert o["kind"] == "CHECKOUT" and o["placedBy"] == "tech@acme.com" and o["paymentMethod"] == "CARD"
    assert o["total"] == {"amount": "12000.00", "currency": "USD"} and o["billing"]["email"] == "tech@acme.com"
    assert o["renewals"] == [{"supportNumber": "O-1", "list": "HISTORY"}]
    assert await api.code(q, {"n": number}, as_="fin@acme.com") == "NOT_FOUND"
    assert await api.code(q, {"n": number}, as_="tech@globex.com") == "NOT_FOUND"
    dash = await api.ok("{ renewalDashboard { historyCount orders { orderNumber } } }", as_="tech@acme.com")
    assert dash["renewalDashboard"] == {"historyCount": 1, "orders": [{"orderNumber": number}]}
