"""Test plugin implementing a hook that does not exist (a typo of cc_on_event): refused at load."""

from core.hookspecs import HOOK_VERSION, PluginManifest, hookimpl

MANIFEST = PluginManifest(name="typo", title="Typo (test)", hook_version=HOOK_VERSION)


@hookimpl
async def cc_on_events(ctx, event, payload):  # noqa: ANN001, ANN201
    return None
