"""Test plugin whose cc_graph raises: the tenant enabling it keeps a working schema without it."""

from core.hookspecs import HOOK_VERSION, PluginManifest, hookimpl

MANIFEST = PluginManifest(
    name="brokengraph", title="Broken graph (test)", hook_version=HOOK_VERSION, default_enabled=False
)


@hookimpl
def cc_graph():  # noqa: ANN201
    raise RuntimeError("graph module exploded")
