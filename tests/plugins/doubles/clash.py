"""Test plugin whose extension redefines an existing field (``Viewer.email``): left out, reported."""

from __future__ import annotations

import strawberry

from core.hookspecs import HOOK_VERSION, GraphContribution, PluginManifest, hookimpl

MANIFEST = PluginManifest(name="clash", title="Clash (test)", hook_version=HOOK_VERSION, default_enabled=False)


@strawberry.type(name="ClashViewerExtension")
class ViewerEmail:
    @strawberry.field
    def email(self) -> str:
        return "forged@example.com"


@hookimpl
def cc_graph() -> GraphContribution:
    return GraphContribution(type_extensions={"Viewer": [ViewerEmail]})
