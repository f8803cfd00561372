"""Rewards plugin: hook implementations (see core/hookspecs.py), wiring only: the rules are in ``service``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.hookspecs import HOOK_VERSION, GraphContribution, ImportSection, Job, PluginManifest, RoleCheck, hookimpl

if TYPE_CHECKING:
    from core.context import Context

MANIFEST = PluginManifest(
    name="rewards",
    title="Rewards",
    hook_version=HOOK_VERSION,
    description="Support rewards: accrual from cloud consumption, expiry, redemption against invoices (SPEC §4)",
)
HERE = Path(__file__).resolve().parent


@hookimpl
def cc_events() -> Sequence[Any]:
    from plugins.rewards.api import EVENTS

    return EVENTS


@hookimpl
def cc_migrations() -> Path:
    return HERE / "migrations"


@hookimpl
def cc_models() -> None:
    from plugins.rewards import models  # noqa: F401


@hookimpl
def cc_graph() -> GraphContribution:
    from plugins.rewards import graph

    return GraphContribution.of(graph)


@hookimpl
def cc_policies() -> Path:
    return HERE / "policy.csv"


@hookimpl
def cc_jobs() -> Sequence[Job]:
    from plugins.rewards.jobs import JOBS

    return JOBS


@hookimpl
def cc_import_sections() -> Sequence[ImportSection]:
    from plugins.rewards.importer import SECTIONS

    return SECTIONS


@hookimpl
async def cc_on_event(ctx: Context, event: str, payload: dict[str, Any]) -> None:
    from core.users import PERSON_REMOVED

    if event == PERSON_REMOVED:
        from plugins.rewards import service

        await service.revoke_removed_redeemer(ctx, payload["email"])


@hookimpl
def cc_principal_roles() -> list[RoleCheck]:
    from plugins.rewards.service import AUTHORISED_REDEEMER

    return [AUTHORISED_REDEEMER]


@hookimpl
async def cc_demo_data(session: Any, tenant_id: int, people: dict[str, str], clock: Any) -> None:
    from plugins.rewards.demo import add_demo_data

    await add_demo_data(session, tenant_id, people, clock)
