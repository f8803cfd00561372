"""The command line: token, import (idempotent, all-or-nothing), db upgrade (issue 2)."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from typer.testing import CliRunner

from core.cli import app
from core.settings import get_settings
from tests.conftest import ACME

runner = CliRunner()


def test_token_prints_a_verifiable_development_token():
    result = runner.invoke(app, ["token", "tech@acme.com"])
    assert result.exit_code == 0, result.output
    s = get_settings()
    claims = jwt.decode(result.output.strip(), s.jwt_secret, algorithms=["HS256"], audience=s.jwt_audience)
    assert claims["sub"] == "tech@acme.com"
    assert runner.invoke(app, ["token", "x@acme.com", "--staff", "KING"]).exit_code == 2


def test_import_command_is_idempotent_and_rejects_bad_files(tmp_path, monkeypatch):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"tenants": [ACME]}))
    for _ in range(2):
        result = runner.invoke(app, ["import", str(good), "--database-url", url])
        assert result.exit_code == 0, result.output
        assert "imported 1 tenant" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"tenants": [\n {"key": "b", "name": "B", "domains": ["b.com"], "sector": "MARS"}]}')
    result = runner.invoke(app, ["import", str(bad), "--database-url", url])
    assert result.exit_code == 1
    assert "tenants[0].sector" in result.output
    result = runner.invoke(app, ["plugins", "list", "--tenant", "acme", "--database-url", url])
    assert result.exit_code == 0 and "renewals" in result.output
    get_settings.cache_clear()
    monkeypatch.delenv("CC_DATABASE_URL", raising=False)


def test_serve_refuses_a_public_host_with_the_development_secret(tmp_path, monkeypatch):
    """Security: the development JWT secret is published, so `serve` refuses any non-loopback host with
    it (exit 2, before migrating anything) and names the way out (docs/security.md)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'public.db'}"
    for host in ("0.0.0.0", "192.0.2.10", "::", "example.com"):
        result = runner.invoke(app, ["serve", "--host", host, "--database-url", url])
        assert result.exit_code == 2, (host, result.output)
        assert "development secret" in result.output and "docs/security.md" in result.output
    assert not (tmp_path / "public.db").exists()
    get_settings.cache_clear()
    monkeypatch.delenv("CC_DATABASE_URL", raising=False)


def test_serve_refuses_several_workers_on_sqlite(tmp_path, monkeypatch):
    """Security (double charge across workers): SQLite's writes are serialised in one process only."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"
    result = runner.invoke(app, ["serve", "--workers", "2", "--database-url", url])
    assert result.exit_code == 2 and "--workers 2 on SQLite" in result.output
    get_settings.cache_clear()
    monkeypatch.delenv("CC_DATABASE_URL", raising=False)


def test_serving_refusals_allow_production_keys_and_postgres():
    from core.cli import serving_refusals
    from core.settings import Settings

    dev = Settings(database_url="sqlite+aiosqlite:///x.db")
    assert dev.uses_development_secret
    assert serving_refusals(dev, "127.0.0.1", 1) == [] and serving_refusals(dev, "localhost", 1) == []
    assert serving_refusals(dev, "::1", 1) == []
    assert len(serving_refusals(dev, "0.0.0.0", 2)) == 3  # token secret, link secret, SQLite workers
    link = "another-private-secret-of-32-bytes"
    prod = Settings(
        database_url="postgresql+asyncpg://cc@db/cc",
        jwt_secret="a-private-secret-of-32-bytes-or-more",
        link_secret=link,
    )
    assert not prod.uses_development_secret
    assert serving_refusals(prod, "0.0.0.0", 4) == []
    assert "CC_LINK_SECRET" in serving_refusals(prod.model_copy(update={"link_secret": dev.link_secret}), "::", 1)[0]
    rs = Settings(
        database_url="postgresql+asyncpg://cc@db/cc", jwt_algorithm="RS256", jwt_public_key="PEM", link_secret=link
    )
    assert serving_refusals(rs, "0.0.0.0", 2) == []


def test_serve_on_loopback_warns_and_prints_demo_tokens_only_with_the_development_secret(tmp_path, monkeypatch):
    import uvicorn

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: started.append(kw))  # the server itself is not the subject
    url = f"sqlite+aiosqlite:///{tmp_path / 'loop.db'}"
    result = runner.invoke(app, ["serve", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "development secret" in result.output and "Demo tokens" in result.output and started
    assert started[-1]["port"] == 8000
    monkeypatch.setenv("CC_PORT", "9123")  # make serve PORT=… / the environment
    result = runner.invoke(app, ["serve", "--database-url", url, "--no-seed"])
    assert result.exit_code == 0 and started[-1]["port"] == 9123 and "9123/graphql" in result.output
    monkeypatch.delenv("CC_PORT")
    monkeypatch.setenv("CC_JWT_SECRET", "a-private-secret-of-32-bytes-or-more")
    monkeypatch.setenv("CC_LINK_SECRET", "another-private-secret-of-32-bytes")
    result = runner.invoke(app, ["serve", "--database-url", url, "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "Demo tokens" not in result.output and "development secret" not in result.output
    get_settings.cache_clear()
    monkeypatch.delenv("CC_DATABASE_URL", raising=False)


def test_make_serve_honours_port_and_sets_development_origins():
    """`make serve PORT=…` (or CC_PORT) reaches `serve --port`; the development CORS origins are the
    loopback ones (core/cors.py), overridable by CC_CORS_ORIGINS."""
    import os
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make not installed")
    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("CC_")}

    def dry(*args: str, **extra: str) -> str:
        done = subprocess.run(
            ["make", "-n", "--no-print-directory", *args],
            cwd=root,
            env={**env, **extra},
            capture_output=True,
            text=True,
        )
        return done.stdout

    assert "serve --host 127.0.0.1 --port 9001" in dry("serve", "PORT=9001")
    assert "--port 9002" in dry("serve", CC_PORT="9002")
    assert "--port 8000" in dry("serve")
    makefile = (root / "Makefile").read_text()
    assert "serve: export CC_CORS_ORIGINS ?= http://localhost:*,http://127.0.0.1:*" in makefile
