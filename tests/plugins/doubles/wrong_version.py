"""Test plugin built for a future hook spec: refused at load, naming both versions."""

from core.hookspecs import HOOK_VERSION, PluginManifest, hookimpl

MANIFEST = PluginManifest(name="future", title="Future (test)", hook_version=HOOK_VERSION + 1)


@hookimpl
def cc_jobs():  # noqa: ANN201
    return []
