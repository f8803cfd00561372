"""Test plugin whose hook asks for an argument the spec does not provide: refused at load."""

from core.hookspecs import HOOK_VERSION, PluginManifest, hookimpl

MANIFEST = PluginManifest(name="badargs", title="Bad args (test)", hook_version=HOOK_VERSION)


@hookimpl
async def cc_on_event(ctx, event, payload, tenant):  # noqa: ANN001, ANN201
    return None
