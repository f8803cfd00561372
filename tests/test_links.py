"""Signed download links (issue 18, core/links.py): every ``…Url`` field answers an absolute,
short-lived link bound to the person, tenant, resource and expiry, that a browser follows without
the bearer header; the bearer header keeps working; expired, altered, foreign or revoked links get
401/403 and no content."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from core.app import principal_for_email
from core.auth import token_clock
from core.links import sign_link
from core.models import Tenant
from core.rls import EVERY_TENANT  # the test's own inspection: every tenant (core/rls.py)
from tests.conftest import link_path
from tests.renewals.helpers import REP, load, renewal

TECH = {"as_": "tech@acme.com"}
DOC = "query($sn: String!) { renewal(supportNumber: $sn) { orderingDocumentUrl } }"
DOWNLOADS = "{ renewalDownloads(list: PENDING) { standardCsvUrl summaryReportUrl detailedReportUrl } }"


async def link_of(api, sn: str = "L-1", **who) -> str:
    return (await api.ok(DOC, {"sn": sn}, **(who or TECH)))["renewal"]["orderingDocumentUrl"]


def relative(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + "?" + parts.query


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return parts._replace(query=urlencode(query)).geturl()


async def anonymous_get(api, url: str) -> httpx.Response:
    return await api.client.get(relative(url))  # no Authorization header, as from <a href>


@pytest.fixture
async def docs(two_tenants):
    await load(
        two_tenants,
        renewal("L-1", 60),
        renewal("L-2", 70),
        renewal("G-1", 60, tenant="globex", quote_to="tech@globex.com"),
    )
    return two_tenants


async def test_links_are_absolute_signed_and_open_without_the_bearer_header(docs):
    api = docs
    url = await link_of(api)
    assert url.startswith("http://test/renewals/L-1/ordering-document?sig=")
    resp = await anonymous_get(api, url)
    assert resp.status_code == 200 and "L-1" in resp.text
    assert resp.headers["referrer-policy"] == "no-referrer" and "no-store" in resp.headers["cache-control"]
    # the bearer header keeps working, with or without a link
    assert (await api.get("/renewals/L-1/ordering-document", **TECH)).status_code == 200
    # every download field is signed the same way; CSV links keep their parameters
    links = (await api.ok(DOWNLOADS, **TECH))["renewalDownloads"]
    assert link_path(links["standardCsvUrl"]) == "/renewals/export.csv?list=pending"
    for key in ("standardCsvUrl", "summaryReportUrl", "detailedReportUrl"):
        got = await anonymous_get(api, links[key])
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv"), key
        assert "L-1" in got.text and "G-1" not in got.text


async def test_altered_links_are_refused_without_content(docs):
    api = docs
    url = await link_of(api)
    sig = dict(parse_qsl(urlsplit(url).query))["sig"]
    attempts = [
        url.replace("/L-1/", "/L-2/"),  # another resource, same signature
        with_query(url, extra="1"),  # a parameter added
        url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB"),  # signature altered
        f"/renewals/L-1/ordering-document?sig={sig}&sig={sig}",  # two signatures
        "/renewals/L-1/ordering-document?sig=not-a-jwt",
    ]
    links = (await api.ok(DOWNLOADS, **TECH))["renewalDownloads"]
    attempts.append(with_query(links["standardCsvUrl"], list="history"))  # filters changed
    for bad in attempts:
        resp = await anonymous_get(api, bad)
        assert resp.status_code == 403, bad
        assert resp.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "L-1" not in resp.text and "Support" not in resp.text
    # a bearer token is not a link and a link is not a bearer token
    token = api.token("tech@acme.com")
    assert (await api.client.get(f"/renewals/L-1/ordering-document?sig={token}")).status_code == 403
    bearer = await api.client.post(
        "/graphql", headers={"Authorization": f"Bearer {sig}"}, json={"query": "{viewer{email}}"}
    )
    assert bearer.status_code == 401


async def test_expired_link_gets_401(docs):
    api = docs
    tenant_acme = (await api.sql("select id from tenants where key = 'acme'"))[0][0]
    async with api.state.sessionmaker(info=EVERY_TENANT) as session:
        acme = await session.get(Tenant, tenant_acme)
        principal = await principal_for_email(api.state, session, "tech@acme.com", acme)
    ttl = api.state.settings.link_ttl_seconds
    stale = sign_link(api.state.settings, principal, "/renewals/L-1/ordering-document", "", now=token_clock() - ttl - 1)
    resp = await api.client.get(stale)
    assert resp.status_code == 401 and resp.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "L-1" not in resp.text
    fresh = sign_link(api.state.settings, principal, "/renewals/L-1/ordering-document", "", now=token_clock() - ttl + 5)
    assert (await api.client.get(fresh)).status_code == 200
    # a link never outlives the token it was made with
    short = api.state.settings.model_copy(update={"link_ttl_seconds": 3600})
    capped = sign_link(
        short,
        principal.__class__(**{**principal.__dict__, "token_exp": token_clock() - 1}),
        "/renewals/L-1/ordering-document",
        "",
    )
    assert (await api.client.get(capped)).status_code == 401


async def test_link_of_a_removed_person_stops_working(docs):
    api = docs
    url = await link_of(api)
    users = (await api.ok("{ users { edges { node { id email } } } }", as_="admin@acme.com"))["users"]["edges"]
    tech = next(u["node"]["id"] for u in users if u["node"]["email"] == "tech@acme.com")
    await api.ok("mutation($id: ID!) { removeUser(id: $id) { status } }", {"id": tech}, as_="admin@acme.com")
    resp = await anonymous_get(api, url)
    assert resp.status_code in (401, 403) and "L-1" not in resp.text
    # re-admission does not revive links (nor tokens) made before the removal (R-A3)
    await api.sql("update people set status = 'ACTIVE' where email = 'tech@acme.com'")
    assert (await anonymous_get(api, url)).status_code == 401


async def test_a_link_opens_its_own_tenant_only(docs):
    """Acme's caller cannot be given a link to Globex's renewal, and a link signed for a Globex path
    on Acme's behalf finds nothing: the route runs in the link's tenant, behind the tenant filter."""
    api = docs
    assert await api.code(DOC, {"sn": "G-1"}, **TECH) == "NOT_FOUND"
    async with api.state.sessionmaker(info=EVERY_TENANT) as session:
        acme = (await session.execute(Tenant.__table__.select().where(Tenant.key == "acme"))).one()
        principal = await principal_for_email(api.state, session, "tech@acme.com", await session.get(Tenant, acme.id))
    forged_for_b = sign_link(api.state.settings, principal, "/renewals/G-1/ordering-document", "")
    resp = await api.client.get(forged_for_b)
    assert resp.status_code == 404 and resp.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "Globex" not in resp.text
    # a staff member's link keeps the tenant they acted in (X-Tenant)
    rep = {"as_": REP, "staff": ["SALES_REP"], "tenant": "globex"}
    url = await link_of(api, "G-1", **rep)
    got = await anonymous_get(api, url)
    assert got.status_code == 200 and "G-1" in got.text
    assert (await anonymous_get(api, url.replace("/G-1/", "/L-1/"))).status_code == 403


async def test_public_base_url_setting(templates, smtp_server):
    from tests.conftest import ACME, make_api

    api, client = await make_api("sqlite", templates, smtp_server[0].port, public_base_url="https://center.example/")
    try:
        await api.load({"tenants": [ACME], "renewals": [renewal("L-1", 60)]})
        url = await link_of(api)
        assert url.startswith("https://center.example/renewals/L-1/ordering-document?sig=")
        assert (await anonymous_get(api, url)).status_code == 200
    finally:
        await client.aclose()
        await api.state.engine.dispose()


async def test_invoicing_downloads_are_signed_links_too(two_tenants):
    """The invoice document, the invoice list and payment history CSVs (R-I2) and a tenant's own
    invoices only."""
    from tests.invoicing.test_api import invoice
    from tests.invoicing.test_api import load as load_invoices

    api = two_tenants
    await load_invoices(api, invoice("INV-A1", "100.00"), invoice("INV-G1", "100.00", tenant="globex"))
    fin = {"as_": "fin@acme.com"}
    q = """{ invoicingDownloads(status: OPEN) { invoicesCsvUrl paymentsCsvUrl }
             invoice(number: "INV-A1") { documentUrl } }"""
    data = await api.ok(q, **fin)
    links = data["invoicingDownloads"]
    assert link_path(links["invoicesCsvUrl"]) == "/invoicing/invoices.csv?status=OPEN"
    assert link_path(links["paymentsCsvUrl"]) == "/invoicing/payments.csv"
    csv = await anonymous_get(api, links["invoicesCsvUrl"])
    assert csv.status_code == 200 and "INV-A1" in csv.text and "INV-G1" not in csv.text
    assert (await anonymous_get(api, links["paymentsCsvUrl"])).status_code == 200
    doc = await anonymous_get(api, data["invoice"]["documentUrl"])
    assert doc.status_code == 200 and "INV-A1" in doc.text
    assert (await anonymous_get(api, data["invoice"]["documentUrl"].replace("INV-A1", "INV-G1"))).status_code == 403
    # who may not see invoices gets no link
    assert await api.code("{ invoicingDownloads { paymentsCsvUrl } }", as_="plain@acme.com") == "FORBIDDEN"


def test_every_url_field_of_the_schema_is_a_signed_link():
    """A new download field (a plugin's ``…Url``) must be declared with ``link_field`` so that it
    answers a signed absolute link rather than a path that needs the bearer header."""
    from strawberry.types.base import StrawberryObjectDefinition

    from core.app import create_state
    from core.links import SignedLink
    from core.settings import Settings

    state = create_state(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    schema = state.schemas.get(frozenset(state.plugins.names))
    # Addresses that are not downloads of this server: a webhook endpoint's is the subscriber's.
    not_downloads = {("WebhookEndpoint", "url"), ("WebhookDelivery", "endpoint_url")}
    found = []
    for definition in schema.schema_converter.type_map.values():
        if isinstance(definition.definition, StrawberryObjectDefinition) and definition.definition.is_input:
            continue
        for f in getattr(definition.definition, "fields", []) or []:
            if not (f.python_name or "").lower().endswith("url"):
                continue
            if (definition.definition.name, f.python_name) in not_downloads:
                continue
            found.append(f.python_name)
            assert any(isinstance(e, SignedLink) for e in f.extensions), f"{definition.definition.name}.{f.name}"
    assert {"ordering_document_url", "document_url", "schedule_csv_url", "invoices_csv_url"} <= set(found)


async def test_links_to_ids_with_url_characters(two_tenants):
    api = two_tenants
    await load(api, renewal("Q 1?x#ä", 60))
    url = await link_of(api, "Q 1?x#ä")
    assert "/renewals/Q%201%3Fx%23%C3%A4/ordering-document?sig=" in url
    assert (await anonymous_get(api, url + "&lang=de")).status_code == 200  # the language is the reader's
    resp = await anonymous_get(api, url)
    assert resp.status_code == 200 and "Q 1?x#ä" in resp.text


async def test_pdf_documents_are_signed_links(docs):
    api = docs
    if api.backend == "postgres":
        pytest.skip("rendering a PDF costs seconds; the link does not depend on the database")
    q = 'query { renewal(supportNumber: "L-1") { orderingDocumentPdfUrl } }'
    url = (await api.ok(q, **TECH))["renewal"]["orderingDocumentPdfUrl"]
    assert link_path(url) == "/renewals/L-1/ordering-document.pdf"
    resp = await anonymous_get(api, url)
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF")
    assert (await anonymous_get(api, url.replace("L-1", "L-2"))).status_code == 403
