"""Signed download links: absolute, short-lived URLs a browser can follow from ``<a href>``.

A download route (core/http.py) takes the bearer header as always; without it, it takes a link
signed here — a JWT (HS256 with ``Settings.link_secret``, an audience of its own so it is never a
bearer token) in the ``sig`` query parameter that names:

- the person (``sub``, ``pid``) or staff member (``staff_roles``), and the ``iat`` of the bearer
  token the link was made with: removing the person, or revoking that token (R-A3), ends the link,
  as authentication runs the same checks for a link as for the token;
- the acting tenant (``ten``: the one the request that made the link acted in);
- the resource: the path and its query parameters (sorted), so no parameter can be changed or added
  (but ``lang``, the language a document is shown in);
- the expiry: ``Settings.link_ttl_seconds`` from now, never later than the bearer token's own.

An expired link answers 401, an altered one 403, and neither sends any content. Links are made by
``…Url`` fields declared with :func:`link_field` (a field extension), so a plugin's resolver only
returns the route's relative path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import jwt
import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from core.auth import Principal, token_clock
from core.errors import Forbidden, Unauthenticated
from core.i18n import _
from core.settings import Settings

LINK_PARAM = "sig"
# Presentation only: the same document in another language discloses nothing more, so a reader may
# add ``lang`` to a link (the documents' ``?lang=``); every other parameter is bound.
UNSIGNED_PARAMS = frozenset({LINK_PARAM, "lang"})
LINK_AUDIENCE = "customer-center-download-link"


def canonical_resource(path: str, pairs: Iterable[tuple[str, str]]) -> str:
    """The path (decoded) and its query parameters but the signature and ``lang``, sorted: what a link binds."""
    items = sorted((k, v) for k, v in pairs if k not in UNSIGNED_PARAMS)
    return path + ("?" + urlencode(items) if items else "")


def segment(value: str) -> str:
    """One path segment of a download route, quoted (an id may hold a space, ``?`` or ``#``)."""
    return quote(value, safe="")


def base_url(settings: Settings, request: Any) -> str:
    """Where links point: the configured public address, else the request's own."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    if request is not None and hasattr(request, "base_url"):
        return str(request.base_url).rstrip("/")
    return ""


def sign_link(settings: Settings, principal: Principal, path: str, base: str, *, now: int | None = None) -> str:
    """An absolute signed URL for ``path`` (a route's path with its query string) for ``principal``."""
    parts = urlsplit(path)
    issued = token_clock() if now is None else now
    expires = issued + settings.link_ttl_seconds
    if principal.token_exp is not None:
        expires = min(expires, principal.token_exp)
    claims: dict[str, Any] = {
        "sub": principal.email,
        "iss": settings.jwt_issuer,
        "aud": LINK_AUDIENCE,
        "exp": expires,
        "res": canonical_resource(unquote(parts.path), parse_qsl(parts.query, keep_blank_values=True)),
    }
    if principal.token_iat is not None:
        claims["iat"] = principal.token_iat
    if principal.person_id is not None:
        claims["pid"] = principal.person_id
    if principal.tenant_key is not None:
        claims["ten"] = principal.tenant_key
    if principal.staff_roles:
        claims["staff_roles"] = sorted(principal.staff_roles)
    token = jwt.encode(claims, settings.link_secret, algorithm="HS256")
    return f"{base}{path}{'&' if parts.query else '?'}{urlencode({LINK_PARAM: token})}"


def has_link(request: Any) -> bool:
    return LINK_PARAM in request.query_params


def verify_link(settings: Settings, request: Any) -> dict[str, Any]:
    """The claims of the request's link, checked against the request's own path and parameters."""
    values = request.query_params.getlist(LINK_PARAM)
    if len(values) != 1:
        raise Forbidden(_("Invalid download link"))
    try:
        claims = jwt.decode(
            values[0],
            settings.link_secret,
            algorithms=["HS256"],
            audience=LINK_AUDIENCE,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "sub", "res"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated(_("This download link has expired; ask for a new one")) from exc
    except jwt.PyJWTError as exc:
        raise Forbidden(_("Invalid download link")) from exc
    # The decoded path as the server received it (``request.url`` re-parses it and would cut at a
    # decoded ``?``), and the parameters as the handler reads them.
    if claims["res"] != canonical_resource(request.scope["path"], request.query_params.multi_items()):
        raise Forbidden(_("Invalid download link"))
    return claims


def link_for(ctx: Any, path: str) -> str:
    """``path`` signed for the request's caller (relative paths only; anything else is kept)."""
    if not path.startswith("/"):
        return path
    settings = ctx.state.settings
    return sign_link(settings, ctx.principal, path, base_url(settings, ctx.request))


class SignedLink(FieldExtension):
    """Turns the relative path a field resolves to into the caller's signed absolute link."""

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        value = next_(source, info, **kwargs)
        return link_for(info.context, value) if isinstance(value, str) else value

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any) -> Any:
        value = await next_(source, info, **kwargs)
        return link_for(info.context, value) if isinstance(value, str) else value


LINK_NOTE = (
    " An absolute link signed for you, usable from a browser without the Authorization header; it"
    " expires after a few minutes (ask again for a fresh one) and works for no one else."
)


def link_field(description: str = "A download.") -> Any:
    """A ``…Url`` field whose value (a route's relative path) is returned as a signed link."""
    return strawberry.field(description=description + LINK_NOTE, extensions=[SignedLink()])
