"""Compiled reads (core/compiled.py, issue 21): a compiled root field answers exactly what its resolvers
answer — data, errors (messages, paths, codes) and authorization decisions — on SQLite and
PostgreSQL, over generated selections and arguments of the compiled fields, as every kind of caller
(finance, a technical contact, an executive, a person without a contact kind, billing support, and a
caller of another tenant sending this tenant's cursors); what the compiler does not support falls
back to the resolvers; and a compiled page costs one statement whatever its size.

Both paths run on the same database: the app's schema cache is swapped for one built with
``compiled_reads=False`` for the resolvers' answer (SPEC §6 authorization, R-I1 statuses, R-I2
lists)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.pagination import encode_cursor
from schema.builder import SchemaCache
from tests.conftest import Api, make_api
from tests.renewals.helpers import MW_LINES, OTHER_REP, REP, grant, renewal

ACME = {
    "key": "acme",
    "name": "Acme Corp",
    "country": "US",
    "domains": ["acme.com"],
    "people": [
        {"email": "fin@acme.com", "firstName": "F", "lastName": "In", "roles": ["FINANCE"]},
        {"email": "tech@acme.com", "firstName": "T", "lastName": "Ech", "roles": ["TECHNICAL"]},
        {"email": "exec@acme.com", "firstName": "E", "lastName": "Xec", "roles": ["EXECUTIVE"]},
        {"email": "plain@acme.com", "firstName": "P", "lastName": "Lain", "roles": []},
    ],
}
GLOBEX = {
    "key": "globex",
    "name": "Globex",
    "country": "DE",
    "domains": ["globex.com"],
    "people": [{"email": "fin@globex.com", "firstName": "G", "lastName": "Fin", "roles": ["FINANCE"]}],
}
#: (email, staff roles): the callers every generated query is asked as.
PRINCIPALS: list[tuple[str, tuple[str, ...]]] = [
    ("fin@acme.com", ()),
    ("tech@acme.com", ()),
    ("exec@acme.com", ()),
    ("plain@acme.com", ()),
    ("fin@globex.com", ()),
    ("bs@vendor.example", ("BILLING_SUPPORT",)),
    (REP, ("SALES_REP",)),
    (OTHER_REP, ("SALES_REP",)),  # without X-Tenant: every tenant's renewals assigned to them
]
TODAY = date(2026, 11, 23)
SIGNATURE = re.compile(r"sig=[A-Za-z0-9_.-]+")


def _invoice(n: int, tenant: str) -> dict[str, Any]:
    """Invoices of every status and shape: lines with and without tax, 1–3 lines, 2- and 3-decimal
    currencies, the same invoice date for several (the cursor's tie-break on id)."""
    currency = ("USD", "EUR", "KWD", "JPY")[n % 4]
    amount = {"USD": "100.10", "EUR": "0.99", "KWD": "12.345", "JPY": "1500"}[currency]
    lines = [
        {
            # Texts JSON must escape (quotes, a backslash, a tab, non-ASCII beyond the BMP): PostgreSQL
            # writes them into the page's JSON text itself (core.compiled_statement.json_value).
            "product": f"Product {n}-{k}" + (' "Pro" \\ 1\t½ 😀 </script>' if n % 3 == 0 else ""),
            "category": ("SUPPORT_RENEWAL", "LICENSE", "SERVICES")[k % 3],
            "productFamily": "DATABASE",
            "preTaxAmount": amount,
            "taxAmount": "0" if k % 2 else amount,
            **({"periodStart": "2026-01-01", "periodEnd": "2026-12-31"} if k == 1 else {}),
        }
        for k in range(1 + n % 3)
    ]
    item: dict[str, Any] = {
        "tenant": tenant,
        "number": f"{tenant[0].upper()}-{n:03d}",
        "invoiceDate": (TODAY - timedelta(days=(n // 2) * 9)).isoformat(),
        "currency": currency,
        "country": ("US", "DE", "PL")[n % 3],
        "orderNumber": f"ORD-{tenant}-{n}",
        "billingEmail": f"fin@{tenant}.com",
        "lines": lines,
    }
    if n % 5 == 0:
        item["poNumber"] = f"PO-{n}" + (' «O\'Brien» "x"' if n % 10 == 0 else "")
    return item


async def _seed(api: Api) -> None:
    api.clock.set(TODAY)
    await api.load({"tenants": [ACME, GLOBEX]})
    await api.load({"invoices": [_invoice(n, "acme") for n in range(1, 31)] + [_invoice(n, "globex") for n in (1, 2)]})
    # Renewals in each list (pending within 90 days, future, history), quoted to the technical and
    # the finance contact, 1–2 lines, some shared with the executive (R-S2), one of another tenant.
    renewals = [
        renewal(
            f"SN-{n:02d}",
            (-20, 5, 30, 60, 89, 91, 200)[n % 7],
            quote_to=("tech@acme.com", "fin@acme.com")[n % 2],
            currency=("USD", "EUR", "KWD")[n % 3],
            amount=("12000.00", "99.99", "1.250")[n % 3],
            # Quantities 1, 10 (a whole number: "10", never "1E+1") and 2.5 (svc.line_quantity).
            lines=None if n % 2 else [{**MW_LINES[0], "quantity": ("1", "10", "2.5")[n % 3]}],
        )
        for n in range(1, 19)
    ]
    others = [
        renewal("G-SN-1", 30, tenant="globex", quote_to="fin@globex.com"),
        renewal("G-SN-2", 40, tenant="globex", quote_to="fin@globex.com", salesRepEmail=OTHER_REP),
    ]
    renewals[0]["salesRepEmail"] = OTHER_REP
    await api.load({"renewals": [*renewals, *others]})
    for n in (2, 3, 7):
        await grant(api, f"SN-{n:02d}", "exec@acme.com", "PARTICIPANT" if n != 7 else "VIEWER")


class Paths:
    """One app, one database; each request answered by the compiled path and by the resolvers."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.compiled = api.state.schemas
        self.resolvers = SchemaCache(api.state.plugins, self.compiled.extensions, compiled_reads=False)
        self.tokens = {p: api.token(p[0], p[1]) for p in PRINCIPALS}

    async def post(self, document: str, variables: dict[str, Any] | None, principal: tuple[str, tuple[str, ...]]):
        headers = {"Authorization": f"Bearer {self.tokens[principal]}"}
        if principal[1] and principal[0] != OTHER_REP:
            headers["X-Tenant"] = "acme"
        resp = await self.api.client.post("/graphql", json={"query": document, "variables": variables}, headers=headers)
        body = json.loads(SIGNATURE.sub("sig=…", resp.text))  # a signed link's expiry: the second it was made
        (body.get("extensions", {}).get("cost", {}).get("throttle") or {}).pop("remaining", None)
        for error in body.get("errors", []):
            error.get("extensions", {}).pop("errorId", None)  # random per error: a log line's key
        return resp.status_code, body, resp.headers.get("x-authz-checks")

    async def both(self, document: str, variables: dict[str, Any] | None, principal: tuple[str, tuple[str, ...]]):
        state = self.api.state
        try:
            state.schemas = self.resolvers
            expected = await self.post(document, variables, principal)
        finally:
            state.schemas = self.compiled
        got = await self.post(document, variables, principal)
        if got == expected:  # and in the same order: a response's keys follow its selection
            assert json.dumps(got) == json.dumps(expected), difference_in_order(got, expected)
        return got, expected


async def _paths(
    backend: str, templates: dict[str, Any], smtp_server: Any, more: Callable[[Api], Awaitable[None]] | None = None
) -> AsyncIterator[Paths]:
    """An app on ``backend`` with :func:`_seed`'s data (and ``more``'s), every principal signed in."""
    controller, _ = smtp_server
    api, client = await make_api(backend, templates, controller.port, rate_limit_cost_per_minute=10**12)
    try:
        await _seed(api)
        if more is not None:
            await more(api)
        paths = Paths(api)
        for principal in PRINCIPALS:  # the first sign-ins (they write), before any comparison
            await paths.post("{ viewer { email } }", None, principal)
        yield paths
    finally:
        await client.aclose()
        await api.state.engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def paths(request: pytest.FixtureRequest, templates: dict[str, Any], smtp_server: Any) -> AsyncIterator[Paths]:
    if request.param == "postgres" and "postgres" not in templates:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found; install the postgresql package")
    async for made in _paths(request.param, templates, smtp_server):
        yield made


LINE_FIELDS = [
    "id",
    "position",
    "product",
    "description",
    "category",
    "program",
    "productFamily",
    "bundlesLicense",
    "quantity",
    "preTaxAmount { amount currency }",
    "taxRate",
    "taxAmount { amount }",
    "total { currency amount }",
    "periodStart",
    "periodEnd",
    "__typename",
]
INVOICE_FIELDS = [
    "id",
    "number",
    "status",
    "invoiceDate",
    "dueDate",
    "orderNumber",
    "poNumber",
    "orderPaymentMethod",
    "currency",
    "country",
    "preTaxTotal { amount currency }",
    "taxTotal { amount }",
    "total { amount currency __typename }",
    "amountPaid { amount }",
    "creditedAmount { amount }",
    "balance { amount }",
    "pendingAmount { amount }",
    "displayTotal",
    "billingEmail",
    "ccEmails",
    "buyer { name address taxId }",
    "source",
    "cancelled",
    "periodStart",
    "periodEnd",
    "__typename",
]
#: Fields the compiler leaves to the resolvers: with one of them the whole root field falls back.
FALLBACK_FIELDS = ["payments { kind amount { amount } }", "tenant { key }", "documentPdfUrl", "documentUrl"]


def _fields(draw: Any, names: list[str], extra: list[str] = ()) -> str:
    chosen = draw(st.lists(st.sampled_from(names + list(extra)), min_size=1, max_size=6))
    parts = []
    for index, name in enumerate(chosen):
        if draw(st.booleans()) and index:
            parts.append(f"a{index}: {name}")  # an alias
        else:
            parts.append(name)
    return " ".join(parts)


@st.composite
def invoice_selection(draw: Any) -> str:
    fields = _fields(draw, INVOICE_FIELDS, FALLBACK_FIELDS if draw(st.integers(0, 9)) == 0 else [])
    if draw(st.booleans()):
        fields += " lines { " + _fields(draw, LINE_FIELDS) + " }"
    if draw(st.booleans()):
        return "{ ...F " + fields.split(" ")[0] + " }"  # a named fragment and a field beside it
    if draw(st.booleans()):
        return "{ ... on Invoice { " + fields + " } }"
    return "{ " + fields + " }"


@st.composite
def invoices_query(draw: Any) -> tuple[str, dict[str, Any]]:
    """An ``invoices`` query: arguments (status, first — in and out of range —, after a cursor of
    this tenant, of another tenant's rows, malformed), a selection of its connection's fields."""
    node = draw(invoice_selection())
    parts = []
    if draw(st.booleans()):
        parts.append("totalCount")
    if draw(st.booleans()):
        info = draw(
            st.lists(st.sampled_from(["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"]), min_size=1)
        )
        parts.append("pageInfo { " + " ".join(info) + " }")
    shape = draw(st.sampled_from(["edges", "nodes", "both", "none"]))
    if shape in ("edges", "both"):
        parts.append("edges { " + ("cursor " if draw(st.booleans()) else "") + "node " + node + " }")
    if shape in ("nodes", "both"):
        parts.append("nodes " + node)
    if not parts or draw(st.booleans()):
        parts.append("__typename")
    variables: dict[str, Any] = {}
    args = []
    status = draw(st.sampled_from([None, "OPEN", "OVERDUE", "CLOSED"]))
    if status:
        args.append("status: $status")
        variables["status"] = status
    first = draw(st.sampled_from([None, 1, 3, 10, 50, 100, 0, 101]))
    if first is not None:
        args.append(f"first: {first}")
    after = draw(
        st.sampled_from(
            [
                None,
                "",
                encode_cursor([(TODAY - timedelta(days=27)).isoformat(), 12]),  # a string, not a date: no match
                encode_cursor([{"d": (TODAY - timedelta(days=27)).isoformat()}, 12]),
                encode_cursor([{"d": TODAY.isoformat()}, 10**6]),
                encode_cursor([{"d": (TODAY - timedelta(days=45)).isoformat()}, 5]),
                "not-a-cursor",
                encode_cursor([1]),
            ]
        )
    )
    if after is not None:
        args.append("after: $after")
        variables["after"] = after
    if draw(st.integers(0, 9)) == 0:
        args.append("last: 2")  # paging back: the resolvers'
    declared = ", ".join(
        d for d, on in (("$status: InvoiceStatus", status), ("$after: String", after is not None)) if on
    )
    head = f"query({declared})" if declared else "query"
    sibling = draw(st.sampled_from(["", " viewer { email }", " invoiceCounts { open }", " rewards { __typename }"]))
    document = f"{head} {{ invoices{'(' + ', '.join(args) + ')' if args else ''} {{ {' '.join(parts)} }}{sibling} }}"
    if "...F" in document:
        first_field = node.split("...F ")[1].split(" ")[0]
        document += f" fragment F on Invoice {{ {first_field} number }}"
    return document, variables


def difference_in_order(got: Any, expected: Any) -> str:
    return f"key order: {json.dumps(got)[:2000]} != {json.dumps(expected)[:2000]}"


def difference(got: Any, expected: Any, path: str = "") -> str | None:
    """Where two answers first differ (for the assertion's message)."""
    if isinstance(got, dict) and isinstance(expected, dict):
        for key in sorted(set(got) | set(expected), key=str):
            if key not in got or key not in expected:
                return f"{path}.{key}: only in {'compiled' if key in got else 'resolvers'}"
            found = difference(got[key], expected[key], f"{path}.{key}")
            if found:
                return found
        if list(got) != list(expected):
            return f"{path}: key order {list(got)} != {list(expected)}"
        return None
    if isinstance(got, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(got) != len(expected):
            return f"{path}: {len(got)} items != {len(expected)}"
        for index, (a, b) in enumerate(zip(got, expected, strict=True)):
            found = difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if got == expected else f"{path}: compiled {got!r} != resolvers {expected!r}"


RENEWAL_LINE_FIELDS = [
    "product",
    "productFamily",
    "serviceLevel",
    "csiNumber",
    "quantity",
    "serialNumber",
    "installedAt",
    "salesOrderNumber",
    "amount { amount currency }",
    "__typename",
]
RENEWAL_FIELDS = [
    "id",
    "supportNumber",
    "quoteNumber",
    "customer",
    "endUser",
    "startDate",
    "endDate",
    "status",
    "list",
    "serviceLevel",
    "amount { amount currency }",
    "currency",
    "poNumber",
    "customerReference",
    "supportNotes",
    "quoteTo { firstName lastName email address phone }",
    "salesRepEmail",
    "billing { name email address }",
    "autoRenew",
    "paymentMethod",
    "locked",
    "lockDate",
    "daysUntilStart",
    "lastUpdatedBy",
    "acceptedAt",
    "acceptedBy",
    "__typename",
]
RENEWAL_FALLBACK_FIELDS = ["multiYearEligible", "sharedWithCount", "orderingDocumentUrl", "saveUpTo { amount }"]


@st.composite
def renewals_query(draw: Any) -> tuple[str, dict[str, Any]]:
    """A ``renewals`` query: each list, first, cursors (this tenant's, malformed), now and then a
    filter or a sort (each sort field and direction), a selection of the connection's and the renewals' fields."""
    fields = _fields(draw, RENEWAL_FIELDS, RENEWAL_FALLBACK_FIELDS if draw(st.integers(0, 9)) == 0 else [])
    if draw(st.booleans()):
        fields += " lines { " + _fields(draw, RENEWAL_LINE_FIELDS) + " }"
    parts = [draw(st.sampled_from(["totalCount", "pageInfo { hasNextPage endCursor startCursor }", "__typename"]))]
    parts.append(draw(st.sampled_from(["edges { cursor node { " + fields + " } }", "nodes { " + fields + " }"])))
    args = []
    listed = draw(st.sampled_from([None, "PENDING", "FUTURE", "HISTORY"]))
    if listed:
        args.append(f"list: {listed}")
    first = draw(st.sampled_from([None, 2, 5, 50, 0]))
    if first is not None:
        args.append(f"first: {first}")
    after = draw(st.sampled_from([None, encode_cursor([{"d": (TODAY + timedelta(days=30)).isoformat()}, 4]), "%%%"]))
    if after:
        args.append(f'after: "{after}"')
    extra = draw(
        st.sampled_from(
            [
                "",
                "",
                'filter: { search: "SN" }',
                'filter: { search: "SN-0" } sort: { field: CUSTOMER, direction: DESC }',
                "sort: { field: AMOUNT }",
                "sort: { field: END_DATE, direction: DESC }",
                "sort: { field: SUPPORT_NUMBER }",
                "filter: { status: [OPEN, ACCEPTED], autoRenew: false }",
                'filter: { startFrom: "2026-12-01", startTo: "2027-03-01" } sort: { direction: DESC }',
                'filter: { endFrom: "2027-01-01", poNumber: "PO-1" }',
                'filter: { search: "" }',
            ]
        )
    )
    if extra:
        args.append(extra)
    sibling = draw(st.sampled_from(["", " invoices(first: 2) { totalCount }", " viewer { email }"]))
    return "{ renewals" + ("(" + ", ".join(args) + ")" if args else "") + " { " + " ".join(
        parts
    ) + " }" + sibling + " }", {}


#: The record root fields (core.compiled.Record): their compiled fields, and fields that leave
#: the root field to its resolvers (the dashboard's carts and orders, the rewards' lots).
RECORDS = {
    "renewalDashboard": (
        ["pendingCount", "historyCount", "futureCount", "sharedCount", "__typename"],
        ["savedCarts { name }", "activeCart { name }", "orders { orderNumber }"],
    ),
    "invoiceCounts": (["overdue", "open", "closed", "__typename"], []),
    "viewer": (
        [
            "email firstName lastName",
            "lastSignInAt signedInAt previousSignInAt",
            "roles contactKinds isAdmin staffRoles",
            "tenant { id key name country sector isReseller domains enabledModules portalOrigins defaultLocale }",
            "tenant { __typename key }",
            "enabledModules locale textDirection __typename",
        ],
        ["messages { totalCount nodes { subject } }"],
    ),
    "rewards": (
        ["balance { amount currency }", "expiringIn30Days { amount }", "expiringIn90Days { currency __typename }"],
        ["lots { totalCount }", "eligibility { __typename }"],
    ),
}


@st.composite
def dashboard_query(draw: Any) -> tuple[str, dict[str, Any]]:
    """A dashboard: some of the record root fields (aliased now and then, a fragment), a selection
    of each one's fields (now and then one the resolvers answer), beside viewer or a page."""
    roots = draw(st.lists(st.sampled_from(sorted(RECORDS)), min_size=1, max_size=4, unique=True))
    body = []
    for index, root in enumerate(roots):
        compiled, fallback = RECORDS[root]
        fields = _fields(draw, compiled, fallback if fallback and draw(st.integers(0, 5)) == 0 else [])
        if draw(st.booleans()):
            fields = (
                "... on "
                + {"renewalDashboard": "RenewalDashboard", "invoiceCounts": "InvoiceCounts"}.get(root, "Rewards")
                + " { "
                + fields
                + " }"
            )
        alias = f"r{index}: " if draw(st.integers(0, 3)) == 0 else ""
        body.append(f"{alias}{root} {{ {fields} }}")
    sibling = draw(st.sampled_from(["", "renewals(first: 1) { totalCount }", "invoices(first: 1) { totalCount }"]))
    return "{ " + " ".join([*body, sibling]) + " }", {}


HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
    database=None,
)


@HYPOTHESIS
@given(query=invoices_query(), who=st.sampled_from(range(len(PRINCIPALS))))
async def test_generated_invoice_pages_answer_alike(paths: Paths, query: tuple[str, dict[str, Any]], who: int) -> None:
    document, variables = query
    got, expected = await paths.both(document, variables, PRINCIPALS[who])
    context = json.dumps({"document": document, "variables": variables, "who": PRINCIPALS[who]})
    assert got == expected, (difference(got, expected), context)


@HYPOTHESIS
@given(query=renewals_query(), who=st.sampled_from(range(len(PRINCIPALS))))
async def test_generated_renewal_pages_answer_alike(paths: Paths, query: tuple[str, dict[str, Any]], who: int) -> None:
    document, variables = query
    got, expected = await paths.both(document, variables, PRINCIPALS[who])
    context = json.dumps({"document": document, "who": PRINCIPALS[who]})
    assert got == expected, (difference(got, expected), context)


async def test_every_renewal_field_for_owner_participant_viewer_and_rep(paths: Paths) -> None:
    """R-S2: each caller sees the renewals quoted to them, shared with them or assigned to them (a
    sales rep), page after page: the same answers; the executive sees exactly the three shared."""
    node = "{ " + " ".join(RENEWAL_FIELDS) + " lines { " + " ".join(RENEWAL_LINE_FIELDS) + " } }"
    seen: dict[str, set[str]] = {}
    for listed in ("PENDING", "FUTURE"):
        document = (
            "query($a: String) { renewals(list: " + listed + ", first: 3, after: $a) { totalCount "
            "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node " + node + " } } }"
        )
        for who in PRINCIPALS:
            after = None
            while True:
                got, expected = await paths.both(document, {"a": after}, who)
                assert got == expected, difference(got, expected)
                page = (got[1].get("data") or {}).get("renewals")
                if page is None:
                    break
                seen.setdefault(who[0], set()).update(e["node"]["supportNumber"] for e in page["edges"])
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
    assert seen["exec@acme.com"] == {"SN-02", "SN-03", "SN-07"}
    assert not any(
        sn.startswith("G-") for who, sns in seen.items() if who not in ("fin@globex.com", OTHER_REP) for sn in sns
    )
    assert seen["fin@globex.com"] == {"G-SN-1", "G-SN-2"}
    assert seen[OTHER_REP] == {"SN-01", "G-SN-2"}  # assigned, in either tenant (no X-Tenant)


async def test_every_field_deep_page_and_counts_alike(paths: Paths) -> None:
    """Every compiled field of an invoice and its lines, page after page to the end (cursors
    chained), each status: the same answers; FINANCE sees 30 invoices, the other tenant 2."""
    node = "{ " + " ".join(INVOICE_FIELDS) + " lines { " + " ".join(LINE_FIELDS) + " } }"
    document = (
        "query($s: InvoiceStatus, $a: String) { invoices(status: $s, first: 7, after: $a) { totalCount "
        "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node " + node + " } } }"
    )
    for who, expected_total in ((PRINCIPALS[0], 30), (PRINCIPALS[4], 2)):
        seen = 0
        after = None
        while True:
            got, expected = await paths.both(document, {"a": after}, who)
            assert got == expected, difference(got, expected)
            page = got[1]["data"]["invoices"]
            assert page["totalCount"] == expected_total
            seen += len(page["edges"])
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == expected_total
    statuses = set()
    for status in ("OPEN", "OVERDUE", "CLOSED"):
        got, expected = await paths.both(document, {"s": status}, PRINCIPALS[0])
        assert got == expected, difference(got, expected)
        statuses |= {e["node"]["status"] for e in got[1]["data"]["invoices"]["edges"]}
    assert statuses == {"OPEN", "OVERDUE"}  # nothing is paid in this data


async def test_forbidden_field_is_null_beside_answering_siblings(paths: Paths) -> None:
    """§6: a caller without a contact kind gets FORBIDDEN on invoices, and viewer still answers."""
    got, expected = await paths.both("{ invoices { totalCount } viewer { email } }", None, PRINCIPALS[3])
    assert got == expected, difference(got, expected)
    body = got[1]
    assert body["data"] == {"invoices": None, "viewer": {"email": "plain@acme.com"}}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert body["errors"][0]["path"] == ["invoices"]


async def test_compiled_page_is_one_statement_at_10_and_100(paths: Paths) -> None:
    """A page with lines and totalCount: one statement on the compiled path (besides authentication),
    the same at 10 and at 100; the resolvers need three."""
    document = "query($n: Int) { invoices(first: $n) { totalCount edges { node { number lines { product } } } } }"
    token = paths.tokens[PRINCIPALS[0]]
    counts = {}
    for schemas, name in ((paths.compiled, "compiled"), (paths.resolvers, "resolvers")):
        paths.api.state.schemas = schemas
        try:
            for n in (10, 100):
                with paths.api.count_statements() as statements:
                    resp = await paths.api.client.post(
                        "/graphql",
                        json={"query": document, "variables": {"n": n}},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                assert not resp.json().get("errors"), resp.json()
                counts[(name, n)] = len(statements)
        finally:
            paths.api.state.schemas = paths.compiled
    assert counts[("compiled", 10)] == counts[("compiled", 100)]
    assert counts[("resolvers", 10)] == counts[("resolvers", 100)]
    assert counts[("resolvers", 10)] - counts[("compiled", 10)] == 2, counts


async def test_the_compiled_path_really_runs(paths: Paths) -> None:
    """A supported selection runs the compiled statement; one with a field the compiler does not
    know (payments) runs the resolvers' statements instead — and both answer alike."""
    token = paths.tokens[PRINCIPALS[0]]
    for document, compiled in (
        ("{ invoices(first: 2) { nodes { number lines { product } } } }", True),
        ("{ invoices(first: 2) { nodes { number payments { kind } } } }", False),
        ("{ invoices(first: 2, last: 1) { nodes { number } } }", False),
        ("{ renewals(first: 2) { totalCount nodes { supportNumber lines { product amount { amount } } } } }", True),
        ('{ renewals(first: 2, filter: { search: "SN" }) { nodes { supportNumber lines { product } } } }', True),
        (
            "{ renewals(first: 2, sort: { field: AMOUNT, direction: DESC }) "
            "{ nodes { supportNumber lines { product } } } }",
            True,
        ),
        ("{ renewals(first: 2) { nodes { supportNumber sharedWithCount } } }", False),
    ):
        with paths.api.count_statements() as statements:
            resp = await paths.api.client.post(
                "/graphql", json={"query": document}, headers={"Authorization": f"Bearer {token}"}
            )
        # The children as rows to decode, or (PostgreSQL) as the response's JSON itself.
        marker = ("cc_children_", "cc_raw_", "cc_page_") if paths.api.backend == "postgres" else ("cc_children_",)
        assert any(m in s for s in statements for m in marker) is compiled, (document, statements)
        got, expected = await paths.both(document, None, PRINCIPALS[0])
        assert got == expected and got[1] == resp.json() | {"extensions": got[1]["extensions"]}


async def test_postgresql_writes_the_children_json_when_sql_can(paths: Paths) -> None:
    """Issue 21: on PostgreSQL, a page whose every selected field SQL can write (columns of plain
    scalars and enums, Money from a column, global ids, the invoice status of R-I1 for the request's
    day, objects of columns, lines, cursors on a date or an id) comes as the response's JSON whole
    (``cc_page_``); a node field only Python computes (displayTotal's rounding, the sort on a text
    column whose cursor JSON escapes non-ASCII) leaves the rows to Python, whose lines PostgreSQL
    may still write (``cc_raw_``); a line field only Python computes (a total summed in Python)
    takes the decoded rows (``cc_children_``). All answer as the resolvers do — amounts rounded
    per currency (JPY 1500, KWD 12.345), whole quantities spelled "10", not "1E+1"."""
    if paths.api.backend != "postgres":
        pytest.skip("SQLite's children are always decoded (REAL amounts)")
    page = (
        "{ invoices(first: 30) { totalCount pageInfo { endCursor hasNextPage } edges { cursor node { id number "
        "status buyer { name taxId } lines { __typename id product position periodStart "
        "preTaxAmount { amount currency __typename } tax: taxAmount { amount } } } } } }"
    )
    for document, how in (
        (page, "cc_page_"),
        ("{ invoices(first: 30) { nodes { number lines { id product } } } }", "cc_page_"),
        ("{ invoices(first: 30) { nodes { number displayTotal lines { product } } } }", "cc_raw_"),
        ("{ invoices(first: 30) { nodes { number lines { total { amount } } } } }", "cc_children_"),
        (
            "{ renewals(first: 30) { edges { cursor node { id status quoteTo { email firstName } "
            "lines { product quantity amount { amount currency } } } } } }",
            "cc_page_",
        ),
        (
            "{ renewals(first: 30, sort: { field: CUSTOMER }) { edges { cursor node { supportNumber "
            "lines { product } } } } }",
            "cc_raw_",
        ),
    ):
        who = PRINCIPALS[1 if "renewals" in document else 0]  # the renewals with MW_LINES are quoted to tech
        with paths.api.count_statements() as statements:
            resp = await paths.api.client.post(
                "/graphql", json={"query": document}, headers={"Authorization": f"Bearer {paths.tokens[who]}"}
            )
        found = {m for m in ("cc_page_", "cc_raw_", "cc_children_") if any(m in s for s in statements)}
        assert found == {how}, (document, found)
        got, expected = await paths.both(document, None, who)
        assert got == expected, difference(got, expected)
        assert got[1]["data"] == resp.json()["data"]
        if "quantity" in document:
            nodes = [edge["node"] for edge in got[1]["data"]["renewals"]["edges"]]
            lines = [line for node in nodes for line in node["lines"]]
            assert {line["quantity"] for line in lines} >= {"1", "10", "2.500000"}, lines


@HYPOTHESIS
@given(query=dashboard_query(), who=st.sampled_from(range(len(PRINCIPALS))))
async def test_generated_dashboards_answer_alike(paths: Paths, query: tuple[str, dict[str, Any]], who: int) -> None:
    """renewalDashboard's counts (R-R22), invoiceCounts (R-I1) and the rewards balances (R-W11)
    compiled: the same data, errors and authorization checks as their resolvers, for every caller."""
    document, _ = query
    got, expected = await paths.both(document, None, PRINCIPALS[who])
    assert got == expected, (difference(got, expected), json.dumps({"document": document, "who": PRINCIPALS[who]}))


async def test_rewards_forbidden_to_technical_contact_beside_answering_records(paths: Paths) -> None:
    """§6: a technical contact gets FORBIDDEN on rewards (null, its own error) while the dashboard's
    counts and the viewer answer — on both paths alike; finance sees the balances."""
    document = (
        "{ renewalDashboard { pendingCount futureCount historyCount sharedCount } rewards { balance { amount } } "
        "invoiceCounts { open overdue closed } viewer { email } }"
    )
    got, expected = await paths.both(document, None, PRINCIPALS[1])
    assert got == expected, difference(got, expected)
    body = got[1]
    assert body["data"]["rewards"] is None
    assert body["data"]["viewer"] == {"email": "tech@acme.com"}
    assert body["data"]["renewalDashboard"]["pendingCount"] >= 1
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [(["rewards"], "FORBIDDEN")]
    got, expected = await paths.both(document, None, PRINCIPALS[0])
    assert got == expected, difference(got, expected)
    assert (
        "errors" not in got[1]
        and got[1]["data"]["invoiceCounts"]["overdue"] + got[1]["data"]["invoiceCounts"]["open"] == 30
    )


async def test_record_counts_take_one_statement_each(paths: Paths) -> None:
    """The dashboard's counts alone: one statement for renewalDashboard (the resolver also reads
    carts and orders: three more) and one for invoiceCounts, as docs/performance.md counts them."""
    token = paths.tokens[PRINCIPALS[0]]
    counts = {}
    for schemas, name in ((paths.compiled, "compiled"), (paths.resolvers, "resolvers")):
        paths.api.state.schemas = schemas
        try:
            for document in ("{ renewalDashboard { pendingCount sharedCount } }", "{ invoiceCounts { open } }"):
                with paths.api.count_statements() as statements:
                    resp = await paths.api.client.post(
                        "/graphql", json={"query": document}, headers={"Authorization": f"Bearer {token}"}
                    )
                assert not resp.json().get("errors"), resp.json()
                counts[(name, document)] = len(statements)
        finally:
            paths.api.state.schemas = paths.compiled
    dash, inv = "{ renewalDashboard { pendingCount sharedCount } }", "{ invoiceCounts { open } }"
    assert counts[("resolvers", dash)] - counts[("compiled", dash)] == 3, counts
    assert counts[("resolvers", inv)] == counts[("compiled", inv)], counts


async def test_the_compiled_records_really_run(paths: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record's supported selection runs its compiled plan; one with a field the plan does not
    know (the dashboard's carts, the rewards' lots) runs the resolvers — and both answer alike."""
    from core import compiled

    ran: list[Any] = []
    run = compiled.RecordPlan.run

    async def counted(self: Any, ctx: Any, args: Any) -> Any:
        ran.append(self.spec.source)
        return await run(self, ctx, args)

    monkeypatch.setattr(compiled.RecordPlan, "run", counted)
    for document, runs in (
        ("{ renewalDashboard { pendingCount } invoiceCounts { open } rewards { balance { amount } } }", 3),
        ("{ viewer { email tenant { key domains } } }", 1),
        ("{ viewer { email messages { totalCount nodes { subject } } } }", 0),
        ("{ renewalDashboard { pendingCount savedCarts { name } } }", 0),
        ("{ rewards { balance { amount } lots { totalCount } } }", 0),
    ):
        ran.clear()
        got, expected = await paths.both(document, None, PRINCIPALS[0])
        assert got == expected, difference(got, expected)
        assert "errors" not in got[1] and len(ran) == runs, (document, ran)
