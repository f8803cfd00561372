"""Support SLA plugin: the manifest and the hook implementations (wiring only; the rules are in service/)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.sdk import HOOK_VERSION, Context, EventSpec, GraphContribution, ImportSection, Job, PluginManifest, hookimpl

MANIFEST = PluginManifest(
    name="support_sla",
    title="Support SLA",
    hook_version=HOOK_VERSION,
    version="0.1.0",
    default_enabled=False,  # a custom plugin: enabled only for the tenants that want it
    description="A support SLA level per renewal, set by tenant admins, active once the renewal is accepted.",
)
HERE = Path(__file__).resolve().parent


@hookimpl
def cc_models() -> None:
    from support_sla import models  # noqa: F401


@hookimpl
def cc_migrations() -> Path:
    return HERE / "migrations"


@hookimpl
def cc_graph() -> GraphContribution:
    from support_sla import graph

    return GraphContribution.of(graph)


@hookimpl
def cc_policies() -> Path:
    return HERE / "policy.csv"


@hookimpl
def cc_jobs() -> Sequence[Job]:
    from support_sla.jobs import JOBS

    return JOBS


@hookimpl
def cc_import_sections() -> Sequence[ImportSection]:
    from support_sla.importer import SECTIONS

    return SECTIONS


@hookimpl
def cc_events() -> Sequence[EventSpec]:
    from support_sla.api import EVENTS

    return EVENTS


@hookimpl
async def cc_on_event(ctx: Context, event: str, payload: dict[str, Any]) -> None:
    from support_sla import service

    if event == service.ACCEPTED_EVENT:
        await service.activate(ctx, payload)
