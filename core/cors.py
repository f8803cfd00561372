"""CORS for browser portals on other origins: the server's allowed origins (``Settings.cors_origins``)
and each tenant's portal origins (``Tenant.portal_origins``, set by import or ``setPortalOrigins``).

- A preflight (``OPTIONS`` with ``Access-Control-Request-Method``) is answered here for any route:
  204 when the origin is allowed globally or is some tenant's portal (a preflight carries no
  credentials, so the tenant is not known yet), the method is one the API takes (GET, POST) and every
  requested header is one it reads (Authorization, Content-Type, X-Tenant); otherwise 403 without
  any ``Access-Control-*`` header.
- A response is readable by a page of a global origin; by a tenant portal's page when the request
  acted in that tenant, its reseller's customer tenant, or the caller's home tenant (authentication
  notes these: core.caller.note_acting_tenants); a refusal before anyone was known (401) is readable by
  any tenant's portal, so it can send its user to sign in.

No credentials mode: the API authenticates by bearer header, never by cookie, so
``Access-Control-Allow-Credentials`` is never sent and a page must hold a token to call anything.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.models import Tenant

ALLOWED_METHODS = ("GET", "POST")
# The request headers the API reads (core/caller.py authenticate, the JSON body, core/logs.py's request
# id); nothing else is let through.
ALLOWED_HEADERS = ("authorization", "content-type", "x-tenant", "x-request-id")
# Response headers a page may read besides the CORS-safelisted ones.
EXPOSED_HEADERS = "Content-Disposition, Retry-After, X-Request-Id"
MAX_TENANT_ORIGINS = 20
_CACHE_KEY = "cors_tenant_origins"
_HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


def normalise_origin(value: str) -> str:
    """``scheme://host[:port]`` in lower case (default port dropped), or ValueError: a tenant's
    portal origin is exact — no path, credentials, wildcard or query."""
    if not isinstance(value, str) or len(value) > 200:
        raise ValueError("an origin is at most 200 characters")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{value!r} is not an http(s) origin")
    if parts.username or parts.password or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"{value!r} is not an origin (scheme://host[:port] only)")
    host = (parts.hostname or "").lower()
    if not _HOST.match(host):
        raise ValueError(f"{value!r} has no valid host name")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{value!r} has an invalid port") from exc
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def normalise_origins(values: Iterable[str]) -> list[str]:
    out = sorted({normalise_origin(v) for v in values})
    if len(out) > MAX_TENANT_ORIGINS:
        raise ValueError(f"at most {MAX_TENANT_ORIGINS} portal origins")
    return out


def _pattern(origin: str) -> re.Pattern[str]:
    """An exact origin, or ``scheme://host:*`` for any port of that host."""
    if origin.endswith(":*"):
        return re.compile(re.escape(origin[:-2].lower()) + r"(:[0-9]{1,5})?")
    return re.compile(re.escape(origin.rstrip("/").lower()))


class CorsMiddleware:
    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state
        self.global_patterns = [_pattern(o) for o in state.settings.cors_origin_patterns]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is not None and scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await (await self._preflight(origin, headers))(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out.add_vary_header("Origin")
                if origin is not None and await self._readable(origin, state.get("cc_tenant_ids")):
                    out["access-control-allow-origin"] = origin
                    out["access-control-expose-headers"] = EXPOSED_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _global(self, origin: str) -> bool:
        value = origin.lower()
        return any(p.fullmatch(value) for p in self.global_patterns)

    async def _tenants_of(self, origin: str) -> frozenset[int]:
        try:
            key = normalise_origin(origin)
        except ValueError:
            return frozenset()
        return (await tenant_origins(self.state)).get(key, frozenset())

    async def _readable(self, origin: str, acting: frozenset[int] | None) -> bool:
        if self._global(origin):
            return True
        owners = await self._tenants_of(origin)
        return bool(owners) and (acting is None or bool(owners & acting))

    async def _preflight(self, origin: str, headers: Headers) -> PlainTextResponse:
        vary = {"Vary": "Origin"}
        if not (self._global(origin) or await self._tenants_of(origin)):
            return PlainTextResponse("Origin not allowed", status_code=403, headers=vary)
        if headers["access-control-request-method"].upper() not in ALLOWED_METHODS:
            return PlainTextResponse("Method not allowed", status_code=403, headers=vary)
        wanted = [h.strip().lower() for h in headers.get("access-control-request-headers", "").split(",") if h.strip()]
        if any(h not in ALLOWED_HEADERS for h in wanted):
            return PlainTextResponse("Header not allowed", status_code=403, headers=vary)
        return PlainTextResponse(
            "",
            status_code=204,
            headers={
                **vary,
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": ", ".join(ALLOWED_METHODS),
                "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Tenant, X-Request-Id",
                "Access-Control-Max-Age": str(self.state.settings.cors_max_age_seconds),
            },
        )


async def tenant_origins(state: Any) -> dict[str, frozenset[int]]:
    """Every tenant portal origin and the tenants it belongs to: one query, kept for
    ``cors_tenant_cache_seconds`` (a change in this process clears it at once: :func:`forget_tenant_origins`)."""
    cached = state.extra.get(_CACHE_KEY)
    now = time.monotonic()
    if cached is not None and now - cached[0] < state.settings.cors_tenant_cache_seconds:
        return cached[1]
    found: dict[str, set[int]] = {}
    async with state.sessionmaker() as session:
        rows = await session.execute(
            select(Tenant.id, Tenant.portal_origins).execution_options(skip_tenant_filter=True)
        )
        for tenant_id, origins in rows:
            for o in origins or []:
                found.setdefault(o, set()).add(tenant_id)
    value = {k: frozenset(v) for k, v in found.items()}
    state.extra[_CACHE_KEY] = (now, value)
    return value


def forget_tenant_origins(state: Any) -> None:
    state.extra.pop(_CACHE_KEY, None)
