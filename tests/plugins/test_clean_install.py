"""A plugin author's machine, reproduced: a fresh virtual environment with the product and the example
installed from their sources (no checkout on sys.path, no product conftest), where the example's own
tests run with only the shipped harness, core.testing, found through its pytest11 entry point (issue 23).

Cheap enough for every run: no package index — the product venv's third-party distributions are
shared read-only through a .pth file (everything but the product and the examples), and both
packages are built as wheels (``pip wheel --no-deps``, the build backend from pip's cache) and
installed with ``--no-deps``. SQLite only: PostgreSQL is exercised by
the examples' tests in the main run. About 40 s here."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = ("customer_center", "cc_reseller_margin", "cc_support_sla", "reseller_margin", "support_sla", "__editable__")


def shared_dependencies(target: Path) -> Path:
    """A folder of links to the product venv's distributions, leaving out the product and the examples
    (installed again from source below) and their editable hooks."""
    target.mkdir()
    for folder in site.getsitepackages():
        for entry in Path(folder).iterdir():
            name = entry.name.lower().replace("-", "_")
            if name.startswith(OURS) or entry.suffix == ".pth" or (target / entry.name).exists():
                continue
            (target / entry.name).symlink_to(entry)
    return target


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.install
def test_the_example_installs_into_a_clean_venv_and_its_tests_pass(tmp_path: Path):
    started = time.monotonic()
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    own_site = Path(
        run([str(python), "-c", "import site; print(site.getsitepackages()[0])"], tmp_path, {}).stdout.strip()
    )
    (own_site / "shared-deps.pth").write_text(str(shared_dependencies(tmp_path / "deps")) + "\n")
    env = {
        "PATH": f"{env_dir / 'bin'}:{os.environ.get('PATH', '')}",
        "HOME": os.environ.get("HOME", str(tmp_path)),
    }  # pip's cache
    wheels = tmp_path / "wheels"
    for source in (ROOT, ROOT / "examples" / "support_sla"):
        copy = tmp_path / "src" / source.name  # a copy: build leftovers stay out of the checkout
        ignore = shutil.ignore_patterns(".venv", "build", "*.egg-info", "__pycache__", ".git", "tests", "bench")
        shutil.copytree(source, copy, ignore=ignore)
        built = run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(copy)],
            tmp_path,
            os.environ.copy(),
        )
        if built.returncode != 0 and "No matching distribution" in built.stderr:
            pytest.skip("pip could not fetch the build backend here (no package index)")
        assert built.returncode == 0, built.stderr[-2000:]
    done = run([str(python), "-m", "pip", "install", "-q", "--no-deps", *map(str, wheels.glob("*.whl"))], tmp_path, env)
    assert done.returncode == 0, done.stderr[-2000:]
    tests = tmp_path / "plugin-tests"
    shutil.copytree(ROOT / "examples" / "support_sla" / "tests", tests)
    out = run(
        [str(python), "-m", "pytest", str(tests), "-q", "-p", "no:cacheprovider", "-k", "sqlite or not postgres"],
        tmp_path,
        env,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert " passed" in out.stdout and "skipped" not in out.stdout.splitlines()[-1], out.stdout[-500:]
    # the product came from the fresh install, not from this checkout
    where = run(
        [str(python), "-c", "import core.testing, support_sla; print(core.testing.__file__, support_sla.__file__)"],
        tmp_path,
        env,
    )
    assert str(ROOT) not in where.stdout and str(env_dir) in where.stdout, where.stdout
    print(f"clean venv install + example tests: {time.monotonic() - started:.1f} s")
