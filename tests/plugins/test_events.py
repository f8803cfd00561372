"""The one catalogue of domain events (core/events.py, issue 23): every module declares what it emits
in its api.py, the guide's table is exactly those declarations, and core holds every emitted payload
to its declaration (snake_case keys, no more, no fewer)."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from core.events import EventPayloadError, EventSpecError, catalogue, check_payload, event_spec, rewrite_guide
from core.hookspecs import HOOK_VERSION, PluginManifest, hookimpl
from core.plugins import built_in_plugins, load_plugins

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "writing-a-plugin.md").read_text()
BUILT_IN = ("renewals", "invoicing", "rewards", "sharing")


def test_the_guide_lists_exactly_the_declared_events():
    registry = load_plugins(only=built_in_plugins())
    assert rewrite_guide(GUIDE, registry.events.values()) == GUIDE, (
        "section 5's event table is stale: python -m core.events docs/writing-a-plugin.md"
    )


def test_each_built_in_module_declares_created_imported_or_changed_events():
    registry = load_plugins()
    by_module: dict[str, set[str]] = {}
    for s in registry.events.values():
        by_module.setdefault(s.module, set()).add(s.name)
    assert {"renewal.accepted", "renewal.created", "renewal.imported", "renewal.changed"} <= by_module["renewals"]
    assert {"invoice.created", "invoice.imported", "payment.created", "payment.imported"} <= by_module["invoicing"]
    assert {"rewards_account.created", "rewards_account.imported", "rewards_deposit.created"} <= by_module["rewards"]
    assert {"renewal.shared", "renewal.share_changed", "renewal.unshared", "share.imported"} <= by_module["sharing"]
    assert by_module["core"] == {"person.removed"}
    for name in BUILT_IN:  # the hook answers the api module's declaration
        api = __import__(f"plugins.{name}.api", fromlist=["EVENTS"])
        assert tuple(registry.plugin(name).cc_events()) == api.EVENTS


def test_a_payload_must_carry_exactly_the_declared_keys():
    declared = catalogue([event_spec("thing.made", "x", "when", ("thing_id", "int", "id"), ("name", "str", "n"))])
    check_payload(declared, "thing.made", {"thing_id": 1, "name": "a"})
    check_payload(declared, "other.event", {"anyKey": 1})  # undeclared events pass
    with pytest.raises(EventPayloadError, match=r"missing \['name'\], extra \['thingName'\]"):
        check_payload(declared, "thing.made", {"thing_id": 1, "thingName": "a"})


def test_malformed_or_clashing_declarations_are_refused():
    with pytest.raises(EventSpecError, match="snake_case"):
        catalogue([event_spec("thing.made", "x", "w", ("thingId", "int", "id"))])
    with pytest.raises(EventSpecError, match="dotted lower-case"):
        catalogue([event_spec("ThingMade", "x", "w")])
    clash = types.ModuleType("clash")
    clash.MANIFEST = PluginManifest(name="clash", title="x", hook_version=HOOK_VERSION)
    clash.cc_events = hookimpl(lambda: [event_spec("renewal.accepted", "clash", "w")])
    registry = load_plugins([clash])
    assert "clash" not in registry.names
    assert "renewal.accepted is declared by both renewals and clash" in registry.failures["clash"]
    assert registry.events["renewal.accepted"].module == "renewals"
