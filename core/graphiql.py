"""GraphiQL at ``GET /graphql``, entirely from this server: React, ReactDOM and GraphiQL come from
core/static/vendor (fetched at install time, core/assets.py) and a Content-Security-Policy admits
scripts, styles and requests from this origin only, so the IDE works on a machine without internet
and cannot be made to load anything from elsewhere.

The page explains how to authenticate: a bearer token (and, for staff and reseller staff, the
``X-Tenant`` header) typed in the bar above the IDE, or the same headers in GraphiQL's Headers tab.
Until then the docs explorer still loads, as introspection answers without a token when enabled
(``Settings.introspection_without_token``)."""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from core.assets import ASSET_NAMES, CONTENT_TYPES, PACKAGES, VENDOR_DIR, installed

ASSET_PREFIX = "/graphiql/assets"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data:; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_VERSION = "-".join(p.version for p in PACKAGES)

# Our own script (committed; the vendor files are not): the fetcher adds the bar's headers to
# whatever the Headers tab sends, the tab winning when both name one.
INIT_JS = """
(function () {
  var token = document.getElementById("cc-token");
  var tenant = document.getElementById("cc-tenant");
  token.value = sessionStorage.getItem("cc-token") || "";
  tenant.value = sessionStorage.getItem("cc-tenant") || "";
  function remember() {
    sessionStorage.setItem("cc-token", token.value.trim());
    sessionStorage.setItem("cc-tenant", tenant.value.trim());
  }
  token.addEventListener("input", remember);
  tenant.addEventListener("input", remember);
  var base = GraphiQL.createFetcher({ url: window.location.pathname });
  function fetcher(params, options) {
    var extra = {};
    var t = token.value.trim().replace(/^Bearer\\s+/i, "");
    if (t) extra["Authorization"] = "Bearer " + t;
    if (tenant.value.trim()) extra["X-Tenant"] = tenant.value.trim();
    var headers = Object.assign(extra, (options && options.headers) || {});
    return base(params, Object.assign({}, options, { headers: headers }));
  }
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false,
    defaultQuery: "# Sign in: paste a token above (make serve prints demo tokens), then run\\n" +
      "# (Ctrl-Enter). The docs (book icon) load without one.\\n\\n{\\n  viewer {\\n    email\\n" +
      "    roles\\n    tenant { key name }\\n  }\\n}\\n"
  }));
})();
"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer Center Graph · GraphiQL</title>
<link rel="stylesheet" href="{prefix}/graphiql.min.css?v={version}">
<style>
  html, body {{ height: 100%; margin: 0; }}
  body {{ display: flex; flex-direction: column; font: 14px system-ui, sans-serif; }}
  #cc-help {{ padding: 6px 12px; background: #f3f4f6; border-bottom: 1px solid #d1d5db; }}
  #cc-help input {{ font: 13px monospace; padding: 2px 4px; }}
  #cc-help code {{ background: #e5e7eb; padding: 0 3px; }}
  #cc-help details {{ display: inline; margin-left: 8px; }}
  #graphiql {{ flex: 1; min-height: 0; }}
</style>
</head>
<body>
<div id="cc-help">
  <label>Token <input id="cc-token" size="42" autocomplete="off" spellcheck="false"
    placeholder="paste a bearer token"></label>
  <label>X-Tenant <input id="cc-tenant" size="10" autocomplete="off" placeholder="tenant key"></label>
  <details><summary>How to sign in</summary>
    Every request needs the header <code>Authorization: Bearer &lt;token&gt;</code>: paste the token
    in the box (it is sent as that header), or add
    <code>{{"Authorization": "Bearer &lt;token&gt;"}}</code> in the <b>Headers</b> tab below.
    <code>make serve</code> prints a token for each demo person; more with
    <code>.venv/bin/customer-center token EMAIL</code> (staff: <code>--staff SALES_REP</code>).
    Vendor staff and reseller staff choose the tenant they act in with
    <code>X-Tenant: &lt;tenant key&gt;</code> (the box, or <code>"X-Tenant": "demo"</code> in Headers).
    The docs explorer loads without a token.
  </details>
</div>
<div id="graphiql">Loading…</div>
<script src="{prefix}/react.production.min.js?v={version}"></script>
<script src="{prefix}/react-dom.production.min.js?v={version}"></script>
<script src="{prefix}/graphiql.min.js?v={version}"></script>
<script src="{prefix}/init.js?v={version}"></script>
</body>
</html>
"""

MISSING = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>GraphiQL not installed</title></head>
<body><h1>GraphiQL's assets are not installed</h1>
<p>They are fetched at install time: run <code>make install</code> or
<code>.venv/bin/customer-center assets fetch</code>, then reload. The API itself works:
POST queries to <code>{path}</code>.</p></body></html>
"""


def graphiql_page(request: Request) -> Response:
    headers = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
    if not installed():
        return HTMLResponse(MISSING.format(path=html.escape(request.url.path)), status_code=503, headers=headers)
    return HTMLResponse(PAGE.format(prefix=ASSET_PREFIX, version=_VERSION), headers=headers)


async def graphiql_asset(request: Request) -> Response:
    """The vendor files and init.js, by exact name only (no path is ever joined from the request)."""
    name = request.path_params["name"]
    cache = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    if name == "init.js":
        return Response(INIT_JS, media_type=CONTENT_TYPES[".js"], headers=cache)
    if name not in ASSET_NAMES or not name.endswith((".js", ".css")):
        return PlainTextResponse("Not found", status_code=404)
    path = VENDOR_DIR / name
    if not path.is_file():
        return PlainTextResponse("Not installed: run make install", status_code=404)
    return FileResponse(path, media_type=CONTENT_TYPES[path.suffix], headers=cache)
