"""Who is calling: bearer JWTs verified with PyJWT (issuer, audience and expiry are checked).

Development uses HS256 with a shared secret (``customer-center token EMAIL`` prints one);
production sets ``CC_JWT_ALGORITHM=RS256`` and either ``CC_JWT_JWKS_URL`` or ``CC_JWT_PUBLIC_KEY``.
Staff principals carry their roles in the ``staff_roles`` claim.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from cachetools import TTLCache

from core.errors import Unauthenticated
from core.i18n import _
from core.settings import Settings

STAFF_ROLES = frozenset({"SALES_REP", "BILLING_SUPPORT", "OPERATOR"})
CONTACT_KINDS = ("FINANCE", "TECHNICAL", "EXECUTIVE")
ADMIN_ROLE = "ADMIN"
MEMBER_ROLE = "MEMBER"  # every signed-in person of a tenant
PERSON_ROLES = frozenset({*CONTACT_KINDS, ADMIN_ROLE})


@dataclass(frozen=True)
class Principal:
    """The caller, resolved once per request. ``roles`` are the tenant-wide Casbin subjects."""

    email: str
    tenant_id: int | None
    tenant_key: str | None
    person_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    staff_roles: frozenset[str] = field(default_factory=frozenset)
    home_tenant_id: int | None = None
    # The bearer token's ``iat`` and ``exp``: a signed download link (core/links.py) made during
    # this request carries the first (so revoking the token ends the link) and never outlives the second.
    token_iat: int | None = None
    token_exp: int | None = None

    @property
    def is_staff(self) -> bool:
        return bool(self.staff_roles)

    @property
    def email_domain(self) -> str:
        return email_domain(self.email)


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


def issue_token(
    settings: Settings,
    email: str,
    *,
    staff_roles: list[str] | tuple[str, ...] = (),
    now: datetime | None = None,
    ttl_seconds: int | None = None,
) -> str:
    """A development token (HS256). Production tokens come from the vendor's identity provider."""
    now = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": email.lower(),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds or settings.jwt_ttl_seconds)).timestamp()),
    }
    if staff_roles:
        claims["staff_roles"] = sorted(staff_roles)
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def token_clock() -> int:
    """Now, in the epoch seconds of a token's ``iat``/``exp``: the identity provider's wall clock,
    never the app clock (which tests and jobs may move)."""
    return int(datetime.now(UTC).timestamp())


def token_revoked(claims: dict[str, Any], revoked_at: int | None) -> bool:
    """Whether a person's revocation instant refuses these claims. A token of the revocation second
    itself is refused too (iat has whole seconds), as is one without ``iat`` (its age is unknown)."""
    if revoked_at is None:
        return False
    issued = claims.get("iat")
    if isinstance(issued, bool) or not isinstance(issued, (int, float)):
        return True
    return int(issued) <= revoked_at


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True)


# Tokens whose signature and claims were verified, for a minute: a portal sends the same token on
# every request, and verifying it is a tenth of a small read's CPU. Only verified tokens enter (an
# attacker cannot fill it with forgeries); expiry and not-before are checked again on every use; a key
# withdrawn from the JWKS stops admitting its tokens within the minute.
VERIFIED_FOR_SECONDS = 60
_verified: TTLCache[tuple[Any, ...], dict[str, Any]] = TTLCache(maxsize=10_000, ttl=VERIFIED_FOR_SECONDS)


def verify_token(settings: Settings, token: str) -> dict[str, Any]:
    """Return the verified claims or raise ``Unauthenticated`` (never says why in detail)."""
    cache_key = (
        token,
        settings.jwt_algorithm,
        settings.jwt_secret,
        settings.jwt_public_key,
        settings.jwt_jwks_url,
        settings.jwt_audience,
        settings.jwt_issuer,
    )
    claims = _verified.get(cache_key)
    if claims is not None:
        now = time.time()
        if claims["exp"] <= now:  # PyJWT's own comparisons, no leeway
            raise Unauthenticated(_("Token expired"))
        if "nbf" in claims and claims["nbf"] > now:
            raise Unauthenticated(_("Invalid token"))
        return dict(claims)
    claims = _verify(settings, token)
    _verified[cache_key] = dict(claims)
    return claims


def _verify(settings: Settings, token: str) -> dict[str, Any]:
    try:
        if settings.jwt_algorithm == "HS256":
            key: Any = settings.jwt_secret
        elif settings.jwt_jwks_url:
            key = _jwks_client(settings.jwt_jwks_url).get_signing_key_from_jwt(token).key
        else:
            key = settings.jwt_public_key
        claims = jwt.decode(
            token,
            key,
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated(_("Token expired")) from exc
    except (jwt.PyJWTError, ValueError) as exc:
        raise Unauthenticated(_("Invalid token")) from exc
    staff = claims.get("staff_roles", [])
    if not isinstance(staff, list) or not set(staff) <= STAFF_ROLES:
        raise Unauthenticated(_("Invalid token"))
    return claims


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated(_("Missing bearer token"))
    scheme, _sep, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(_("Missing bearer token"))
    return token.strip()
