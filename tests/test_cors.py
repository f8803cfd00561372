"""CORS for browser portals (issue 18, core/cors.py): global origins from settings, each tenant's
portal origins (import and ``setPortalOrigins``), preflights for /graphql and download routes,
only the methods and headers the API uses. Real Origin headers over HTTP; the headless-Chromium
counterpart (a page on a second loopback origin calling fetch) is tests/browser/test_graphiql_chromium.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.cors import normalise_origin
from tests.conftest import ACME, GLOBEX, Api, make_api

DEV_ORIGINS = "http://localhost:*,http://127.0.0.1:*"
PORTAL = "https://portal.acme.example"
VIEWER = "{ viewer { email } }"
SET = "mutation($o: [String!]!, $t: String) { setPortalOrigins(origins: $o, tenantKey: $t) { key portalOrigins } }"


@pytest.fixture(params=["sqlite", "postgres"])
async def cors_api(request: pytest.FixtureRequest, templates: dict[str, Any], smtp_server: Any) -> AsyncIterator[Api]:
    if request.param == "postgres" and "postgres" not in templates:
        pytest.skip("PostgreSQL binaries not found")
    api, client = await make_api(request.param, templates, smtp_server[0].port, cors_origins=DEV_ORIGINS)
    await api.load({"tenants": [ACME, GLOBEX]})
    try:
        yield api
    finally:
        await client.aclose()
        await api.state.engine.dispose()


async def preflight(
    api: Api, path: str, origin: str, method: str = "POST", headers: str = "authorization,content-type"
):
    return await api.client.options(
        path,
        headers={"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers},
    )


async def post(api: Api, origin: str, as_: str | None, query: str = VIEWER, variables: Any = None, **kw: Any):
    return await api.client.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"Origin": origin, **api.headers(as_, **kw)}
    )


async def test_development_origins_preflight_and_read_any_port(cors_api):
    api = cors_api
    for origin in ("http://localhost:5173", "http://127.0.0.1:9000", "http://localhost"):
        resp = await preflight(api, "/graphql", origin, headers="authorization, content-type, x-tenant")
        assert resp.status_code == 204, origin
        assert resp.headers["access-control-allow-origin"] == origin
        assert resp.headers["access-control-allow-methods"] == "GET, POST"
        assert resp.headers["access-control-allow-headers"] == "Authorization, Content-Type, X-Tenant, X-Request-Id"
        assert int(resp.headers["access-control-max-age"]) > 0
        assert "access-control-allow-credentials" not in resp.headers  # bearer tokens, never cookies
        ok = await post(api, origin, "tech@acme.com")
        assert ok.status_code == 200 and ok.json()["data"]["viewer"]["email"] == "tech@acme.com"
        assert ok.headers["access-control-allow-origin"] == origin
        assert "X-Request-Id" in ok.headers["access-control-expose-headers"] and ok.headers["x-request-id"]
        assert "Origin" in ok.headers["vary"]
    # download routes are preflighted the same way (GET with the bearer header)
    resp = await preflight(api, "/renewals/export.csv", "http://localhost:3000", method="GET", headers="authorization")
    assert resp.status_code == 204 and resp.headers["access-control-allow-origin"] == "http://localhost:3000"


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://localhost:5173",  # another scheme
        "http://localhost.evil.example:80",
        "http://127.0.0.1.evil.example",
        "null",
    ],
)
async def test_other_origins_get_no_cors_headers(cors_api, origin):
    api = cors_api
    resp = await preflight(api, "/graphql", origin)
    assert resp.status_code == 403
    assert not [h for h in resp.headers if h.startswith("access-control-")]
    body = await post(api, origin, "tech@acme.com")
    assert body.status_code == 200  # the server answers; the browser withholds it from the page
    assert "access-control-allow-origin" not in body.headers and "Origin" in body.headers["vary"]


async def test_preflight_refuses_methods_and_headers_the_api_does_not_use(cors_api):
    api = cors_api
    for method, headers in (
        ("PUT", "authorization"),
        ("DELETE", ""),
        ("POST", "authorization,x-evil"),
        ("GET", "cookie"),
    ):
        resp = await preflight(api, "/graphql", "http://localhost:5173", method=method, headers=headers)
        assert resp.status_code == 403, (method, headers)
        assert "access-control-allow-origin" not in resp.headers


async def test_production_default_allows_no_origin(api):
    """Settings default: no global origin until configured (make serve sets the loopback ones)."""
    await api.load({"tenants": [ACME]})
    assert api.state.settings.cors_origins == ""
    resp = await preflight(api, "/graphql", "http://localhost:5173")
    assert resp.status_code == 403 and "access-control-allow-origin" not in resp.headers
    body = await post(api, "http://localhost:5173", "tech@acme.com")
    assert "access-control-allow-origin" not in body.headers


async def test_tenant_portal_origin_set_by_admin_serves_that_tenant_only(cors_api):
    """A tenant's portal origin may read responses for requests acting in that tenant (and
    refusals before anyone is known), not another tenant's."""
    api = cors_api
    assert (await preflight(api, "/graphql", PORTAL)).status_code == 403
    data = await api.ok(SET, {"o": [PORTAL + "/", "HTTPS://Portal.Acme.Example:443"]}, as_="admin@acme.com")
    assert data["setPortalOrigins"] == {"key": "acme", "portalOrigins": [PORTAL]}
    resp = await preflight(api, "/graphql", PORTAL, headers="authorization,content-type")
    assert resp.status_code == 204 and resp.headers["access-control-allow-origin"] == PORTAL
    mine = await post(api, PORTAL, "fin@acme.com")
    assert mine.json()["data"]["viewer"]["email"] == "fin@acme.com"
    assert mine.headers["access-control-allow-origin"] == PORTAL
    theirs = await post(api, PORTAL, "fin@globex.com")
    assert theirs.json()["data"]["viewer"]["email"] == "fin@globex.com"
    assert "access-control-allow-origin" not in theirs.headers
    signed_out = await post(api, PORTAL, None)
    assert signed_out.status_code == 401 and signed_out.headers["access-control-allow-origin"] == PORTAL
    # an operator acting in globex through that origin: globex is not the portal's tenant
    staff = await post(api, PORTAL, "op@vendor.example", staff=["OPERATOR"], tenant="globex")
    assert "access-control-allow-origin" not in staff.headers
    # cleared: the origin is refused again at once
    await api.ok(SET, {"o": []}, as_="admin@acme.com")
    assert (await preflight(api, "/graphql", PORTAL)).status_code == 403


