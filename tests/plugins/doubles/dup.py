"""Test plugin that defines its own type named ``Renewal``, clashing with the renewals plugin's type."""

from __future__ import annotations

import strawberry

from core.hookspecs import HOOK_VERSION, GraphContribution, PluginManifest, hookimpl

MANIFEST = PluginManifest(name="dup", title="Dup (test)", hook_version=HOOK_VERSION, default_enabled=False)


@strawberry.type(name="Renewal")
class FakeRenewal:
    x: int


@strawberry.type
class DupQuery:
    @strawberry.field
    def fake_renewal(self) -> FakeRenewal:
        return FakeRenewal(x=1)


@hookimpl
def cc_graph() -> GraphContribution:
    return GraphContribution(query=[DupQuery])
