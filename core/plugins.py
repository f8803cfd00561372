"""Loading plugins: built-in and reseller plugins are found the same way, through the
``customer_center.plugins`` entry-point group (R-T3). A plugin that fails to load is reported and skipped.

Each plugin is checked before it joins the server, and refused with a message naming the plugin and
the problem when:
- its module cannot be imported (the entry point's import error is reported);
- it has no ``MANIFEST = PluginManifest(...)``, or the manifest's ``hook_version`` differs from
  :data:`core.hookspecs.HOOK_VERSION` (both versions are named), or its name is not a valid key;
- it implements a hook that does not exist (the closest real hook name is suggested) or a hook with
  arguments the spec does not provide (pluggy's validation);
- a start-up hook returns something unusable: ``cc_graph`` (not a GraphContribution of strawberry
  types), ``cc_policies`` (missing file, malformed rows), ``cc_migrations`` (missing folder),
  ``cc_jobs``/``cc_import_sections``/``cc_events`` (wrong item types), ``cc_models`` (raises), ``cc_events``
  (a malformed declaration, or an event another plugin already declares).
Failures are kept in ``registry.failures`` (source → reason): ``customer-center plugins list`` and
``serve`` print them, and the server runs on with the plugins that loaded.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy

from core import hookspecs
from core.events import EventSpec, EventSpecError, catalogue
from core.hookspecs import HOOK_VERSION, PROJECT, ImportSection, Job, PluginManifest

ENTRY_POINT_GROUP = "customer_center.plugins"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
POLICY_TYPES = ("p", "g")
log = logging.getLogger("customer_center.plugins")


class PluginLoadError(Exception):
    pass


def hook_names() -> list[str]:
    """Every hook a plugin may implement (the functions of core/hookspecs.py marked ``@hookspec``)."""
    return sorted(
        n for n in dir(hookspecs) if n.startswith("cc_") and hasattr(getattr(hookspecs, n), f"{PROJECT}_spec")
    )


@dataclass
class PluginRegistry:
    pm: pluggy.PluginManager
    manifests: dict[str, PluginManifest] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    #: Every declared domain event by name: core's and each loaded plugin's (``cc_events``).
    events: dict[str, EventSpec] = field(default_factory=dict)

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

    def drop(self, name: str, reason: str) -> None:
        """Take a registered plugin out again, recording why."""
        self.failures[name] = reason
        log.error("plugin not loaded: %s", reason)
        if self.pm.get_plugin(name) is not None:
            self.pm.unregister(name=name)
        self.manifests.pop(name, None)


def _manifest_of(plugin: Any, source: str) -> PluginManifest:
    manifest = getattr(plugin, "MANIFEST", None)
    if not isinstance(manifest, PluginManifest):
        raise PluginLoadError(f"{source}: no MANIFEST = PluginManifest(...) found")
    if manifest.hook_version != HOOK_VERSION:
        raise PluginLoadError(
            f"{source}: built for hook spec version {manifest.hook_version}, "
            f"this server provides version {HOOK_VERSION}"
        )
    if not NAME_RE.match(manifest.name):
        raise PluginLoadError(
            f"{source}: plugin name {manifest.name!r} must be lower-case letters, digits and '_' (at most 64)"
        )
    return manifest


def _check_hook_names(plugin: Any, source: str) -> list[str]:
    """Refuse unknown hooks with a suggestion; return warnings for unmarked functions named like hooks."""
    known = hook_names()
    warnings: list[str] = []
    for attr in dir(plugin):
        if not attr.startswith("cc_"):
            continue
        marked = hasattr(getattr(plugin, attr, None), f"{PROJECT}_impl")
        if marked and attr not in known:
            close = difflib.get_close_matches(attr, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise PluginLoadError(f"{source}: unknown hook {attr}{hint}; hooks are: {', '.join(known)}")
        if not marked and attr in known and callable(getattr(plugin, attr)):
            warnings.append(f"{source}: {attr} is not decorated with @hookimpl, so event dispatch ignores it")
    return warnings


def _check_policy_file(path: Path, source: str) -> None:
    from core.authz import read_policy_csv

    if not Path(path).is_file():
        raise PluginLoadError(f"{source}: cc_policies returned {path}, which is not a file")
    for i, row in enumerate(read_policy_csv(Path(path)), start=1):
        if not row or not row[0].startswith(POLICY_TYPES):
            raise PluginLoadError(f"{source}: {path} row {i}: first column must be p or g, got {row!r}")
        if row[0] == "p" and len(row) != 5:
            raise PluginLoadError(
                f"{source}: {path} row {i}: expected 'p, ROLE, TENANT|*, object, action', got {row!r}"
            )


def _probe(plugin: Any, name: str) -> None:
    """Call the start-up hooks once so a broken plugin is refused now, not in the middle of a request."""
    impl = getattr(plugin, "cc_graph", None)
    if impl is not None:
        from core.hookspecs import GraphContribution
        from schema.builder import PluginGraphError, check_contribution

        try:
            contribution = impl()
        except Exception as exc:
            raise PluginLoadError(f"{name}: cc_graph() failed: {type(exc).__name__}: {exc}") from exc
        if contribution is not None and not isinstance(contribution, GraphContribution):
            raise PluginLoadError(f"{name}: cc_graph() must return a GraphContribution or None")
        try:
            check_contribution(name, contribution)
        except PluginGraphError as exc:
            raise PluginLoadError(str(exc)) from exc
    impl = getattr(plugin, "cc_policies", None)
    path = impl() if impl else None
    if path is not None:
        _check_policy_file(Path(path), name)
    impl = getattr(plugin, "cc_migrations", None)
    folder = impl() if impl else None
    if folder is not None and not Path(folder).is_dir():
        raise PluginLoadError(f"{name}: cc_migrations returned {folder}, which is not a folder")
    for hook, kind in (("cc_jobs", Job), ("cc_import_sections", ImportSection), ("cc_events", EventSpec)):
        impl = getattr(plugin, hook, None)
        for item in (impl() if impl else None) or []:
            if not isinstance(item, kind):
                raise PluginLoadError(f"{name}: {hook} must return {kind.__name__} items, got {item!r}")


def register(registry: PluginRegistry, plugin: Any, source: str) -> None:
    """Validate and register one plugin; on any problem record the reason and leave it out."""
    try:
        manifest = _manifest_of(plugin, source)
        if manifest.name in registry.manifests:
            raise PluginLoadError(f"{source}: a plugin named {manifest.name!r} is already loaded")
        warnings = _check_hook_names(plugin, source)
        try:
            registry.pm.register(plugin, name=manifest.name)
        except pluggy.PluginValidationError as exc:
            raise PluginLoadError(f"{source}: {exc}") from exc
        try:
            registry.pm.check_pending()
            _probe(plugin, source)
        except Exception:
            registry.pm.unregister(name=manifest.name)
            raise
        registry.manifests[manifest.name] = manifest
        for w in warnings:
            log.warning("%s", w)
        if warnings:
            registry.warnings[manifest.name] = warnings
    except Exception as exc:  # a broken plugin must never take the server down
        reason = str(exc) if isinstance(exc, PluginLoadError) else f"{source}: {type(exc).__name__}: {exc}"
        registry.failures[source] = reason
        log.error("plugin not loaded: %s", reason)


BUILT_IN_DISTRIBUTION = "customer-center"


def built_in_plugins(entry_point_group: str = ENTRY_POINT_GROUP) -> tuple[str, ...]:
    """The entry-point names this product ships (its own distribution's), not plugins installed beside it."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        eps = distribution(BUILT_IN_DISTRIBUTION).entry_points
    except PackageNotFoundError:  # run from a checkout that is not installed: every plugin is the product's
        return tuple(sorted(ep.name for ep in entry_points(group=entry_point_group)))
    return tuple(sorted(ep.name for ep in eps if ep.group == entry_point_group))


def load_plugins(
    extra: list[Any] | None = None,
    *,
    entry_point_group: str = ENTRY_POINT_GROUP,
    only: Collection[str] | None = None,
) -> PluginRegistry:
    """Every plugin of the entry-point group (or only the entry points named in ``only``: a test run
    that must not see plugins installed beside the product's), then ``extra`` modules."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    registry = PluginRegistry(pm)
    found = entry_points(group=entry_point_group)
    for ep in sorted((e for e in found if only is None or e.name in only), key=lambda e: e.name):
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
            registry.drop(name, f"{name}: models failed: {type(exc).__name__}: {exc}")
    _collect_events(registry)
    return registry


def _collect_events(registry: PluginRegistry) -> None:
    """Core's events, then each plugin's; a plugin whose declarations clash or break the rules is dropped."""
    from core.users import CORE_EVENTS

    registry.events = catalogue(CORE_EVENTS)
    for name in list(registry.manifests):  # in load order: the first to declare a name keeps it
        impl = getattr(registry.plugin(name), "cc_events", None)
        specs = list(impl() or []) if impl else []
        try:
            registry.events = catalogue([*registry.events.values(), *specs])
        except EventSpecError as exc:
            registry.drop(name, f"{name}: cc_events: {exc}")
