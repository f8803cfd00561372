"""Test plugin: grafts fields onto the core ``Viewer`` and ``Tenant`` types and adds an interface with
an implementation that is extended too (so the rebuilt schema must keep interface implementations)."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.types import Info

from core.hookspecs import HOOK_VERSION, GraphContribution, PluginManifest, hookimpl
from core.money import MoneyType

MANIFEST = PluginManifest(name="badges", title="Badges (test)", hook_version=HOOK_VERSION, default_enabled=False)
SEEN_PARENTS: list[str] = []


@strawberry.type(name="BadgesViewerExtension")
class ViewerBadge:
    @strawberry.field(description="How many letters the viewer's email has (proves the parent is the Viewer).")
    def badge_letters(self) -> int:
        SEEN_PARENTS.append(type(self).__name__)
        return len(self.email)

    @strawberry.field
    def badge_budget(self, info: Info) -> MoneyType:
        return MoneyType.of(Decimal("12.345"), "USD")


@strawberry.type(name="BadgesTenantExtension")
class TenantBadge:
    @strawberry.field
    def badge_motto(self, parent: strawberry.Parent[object]) -> str:
        return f"{parent.key} rocks"


@strawberry.interface
class Gadget:
    name: str


@strawberry.type
class Widget(Gadget):
    size: int


@strawberry.type(name="BadgesWidgetExtension")
class WidgetExtra:
    @strawberry.field
    def double_size(self) -> int:
        return self.size * 2


@strawberry.type
class BadgesQuery:
    @strawberry.field
    def gadgets(self) -> list[Gadget]:
        return [Widget(name="w1", size=3)]


@hookimpl
def cc_graph() -> GraphContribution:
    return GraphContribution(
        query=[BadgesQuery],
        types=[Widget],
        type_extensions={"Viewer": [ViewerBadge], "Tenant": [TenantBadge], "Widget": [WidgetExtra]},
    )
