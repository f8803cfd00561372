"""Invoicing plugin: hook implementations (see core/hookspecs.py)."""

from __future__ import annotations

from pathlib import Path

from core.hookspecs import HOOK_VERSION, PluginManifest, hookimpl

MANIFEST = PluginManifest(name="invoicing", title="Invoicing", hook_version=HOOK_VERSION)
HERE = Path(__file__).resolve().parent


@hookimpl
def cc_migrations() -> Path:
    return HERE / "migrations"
