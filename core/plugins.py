"""Loading plugins: built-in and reseller plugins are found the same way, through the
``customer_center.plugins`` entry-point group. A plugin that fails to load is reported and skipped."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from core import hookspecs
from core.hookspecs import HOOK_VERSION, PROJECT, PluginManifest

ENTRY_POINT_GROUP = "customer_center.plugins"
log = logging.getLogger("customer_center.plugins")


class PluginLoadError(Exception):
    pass


@dataclass
class PluginRegistry:
    pm: pluggy.PluginManager
    manifests: dict[str, PluginManifest] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return sorted(self.manifests)

    def plugin(self, name: str) -> Any:
        return self.pm.get_plugin(name)

    def hook_for(self, hook_name: str, enabled: frozenset[str] | None) -> Any:
        """The hook caller restricted to ``enabled`` plugins (all loaded plugins when None)."""
        if enabled is None:
            return getattr(self.pm.hook, hook_name)
        excluded = [self.pm.get_plugin(n) for n in self.manifests if n not in enabled]
        return self.pm.subset_hook_caller(hook_name, remove_plugins=[p for p in excluded if p])

    def default_enabled(self) -> list[str]:
        return [n for n, m in self.manifests.items() if m.default_enabled]


def _manifest_of(plugin: Any, source: str) -> PluginManifest:
    manifest = getattr(plugin, "MANIFEST", None)
    if not isinstance(manifest, PluginManifest):
        raise PluginLoadError(f"{source}: no MANIFEST = PluginManifest(...) found")
    if manifest.hook_version != HOOK_VERSION:
        raise PluginLoadError(
            f"{source}: built for hook spec version {manifest.hook_version}, "
            f"this server provides version {HOOK_VERSION}"
        )
    return manifest


def register(registry: PluginRegistry, plugin: Any, source: str) -> None:
    """Validate and register one plugin; on any problem record the reason and leave it out."""
    try:
        manifest = _manifest_of(plugin, source)
        if manifest.name in registry.manifests:
            raise PluginLoadError(f"{source}: a plugin named {manifest.name!r} is already loaded")
        registry.pm.register(plugin, name=manifest.name)
        try:
            registry.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            registry.pm.unregister(name=manifest.name)
            raise PluginLoadError(f"{source}: {exc}") from exc
        registry.manifests[manifest.name] = manifest
    except Exception as exc:  # a broken plugin must never take the server down
        reason = str(exc) if isinstance(exc, PluginLoadError) else f"{source}: {type(exc).__name__}: {exc}"
        registry.failures[source] = reason
        log.error("plugin not loaded: %s", reason)


def load_plugins(extra: list[Any] | None = None, *, entry_point_group: str = ENTRY_POINT_GROUP) -> PluginRegistry:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    registry = PluginRegistry(pm)
    for ep in sorted(entry_points(group=entry_point_group), key=lambda e: e.name):
        try:
            plugin = ep.load()
        except Exception as exc:
            registry.failures[ep.name] = f"{ep.name}: import failed: {type(exc).__name__}: {exc}"
            log.error("plugin not loaded: %s", registry.failures[ep.name])
            continue
        register(registry, plugin, ep.name)
    for plugin in extra or []:
        register(registry, plugin, getattr(plugin, "__name__", repr(plugin)))
    for name in registry.names:
        try:
            impl = getattr(registry.plugin(name), "cc_models", None)
            if impl:
                impl()
        except Exception as exc:
            registry.failures[name] = f"{name}: models failed: {exc}"
            registry.pm.unregister(name=name)
            del registry.manifests[name]
    return registry
