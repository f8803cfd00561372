"""The portal's server side (core/portal.py, docs/portal.md) over HTTP: served only when enabled, with
a strict CSP; files by exact name only; the development sign-in endpoint exists only while tokens are
verified with the published development secret."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from core.app import create_app, create_state
from core.auth import verify_token
from core.demo import DEMO_PEOPLE, DEMO_STAFF
from core.portal import CSP, portal_files
from core.settings import Settings


def _client(tmp_path: Path, **settings: object) -> httpx.AsyncClient:
    state = create_state(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}", **settings))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url="http://127.0.0.1")


async def test_portal_is_off_unless_enabled(tmp_path):
    client = _client(tmp_path)
    assert (await client.get("/portal")).status_code == 404
    assert (await client.get("/portal/dev/people")).status_code == 404


async def test_portal_page_and_modules_under_a_self_only_csp(tmp_path):
    client = _client(tmp_path, portal=True)
    page = await client.get("/portal")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "'unsafe-inline'" not in CSP and "default-src 'none'" in CSP
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"] == "no-referrer"
    assert '<script type="module" src="/portal/app.js">' in page.text
    for name in (
        "app.js",
        "api.js",
        "dom.js",
        "i18n.js",
        "shell.js",
        "style.css",
        "pages/renewals.js",
        "pages/dashboard.js",
    ):
        got = await client.get(f"/portal/{name}")
        assert got.status_code == 200 and got.headers["content-security-policy"] == CSP, name
    assert (await client.get("/portal/app.js")).headers["content-type"].startswith("text/javascript")
    # only the portal's own files, by exact name: nothing joined from the request
    assert set(portal_files()) >= {"index.html", "app.js", "api.js", "dom.js", "style.css", "pages/renewals.js"}
    bad_names = ("/portal/..%2Fpyproject.toml", "/portal/pyproject.toml", "/portal/%2e%2e", "/portal/nope.js")
    bad_pages = ("/portal/pages/..%2Fapp.js", "/portal/pages/nope.js", "/portal/pages", "/portal/pages/%2e%2e%2fapp.js")
    for bad in bad_names + bad_pages:
        assert (await client.get(bad)).status_code == 404, bad


def test_portal_uses_no_html_sinks_and_no_inline_script():
    """Everything rendered goes through text nodes (dom.js h()): no innerHTML and friends anywhere."""
    for path in portal_files().values():
        text = path.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in text, f"{path.name} uses {sink}"
    index = portal_files()["index.html"].read_text()
    assert "<script>" not in index and "http" not in index.replace("http-equiv", "")


async def test_dev_people_answers_demo_tokens_with_the_development_secret(tmp_path):
    client = _client(tmp_path, portal=True)
    got = await client.get("/portal/dev/people")
    assert got.status_code == 200 and got.headers["cache-control"] == "no-store"
    people = got.json()["people"]
    assert {p["email"] for p in people} == set(DEMO_PEOPLE.values()) | set(DEMO_STAFF.values())
    settings = Settings()
    for person in people:
        claims = verify_token(settings, person["token"])
        assert claims["sub"] == person["email"]
        # staff (docs/demo.md) carry their role in the token and act in the demo tenant (X-Tenant)
        staff = person["email"] in DEMO_STAFF.values()
        assert claims.get("staff_roles", []) == ([person["kind"]] if staff else [])
        assert person.get("tenant") == ("demo" if staff else None)


@pytest.mark.parametrize(
    "settings",
    [
        {"jwt_secret": "a-real-secret-that-is-not-published-anywhere-0123"},
        {"jwt_algorithm": "RS256", "jwt_public_key": "unused"},
    ],
)
async def test_dev_people_is_absent_without_the_development_secret(tmp_path, settings):
    client = _client(tmp_path, portal=True, **settings)
    assert (await client.get("/portal/dev/people")).status_code == 404
    assert (await client.get("/portal")).status_code == 200  # the portal itself stays: sign in with a token
