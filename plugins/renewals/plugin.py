"""Renewals plugin: hook implementations (see core/hookspecs.py). Wiring only; rules live in service/."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.hookspecs import HOOK_VERSION, GraphContribution, ImportSection, Job, PluginManifest, hookimpl

MANIFEST = PluginManifest(
    name="renewals",
    title="Renewals",
    hook_version=HOOK_VERSION,
    description="Support service renewals: lists, checkout, AutoRenew, multi-year, exports (SPEC §2).",
)
HERE = Path(__file__).resolve().parent


@hookimpl
def cc_events() -> Sequence[Any]:
    from plugins.renewals.api import EVENTS

    return EVENTS


@hookimpl
def cc_models() -> None:
    from plugins.renewals import models  # noqa: F401


@hookimpl
def cc_migrations() -> Path:
    return HERE / "migrations"


@hookimpl
def cc_graph() -> GraphContribution:
    from plugins.renewals import graph

    return GraphContribution.of(graph)


@hookimpl
def cc_policies() -> Path:
    return HERE / "policy.csv"


@hookimpl
def cc_jobs() -> Sequence[Job]:
    from plugins.renewals.jobs import JOBS

    return JOBS


@hookimpl
def cc_import_sections() -> Sequence[ImportSection]:
    from plugins.renewals.importer import SECTIONS

    return SECTIONS


@hookimpl
def cc_http_routes() -> Sequence[Any]:
    from plugins.renewals.downloads import ROUTES

    return ROUTES


@hookimpl
async def cc_object_roles(ctx: Any, object_type: str, object_id: str) -> Sequence[str] | None:
    """Relation roles on one renewal (object_id = support number); NOT_FOUND when not visible."""
    if object_type != "renewal":
        return None
    from plugins.renewals.service import object_roles

    return await object_roles(ctx, object_id)


@hookimpl
async def cc_demo_data(session: Any, tenant_id: int, people: dict[str, str], clock: Any) -> None:
    from plugins.renewals.demo import add_demo_data

    await add_demo_data(session, tenant_id, people, clock)
