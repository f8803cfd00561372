"""Acceptance in a real browser (issue 18): headless Chromium (Debian's chromium and chromedriver,
driven by selenium) with the network cut — every request goes to a proxy on a closed port, and only
loopback bypasses it — loads GraphiQL from the app, shows the docs before sign-in, runs a query with
a token, fetches a signed download link without the bearer header, and a portal page served on a
second loopback origin calls the API with fetch() under the CORS rules (global and per tenant).

One browser session and one server for the whole module (a few seconds in all)."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from core import assets
from core.app import create_state
from core.auth import issue_token
from core.clock import FixedClock
from core.importer import import_data
from core.rls import EVERY_TENANT  # the test's own inspection: every tenant (core/rls.py)
from core.settings import Settings
from tests.browser.conftest import needs_chromium
from tests.browser.support import fetch, running_app, wait_for
from tests.conftest import ACME, GLOBEX, NOW
from tests.renewals.helpers import renewal

pytestmark = [
    needs_chromium,
    pytest.mark.skipif(not assets.installed(), reason="GraphiQL assets: customer-center assets fetch (make install)"),
]
PORTAL_PAGE = b"<!doctype html><html><head><title>portal</title></head><body>A reseller's portal</body></html>"


class _Portal(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(PORTAL_PAGE)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def servers(templates: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app under uvicorn on one loopback port, a portal page on another."""
    portal = ThreadingHTTPServer(("127.0.0.1", 0), _Portal)
    portal_port = portal.server_address[1]
    threading.Thread(target=portal.serve_forever, daemon=True).start()

    db = tmp_path_factory.mktemp("browser") / "browser.db"
    shutil.copy(templates["sqlite"], db)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db}", cors_origins="http://localhost:*")
    state = create_state(settings, clock=FixedClock(NOW))
    acme = {**ACME, "portalOrigins": [f"http://127.0.0.1:{portal_port}"]}

    async def load() -> None:
        async with state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
            await import_data(session, {"tenants": [acme, GLOBEX], "renewals": [renewal("B-1", 60)]}, state)
        await state.engine.dispose()

    asyncio.run(load())
    try:
        with running_app(state) as app:
            yield {
                "app": app,
                "portal_port": portal_port,
                "tech": issue_token(settings, "tech@acme.com"),
                "globex": issue_token(settings, "tech@globex.com"),
            }
    finally:
        portal.shutdown()


def test_graphiql_offline_docs_query_and_signed_link(browser, servers):
    driver, app = browser, servers["app"]
    driver.get(f"{app}/graphql")
    # the network is cut: nothing outside loopback answers
    assert "error" in fetch(driver, "http://example.com/")
    wait_for(driver, "return document.querySelector('.graphiql-query-editor .CodeMirror')")
    assert "Authorization" in driver.find_element("id", "cc-help").get_attribute("textContent")
    # the docs explorer loads the schema before any token is given
    driver.find_element("css selector", "[aria-label='Show Documentation Explorer']").click()
    wait_for(driver, "return document.querySelector('.graphiql-doc-explorer')?.textContent.includes('Query')")
    # sign in the way the page says, run a query
    driver.find_element("id", "cc-token").send_keys(servers["tech"])
    query = '{ viewer { email } renewal(supportNumber: "B-1") { orderingDocumentUrl } }'
    driver.execute_script(
        "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(arguments[0])", query
    )
    driver.find_element("css selector", ".graphiql-execute-button").click()
    result = "return document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"
    text = wait_for(driver, result + ".includes('orderingDocumentUrl') && " + result[7:])
    data = json.loads(text)["data"]
    assert data["viewer"]["email"] == "tech@acme.com"
    link = data["renewal"]["orderingDocumentUrl"]
    assert link.startswith(f"{app}/renewals/B-1/ordering-document?sig=")
    # the signed link opens without the bearer header; an altered one does not
    got = fetch(driver, link)
    assert got["status"] == 200 and "B-1" in got["text"] and got["type"].startswith("text/html")
    altered = fetch(driver, link.replace("sig=", "sig=x"))
    assert altered["status"] == 403 and "B-1" not in altered["text"]
    assert fetch(driver, link.split("?")[0])["status"] == 401


def _post(driver: Any, app: str, token: str, query: str = "{ viewer { email } }") -> dict[str, Any]:
    init = {
        "method": "POST",
        "headers": {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        "body": json.dumps({"query": query}),
    }
    return fetch(driver, f"{app}/graphql", init)


def test_portal_on_another_origin_calls_the_api_under_cors(browser, servers):
    driver, app, port = browser, servers["app"], servers["portal_port"]
    # http://localhost:<port>: a development origin allowed by the settings' pattern
    driver.get(f"http://localhost:{port}/")
    assert "portal" in driver.title
    got = _post(driver, app, servers["tech"])
    assert got.get("status") == 200 and json.loads(got["text"])["data"]["viewer"]["email"] == "tech@acme.com"
    # http://127.0.0.1:<port>: Acme's portal origin (tenant data), for Acme's requests only
    driver.get(f"http://127.0.0.1:{port}/")
    got = _post(driver, app, servers["tech"])
    assert got.get("status") == 200 and "tech@acme.com" in got["text"]
    refused = _post(driver, app, servers["globex"])
    assert "error" in refused and "Failed to fetch" in refused["error"]
    # a signed link fetched from the portal: no preflight, readable for the link's tenant
    text = _post(driver, app, servers["tech"], '{ renewal(supportNumber: "B-1") { orderingDocumentUrl } }')["text"]
    link = json.loads(text)["data"]["renewal"]["orderingDocumentUrl"]
    got = fetch(driver, link)
    assert got["status"] == 200 and "B-1" in got["text"]
    # an origin nobody configured: the browser withholds every answer
    other = ThreadingHTTPServer(("127.0.0.1", 0), _Portal)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        driver.get(f"http://127.0.0.1:{other.server_address[1]}/")
        assert "Failed to fetch" in _post(driver, app, servers["tech"]).get("error", "")
    finally:
        other.shutdown()
