"""The command line: token, import (idempotent, all-or-nothing), db upgrade (issue 2)."""

from __future__ import annotations

import json

import jwt
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