async def test_reseller_portal_serves_its_customer_tenants(cors_api):
    api = cors_api
    reseller = {
        "key": "resell",
        "name": "Resell Ltd",
        "domains": ["resell.example"],
        "reseller": True,
        "portalOrigins": ["https://portal.resell.example"],
        "people": [{"email": "admin@resell.example", "roles": ["ADMIN"]}],
    }
    customer = {
        "key": "cust",
        "name": "Customer",
        "domains": ["cust.example"],
        "resellerKey": "resell",
        "people": [{"email": "fin@cust.example", "roles": ["FINANCE"]}],
    }
    await api.load({"tenants": [reseller, customer]})
    origin = "https://portal.resell.example"
    staff = await post(api, origin, "admin@resell.example", tenant="cust")
    assert staff.json()["data"]["viewer"]["email"] == "admin@resell.example"
    assert staff.headers["access-control-allow-origin"] == origin
    own = await post(api, origin, "fin@cust.example")  # the customer's own people use the reseller's portal
    assert own.headers["access-control-allow-origin"] == origin
    other = await post(api, origin, "fin@acme.com")
    assert "access-control-allow-origin" not in other.headers


async def test_set_portal_origins_who_and_what(cors_api):
    api = cors_api
    assert await api.code(SET, {"o": [PORTAL]}, as_="tech@acme.com") == "FORBIDDEN"
    assert await api.code(SET, {"o": [PORTAL], "t": "acme"}, as_="admin@globex.com") == "FORBIDDEN"
    assert await api.code(SET, {"o": [PORTAL]}, as_="admin@resell.example") == "FORBIDDEN"  # no such person
    for bad in (
        "ftp://portal.example",
        "https://portal.example/path",
        "https://user@portal.example",
        "https://*.example",
        "https://portal.example?x=1",
        "portal.example",
        "https://exa mple.com",
    ):
        err = await api.error(SET, {"o": [bad]}, as_="admin@acme.com")
        assert err["extensions"]["code"] == "BAD_USER_INPUT" and err["extensions"]["field"] == "origins", bad
    too_many = [f"https://p{i}.example" for i in range(21)]
    assert await api.code(SET, {"o": too_many}, as_="admin@acme.com") == "BAD_USER_INPUT"
    rows = await api.sql("select portal_origins from tenants where key = 'acme'")
    assert rows[0][0] in ([], "[]")  # refused changes wrote nothing
    op = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}
    assert await api.code(SET, {"o": [PORTAL]}, **op) == "BAD_USER_INPUT"  # no tenant named
    assert await api.code(SET, {"o": [PORTAL], "t": "nope"}, **op) == "NOT_FOUND"
    data = await api.ok(SET, {"o": ["http://localhost:8080"], "t": "globex"}, **op)
    assert data["setPortalOrigins"]["portalOrigins"] == ["http://localhost:8080"]
    assert await api.code(SET, {"o": [PORTAL]}, as_="rep@vendor.example", staff=["SALES_REP"], tenant="acme") == (
        "FORBIDDEN"
    )


async def test_import_validates_portal_origins(cors_api):
    api = cors_api
    imp = "mutation($j: String!) { importData(json: $j) { tenants } }"
    op = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}
    import json

    bad = {**ACME, "portalOrigins": ["https://portal.acme.example/app"]}
    err = await api.error(imp, {"j": json.dumps({"tenants": [bad]})}, **op)
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "portalOrigins" in err["message"]
    good = {**ACME, "portalOrigins": [PORTAL]}
    await api.ok(imp, {"j": json.dumps({"tenants": [good]})}, **op)
    assert (await preflight(api, "/graphql", PORTAL)).status_code == 204
    await api.ok(imp, {"j": json.dumps({"tenants": [ACME]})}, **op)  # absent: kept
    assert (await preflight(api, "/graphql", PORTAL)).status_code == 204


def test_normalise_origin_edges():
    assert normalise_origin("HTTPS://A.Example:443/") == "https://a.example"
    assert normalise_origin("http://a.example:80") == "http://a.example"
    assert normalise_origin("http://a.example:8080") == "http://a.example:8080"
    for bad in ("https://a.example:99999", "https://", "javascript:alert(1)", "https://a..example", "x" * 201):
        with pytest.raises(ValueError):
            normalise_origin(bad)
