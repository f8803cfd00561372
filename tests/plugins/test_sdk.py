"""The plugin SDK (core.sdk) is the one surface a plugin needs: every exported name resolves, and both
example plugins — what reseller developers copy — import nothing else from the product: the SDK in
their code, the SDK and the shipped test harness (core.testing) in their tests (issue 23)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import core.sdk

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PRODUCT = ("core", "plugins", "schema", "migrations", "policies", "tests")


def test_every_sdk_name_resolves():
    assert len(set(core.sdk.__all__)) == len(core.sdk.__all__)
    for name in core.sdk.__all__:
        assert getattr(core.sdk, name) is not None, name


def imported_names(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


@pytest.mark.parametrize("example", ["reseller_margin", "support_sla"])
def test_the_examples_use_only_the_sdk_and_the_test_harness(example):
    root = EXAMPLES / example
    checked = {"code": 0, "tests": 0}
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts or "build" in path.parts:  # Alembic names column types by module
            continue
        in_tests = "tests" in path.relative_to(root).parts
        allowed = ("core.sdk", "core.testing") if in_tests else ("core.sdk",)
        checked["tests" if in_tests else "code"] += 1
        for line, name in imported_names(path):
            if name.split(".")[0] in PRODUCT:
                assert name in allowed, (
                    f"{path.relative_to(EXAMPLES)}:{line} imports {name}; use {' or '.join(allowed)}"
                )
    assert checked["code"] >= 8 and checked["tests"] >= 2, checked
