"""docs/writing-a-plugin.md stays true: every hook of core/hookspecs.py is documented, and the example
plugin is laid out and declared exactly as the guide says."""

from __future__ import annotations

import tomllib
from pathlib import Path

from core.hookspecs import HOOK_VERSION
from core.plugins import hook_names
from tests.plugins.conftest import EXAMPLE_DIR, example_plugin

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "writing-a-plugin.md").read_text()


def test_every_hook_is_documented_in_the_guide():
    assert len(hook_names()) >= 11
    for name in hook_names():
        assert f"`{name}(" in GUIDE, f"{name} missing from the hook reference of docs/writing-a-plugin.md"


def test_the_examples_follow_the_guide():
    sla = EXAMPLE_DIR.parent / "support_sla"
    meta = tomllib.loads((sla / "pyproject.toml").read_text())
    assert meta["project"]["entry-points"]["customer_center.plugins"] == {"support_sla": "support_sla.plugin"}
    label = "branch_labels: str | Sequence[str] | None = ('support_sla',)"
    (revision,) = [r for r in (sla / "support_sla" / "migrations").glob("*.py") if label in r.read_text()]
    assert "customer-center db revision --plugin support_sla" in GUIDE
    package = EXAMPLE_DIR / "reseller_margin"
    for part in (
        "plugin.py",
        "models.py",
        "service/",
        "graph/",
        "types.py",
        "queries.py",
        "mutations.py",
        "jobs.py",
        "policy.csv",
        "migrations/",
    ):
        assert list(package.rglob(part.rstrip("/"))), part
        assert part in GUIDE, part
    meta = tomllib.loads((EXAMPLE_DIR / "pyproject.toml").read_text())
    entry = meta["project"]["entry-points"]["customer_center.plugins"]
    plugin = example_plugin()
    assert entry == {plugin.MANIFEST.name: "reseller_margin.plugin"}
    assert plugin.MANIFEST.hook_version == HOOK_VERSION and plugin.MANIFEST.default_enabled is False
    assert '[project.entry-points."customer_center.plugins"]' in GUIDE
    label = "branch_labels: str | Sequence[str] | None = ('reseller_margin',)"
    (text,) = [t for t in (r.read_text() for r in (package / "migrations").glob("*.py")) if label in t]  # the base
    assert "import core.db" in text
    for event_key in ("renewal_id", "support_number", "order_number", "currency", "amount"):
        assert f"`{event_key}`" in GUIDE
