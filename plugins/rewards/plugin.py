"""Rewards plugin: hook implementations (see core/hookspecs.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

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
def cc_migrations() -> Path:
    return HERE / "migrations"


@hookimpl
def cc_models() -> None:
    from plugins.rewards import models  # noqa: F401


@hookimpl
def cc_graph() -> GraphContribution:
    from plugins.rewards import graph

    return GraphContribution(query=[graph.Query], mutation=[graph.Mutation])


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
        await _revoke_removed_redeemer(ctx, payload["email"])


async def _revoke_removed_redeemer(ctx: Context, email: str) -> None:
    """R-A3, R-W6: a removed person's redeemer authorisation ends with them; it is revoked (kept for
    the record, like an admin's revocation), so re-admitting them needs a new authorisation."""
    from sqlalchemy import select

    from plugins.rewards.models import RewardRedeemer

    rows = await ctx.session.execute(
        select(RewardRedeemer).where(
            RewardRedeemer.tenant_id == ctx.tenant_id,
            RewardRedeemer.email == email,
            RewardRedeemer.revoked_at.is_(None),
        )
    )
    for row in rows.scalars():
        row.revoked_at = ctx.now()
    await ctx.session.flush()


@hookimpl
def cc_principal_roles() -> list[RoleCheck]:
    from plugins.rewards.service import AUTHORISED_REDEEMER

    return [AUTHORISED_REDEEMER]


@hookimpl
async def cc_demo_data(session: AsyncSession, tenant_id: int, people: dict[str, str], clock: Any) -> None:
    from plugins.rewards.demo import seed

    await seed(session, tenant_id, people, clock)
