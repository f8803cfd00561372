"""GraphiQL served offline by the app (issue 18, core/graphiql.py, core/assets.py), and introspection
without a token so its docs load before sign-in. The page in a real browser with the network cut
is tests/browser/test_graphiql_chromium.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core import assets
from tests.conftest import make_api

INTROSPECTION = "query IntrospectionQuery { __schema { queryType { name } types { name } } }"

needs_assets = pytest.mark.skipif(not assets.installed(), reason="run: customer-center assets fetch (make install)")


@needs_assets
async def test_page_and_assets_come_from_this_server(api):
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "default-src 'none'" in csp
    # nothing is loaded from anywhere else
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/graphiql/assets/") for s in sources), sources
    assert "Authorization: Bearer" in page.text and "X-Tenant" in page.text and "Headers" in page.text
    for src in sources:
        got = await api.client.get(src)
        assert got.status_code == 200, src
        assert got.headers["content-type"].startswith(("text/javascript", "text/css")), src
    assert "createFetcher" in (await api.client.get("/graphiql/assets/init.js")).text
    for bad in ("ASSETS.json", "..%2Fassets.py", "LICENSE.react", "nope.js"):
        assert (await api.client.get(f"/graphiql/assets/{bad}")).status_code == 404, bad


def test_integrity_is_checked_before_unpacking(tmp_path: Path):
    package = assets.PACKAGES[0]
    tarball = tmp_path / "bad.tgz"
    tarball.write_bytes(b"not the pinned tarball")
    with pytest.raises(assets.AssetError, match="integrity"):
        assets.unpack(package, tarball, tmp_path)
    assert list(tmp_path.iterdir()) == [tarball]
    assert not assets.installed(tmp_path)
    assert {p.name for p in assets.PACKAGES} == {"react", "react-dom", "graphiql"}
    assert all(p.integrity.startswith("sha512-") and p.version[0].isdigit() for p in assets.PACKAGES)


def test_vendor_files_are_not_committed():
    root = Path(__file__).resolve().parent.parent
    assert "core/static/vendor/" in (root / ".gitignore").read_text().splitlines()


async def test_introspection_answers_without_a_token_and_nothing_else_does(api):
    resp = await api.client.post("/graphql", json={"query": INTROSPECTION})
    assert resp.status_code == 200
    names = {t["name"] for t in resp.json()["data"]["__schema"]["types"]}
    assert {"Query", "Viewer", "Renewal", "Invoice"} <= names  # every installed module's types
    assert (await api.client.post("/graphql", json={"query": "{ __typename }"})).json()["data"] == {
        "__typename": "Query"
    }
    # any data field next to it needs a token, as do mutations and aliases of data fields
    for query in (
        "{ __schema { queryType { name } } viewer { email } }",
        "{ ...F } fragment F on Query { viewer { email } }",
        "mutation { __typename }",
    ):
        resp = await api.client.post("/graphql", json={"query": query})
        assert resp.status_code == 401, query
    # a bad token is still refused, also for introspection
    resp = await api.client.post("/graphql", json={"query": INTROSPECTION}, headers={"Authorization": "Bearer x"})
    assert resp.status_code == 401


async def test_no_anonymous_introspection_when_introspection_is_off(templates, smtp_server):
    api, client = await make_api("sqlite", templates, smtp_server[0].port, introspection=False, graphiql=False)
    try:
        resp = await client.post("/graphql", json={"query": INTROSPECTION})
        assert resp.status_code == 401
        assert (await client.get("/graphql")).status_code == 404
    finally:
        await client.aclose()
        await api.state.engine.dispose()
    api, client = await make_api("sqlite", templates, smtp_server[0].port, introspection_without_token=False)
    try:
        assert (await client.post("/graphql", json={"query": INTROSPECTION})).status_code == 401
    finally:
        await client.aclose()
        await api.state.engine.dispose()
