"""Reseller margin plugin: the manifest and the hook implementations (wiring only; rules in service.py).

Installed with ``pip install ./examples/reseller_margin`` (or ``pip install -e``), found through the
``customer_center.plugins`` entry point in its pyproject.toml, and enabled per tenant with
``customer-center plugins enable TENANT reseller_margin``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.sdk import HOOK_VERSION, GraphContribution, Job, PluginManifest, hookimpl

MANIFEST = PluginManifest(
    name="reseller_margin",
    title="Reseller margin",
    hook_version=HOOK_VERSION,
    version="0.1.0",
    default_enabled=False,  # a reseller's custom plugin: enabled only for the tenants that want it
    description="Partner discounts per renewal and the margin the reseller earns when a renewal is accepted.",
)
HERE = Path(__file__).resolve().parent


@hookimpl
def cc_models() -> None:
    from reseller_margin import models  # noqa: F401


@hookimpl
def cc_migrations() -> Path:
    return HERE / "migrations"


@hookimpl
def cc_graph() -> GraphContribution:
    from reseller_margin import graph

    return GraphContribution.of(graph)


@hookimpl
def cc_policies() -> Path:
    return HERE / "policy.csv"


@hookimpl
def cc_jobs() -> Sequence[Job]:
    from reseller_margin.jobs import JOBS

    return JOBS


@hookimpl
async def cc_on_event(ctx: Any, event: str, payload: dict[str, Any]) -> None:
    from reseller_margin import service

    if event == service.ACCEPTED_EVENT:
        await service.record_earning(ctx, payload)
