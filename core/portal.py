"""The reference customer portal (examples/portal, docs/portal.md), served at ``/portal`` when
``Settings.portal`` is on (``make serve`` turns it on; off otherwise).

It is a client of the public graph only: the page, its ES modules and stylesheet are static files
served by exact name (no path is ever joined from the request), under a Content-Security-Policy that
admits this origin only — no inline script, no other origin, no framing. The one server-side helper
is the development sign-in: ``GET /portal/dev/people`` answers the demo people with a token each,
and exists only while tokens are verified with the published development secret (anyone can forge
those tokens anyway); with a real key it is 404 and the portal asks for a bearer token from the
vendor's identity provider instead."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from core.auth import issue_token
from core.demo import DEMO_PEOPLE, DEMO_STAFF, DEMO_TENANT

PORTAL_DIR = Path(__file__).resolve().parent.parent / "examples" / "portal"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
# Every answer: the CSP, no sniffing, no referrer (a signed link's page must not learn the portal's
# address), and no caching of the page (a new version is picked up on reload).
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


SUBFOLDERS = ("pages",)  # the page modules (examples/portal/pages/*.js), served as pages/<name>


def portal_files(directory: Path = PORTAL_DIR) -> dict[str, Path]:
    """The files the portal serves, by name ("app.js", "pages/renewals.js"): what the directory and
    its page folder hold at start-up, nothing else."""
    if not directory.is_dir():
        return {}
    files = {p.name: p for p in sorted(directory.iterdir()) if p.is_file() and p.suffix in CONTENT_TYPES}
    for sub in SUBFOLDERS:
        folder = directory / sub
        if folder.is_dir():
            files |= {
                f"{sub}/{p.name}": p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix in CONTENT_TYPES
            }
    return files


def portal_routes() -> list[Route]:
    files = portal_files()

    def _file(name: str) -> Response:
        path = files.get(name)
        if path is None:
            return PlainTextResponse("Not found", status_code=404, headers={"X-Content-Type-Options": "nosniff"})
        return FileResponse(path, media_type=CONTENT_TYPES[path.suffix], headers=HEADERS)

    async def index(request: Request) -> Response:
        return _file("index.html")

    async def asset(request: Request) -> Response:
        return _file(request.path_params["name"])

    async def page_module(request: Request) -> Response:
        return _file(f"pages/{request.path_params['name']}")

    async def dev_people(request: Request) -> Response:
        settings = request.app.state.cc.settings
        if not settings.uses_development_secret:
            return PlainTextResponse("Not found", status_code=404)
        people = [
            {"kind": kind, "email": email, "token": issue_token(settings, email)} for kind, email in DEMO_PEOPLE.items()
        ]
        # staff act in the demo tenant: the portal sends X-Tenant for them (`tenant`)
        people += [
            {
                "kind": role,
                "email": email,
                "token": issue_token(settings, email, staff_roles=[role]),
                "tenant": DEMO_TENANT,
            }
            for role, email in DEMO_STAFF.items()
        ]
        return JSONResponse({"tenant": DEMO_TENANT, "people": people}, headers={"Cache-Control": "no-store"})

    return [
        Route("/portal", index),
        Route("/portal/", index),
        Route("/portal/dev/people", dev_people),
        Route("/portal/pages/{name}", page_module),
        Route("/portal/{name}", asset),
    ]
