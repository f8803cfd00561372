"""The example is a real package: ``pip install`` puts it where the server finds it through the
``customer_center.plugins`` entry point (with its policy file and migrations), and operators manage it
with ``customer-center plugins list|enable|disable`` against a database (issue 7)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import core.app
from core.cli import app
from core.settings import get_settings
from tests.conftest import every_installed_plugin_state
from tests.plugins.conftest import EXAMPLE_DIR, RESELLER_TENANTS, ROOT
from tests.plugins.test_loading import install_fake_distribution

runner = CliRunner()


@pytest.fixture(scope="module")
def pip_installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip install --target`` of a copy of the example (the copy keeps build leftovers out of the repo)."""
    work = tmp_path_factory.mktemp("pip")
    source = work / "src"
    shutil.copytree(EXAMPLE_DIR, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    target = work / "site"
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(source)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:  # building needs setuptools from the package index
        pytest.skip(f"pip could not build the example here: {done.stderr.strip()[-300:]}")
    return target


def test_pip_install_is_discovered_through_the_entry_point(pip_installed):
    installed = pip_installed / "reseller_margin"
    assert (installed / "policy.csv").is_file()
    assert list((installed / "migrations").glob("*.py")), "the migration must ship with the package"
    probe = (
        "import json; from core.plugins import load_plugins; r = load_plugins(); p = r.plugin('reseller_margin'); "
        "print(json.dumps({'names': r.names, 'failures': r.failures, 'file': p.__file__, "
        "'migrations': str(p.cc_migrations()), 'default': r.manifests['reseller_margin'].default_enabled}))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(pip_installed), str(ROOT)])}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert "reseller_margin" in info["names"] and info["failures"] == {}
    assert info["file"].startswith(str(pip_installed)) and info["migrations"].startswith(str(pip_installed))
    assert info["default"] is False


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A temporary SQLite database and an environment where the example is installed (its entry point
    visible on sys.path, its code from the source folder), plus a broken plugin distribution."""
    site = tmp_path / "site"
    site.mkdir()
    dist = site / "cc_reseller_margin-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: cc-reseller-margin\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text("[customer_center.plugins]\nreseller_margin = reseller_margin.plugin\n")
    install_fake_distribution(site, "cc_broken_import", "import numpyy_does_not_exist  # noqa\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(EXAMPLE_DIR))
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CC_DATABASE_URL", url)  # the CLI sets it too; monkeypatch restores it
    monkeypatch.setattr(core.app, "create_state", every_installed_plugin_state)  # the CLI loads them all
    yield url
    get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_cli_plugins_list_enable_disable(cli_db, tmp_path):
    code, out = _run("db", "upgrade", "--database-url", cli_db)
    assert code == 0, out
    # db upgrade says what it applied: the plugin's own revision among them (issue 23)
    assert "applied ed40d9e3a3dc reseller_margin tables" in out and "revision(s) applied" in out
    code, again = _run("db", "upgrade", "--database-url", cli_db)
    assert code == 0 and "applied" not in again.replace("nothing to apply", "") and "nothing to apply" in again
    path = cli_db.split("///", 1)[1]
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    assert {"reseller_margin_discounts", "reseller_margin_earnings"} <= tables  # the plugin's own migration ran

    doc = tmp_path / "tenants.json"
    doc.write_text(json.dumps({"tenants": RESELLER_TENANTS}))
    code, out = _run("import", str(doc), "--database-url", cli_db)
    assert code == 0, out

    code, out = _run("plugins", "list", "--tenant", "a-cust", "--database-url", cli_db)
    assert code == 0, out
    assert "reseller_margin\t0.1.0\tReseller margin\tdisabled" in out  # default_enabled=False
    assert "renewals\t0.1.0\tRenewals\tenabled" in out
    assert "cc_broken_import\tFAILED\tcc_broken_import: import failed: ModuleNotFoundError" in out

    code, out = _run("plugins", "enable", "a-cust", "reseller_margin", "--database-url", cli_db)
    assert code == 0 and "reseller_margin enabled for a-cust" in out
    code, out = _run("plugins", "list", "--tenant", "a-cust", "--database-url", cli_db)
    assert "reseller_margin\t0.1.0\tReseller margin\tenabled" in out
    code, out = _run("plugins", "list", "--tenant", "b-cust", "--database-url", cli_db)
    assert "reseller_margin\t0.1.0\tReseller margin\tdisabled" in out  # other tenants unchanged

    code, out = _run("plugins", "disable", "a-cust", "reseller_margin", "--database-url", cli_db)
    assert code == 0 and "reseller_margin disabled for a-cust" in out
    code, out = _run("plugins", "list", "--tenant", "a-cust", "--database-url", cli_db)
    assert "reseller_margin\t0.1.0\tReseller margin\tdisabled" in out

    code, out = _run("plugins", "enable", "a-cust", "nope", "--database-url", cli_db)
    assert code == 1 and "No module named 'nope' is installed" in out
    code, out = _run("plugins", "enable", "zz-unknown", "reseller_margin", "--database-url", cli_db)
    assert code == 1 and "No tenant 'zz-unknown'" in out
    code, out = _run("plugins", "list", "--tenant", "zz-unknown", "--database-url", cli_db)
    assert code == 1

    code, out = _run("jobs", "list", "--database-url", cli_db)
    assert code == 0 and "reseller_margin.monthly_statement" in out
    code, out = _run("jobs", "run", "--job", "reseller_margin.monthly_statement", "--database-url", cli_db)
    assert code == 0 and "reseller_margin.monthly_statement: 0" in out
