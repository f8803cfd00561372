"""Invoicing plugin: hook implementations (see core/hookspecs.py). Wiring only; rules live in service/."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.hookspecs import HOOK_VERSION, GraphContribution, ImportSection, Job, PluginManifest, hookimpl

if TYPE_CHECKING:
    from core.context import Context

MANIFEST = PluginManifest(name="invoicing", title="Invoicing", hook_version=HOOK_VERSION)
HERE = Path(__file__).resolve().parent


@hookimpl
def cc_events() -> Sequence[Any]:
    from plugins.invoicing.api import EVENTS

    return EVENTS


@hookimpl
def cc_migrations() -> Path:
    return HERE / "migrations"


@hookimpl
def cc_models() -> None:
    from plugins.invoicing import models  # noqa: F401


@hookimpl
async def cc_on_event(ctx: Context, event: str, payload: dict[str, Any]) -> None:
    from plugins.invoicing.service import on_event

    await on_event(ctx, event, payload)


@hookimpl
def cc_policies() -> Path:
    return HERE / "policy.csv"


@hookimpl
def cc_graph() -> GraphContribution:
    from plugins.invoicing import graph

    return GraphContribution.of(graph)


@hookimpl
def cc_jobs() -> Sequence[Job]:
    from plugins.invoicing.jobs import JOBS

    return JOBS


@hookimpl
def cc_import_sections() -> Sequence[ImportSection]:
    from plugins.invoicing.importer import SECTIONS

    return SECTIONS


@hookimpl
def cc_http_routes() -> Sequence[Any]:
    from plugins.invoicing.downloads import ROUTES

    return ROUTES


@hookimpl
async def cc_demo_data(session: Any, tenant_id: int, people: dict[str, str], clock: Any) -> None:
    from plugins.invoicing.demo import add_demo_data

    await add_demo_data(session, tenant_id, people, clock)
