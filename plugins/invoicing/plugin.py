"""Invoicing plugin: hook implementations (see core/hookspecs.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.hookspecs import HOOK_VERSION, GraphContribution, ImportSection, Job, PluginManifest, hookimpl

if TYPE_CHECKING:
    from core.context import Context

MANIFEST = PluginManifest(name="invoicing", title="Invoicing", hook_version=HOOK_VERSION)
HERE = Path(__file__).resolve().parent


@hookimpl
def cc_migrations() -> Path:
    return HERE / "migrations"


@hookimpl
def cc_models() -> None:
    from plugins.invoicing import models  # noqa: F401


@hookimpl
async def cc_on_event(ctx: Context, event: str, payload: dict[str, Any]) -> None:
    if event == "renewal.accepted":
        from plugins.invoicing import service

        await service.invoice_from_renewal(ctx.session, ctx.tenant, payload, ctx.now())


@hookimpl
def cc_policies() -> Path:
    return HERE / "policy.csv"


@hookimpl
def cc_graph() -> GraphContribution:
    from plugins.invoicing.graph import InvoicingMutation, InvoicingQuery

    return GraphContribution(query=[InvoicingQuery], mutation=[InvoicingMutation])


@hookimpl
def cc_jobs() -> list[Job]:
    from plugins.invoicing.jobs import JOBS

    return JOBS


@hookimpl
def cc_import_sections() -> list[ImportSection]:
    from plugins.invoicing.importer import SECTIONS

    return SECTIONS


@hookimpl
def cc_http_routes() -> list[Any]:
    from plugins.invoicing.downloads import routes

    return routes()


@hookimpl
async def cc_demo_data(session: Any, tenant_id: int, people: dict[str, str], clock: Any) -> None:
    from plugins.invoicing.demo import demo_data

    await demo_data(session, tenant_id, people, clock)
