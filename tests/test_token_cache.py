"""Verified bearer tokens are remembered for a minute (core/auth.py, issue 21): the cache never
admits what verification would refuse — an expired token, another deployment's secret or audience."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from core import auth
from core.auth import issue_token, verify_token
from core.errors import Unauthenticated
from core.settings import Settings

SECRET = "token-cache-secret-token-cache-secret-0123"


def test_a_verified_token_is_answered_from_the_cache_and_a_copy_each_time() -> None:
    settings = Settings(jwt_secret=SECRET)
    token = issue_token(settings, "fin@acme.com")
    first = verify_token(settings, token)
    assert any(key[0] == token for key in auth._verified)
    second = verify_token(settings, token)
    assert first == second and first is not second  # a caller changing its claims changes no one else's
    first["sub"] = "someone@else.com"
    assert verify_token(settings, token)["sub"] == "fin@acme.com"


def test_a_cached_token_expires_on_time() -> None:
    """exp is checked again on every use, as PyJWT checks it (expired when exp <= now)."""
    settings = Settings(jwt_secret=SECRET)
    now = datetime.now(UTC)
    token = issue_token(settings, "fin@acme.com", now=now - timedelta(seconds=59), ttl_seconds=60)
    verify_token(settings, token)  # valid for about another second: cached
    time.sleep(max(0.0, int(now.timestamp()) + 1 - time.time()) + 0.05)
    with pytest.raises(Unauthenticated, match="Token expired"):
        verify_token(settings, token)


def test_other_settings_do_not_share_the_cache() -> None:
    """A token verified under one secret or audience is verified again under another: refused."""
    settings = Settings(jwt_secret=SECRET)
    token = issue_token(settings, "fin@acme.com")
    verify_token(settings, token)
    for other in (
        Settings(jwt_secret="another-secret-another-secret-another-0123"),
        Settings(jwt_secret=SECRET, jwt_audience="another-audience"),
        Settings(jwt_secret=SECRET, jwt_issuer="another-issuer"),
    ):
        with pytest.raises(Unauthenticated):
            verify_token(other, token)


def test_a_refused_token_is_not_cached() -> None:
    settings = Settings(jwt_secret=SECRET)
    forged = issue_token(Settings(jwt_secret="x" * 40), "fin@acme.com")
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            verify_token(settings, forged)
    assert all(key[0] != forged for key in auth._verified)
