"""Sharing plugin: hook implementations (see core/hookspecs.py), wiring only: the rules are in ``service``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.hookspecs import HOOK_VERSION, GraphContribution, ImportSection, PluginManifest, RoleCheck, hookimpl

if TYPE_CHECKING:
    from core.context import Context

MANIFEST = PluginManifest(
    name="sharing",
    title="Sharing",
    hook_version=HOOK_VERSION,
    description="Share renewals (participant / viewer) and the billing dashboard with colleagues (SPEC §5).",
)
HERE = Path(__file__).resolve().parent


@hookimpl
def cc_events() -> Sequence[Any]:
    from plugins.sharing.api import EVENTS

    return EVENTS


@hookimpl
def cc_models() -> None:
    from plugins.sharing import models  # noqa: F401


@hookimpl
def cc_migrations() -> Path:
    return HERE / "migrations"


@hookimpl
def cc_graph() -> GraphContribution:
    from plugins.sharing import graph

    return GraphContribution.of(graph)


@hookimpl
def cc_policies() -> Path:
    return HERE / "policy.csv"


@hookimpl
def cc_import_sections() -> Sequence[ImportSection]:
    from plugins.sharing.importer import SECTIONS

    return SECTIONS


@hookimpl
async def cc_on_event(ctx: Context, event: str, payload: dict[str, Any]) -> None:
    from core.users import PERSON_REMOVED

    if event == PERSON_REMOVED:
        from plugins.sharing.service import forget_person

        await forget_person(ctx, payload["email"])


@hookimpl
def cc_principal_roles() -> list[RoleCheck]:
    from plugins.sharing.service import DASHBOARD_SHARED

    return [DASHBOARD_SHARED]


# trylast: run after the renewals plugin has added its demo renewals.
@hookimpl(trylast=True)
async def cc_demo_data(session: Any, tenant_id: int, people: dict[str, str], clock: Any) -> None:
    from plugins.sharing.demo import add_demo_data

    await add_demo_data(session, tenant_id, people, clock)
