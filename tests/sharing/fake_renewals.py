"""A stand-in for the renewals plugin's relation hook, used while it was being written: it owns
object ``renewal``, raises NotFound for renewals that do not exist or the caller cannot see (R-S2)
and returns OWNER / PARTICIPANT / VIEWER from the core ObjectGrant rows the sharing plugin writes."""

from __future__ import annotations

from pathlib import Path

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from core.context import Context
from core.errors import NotFound
from core.hookspecs import HOOK_VERSION, GraphContribution, PluginManifest, hookimpl
from core.models import ObjectGrant

MANIFEST = PluginManifest(name="fake_renewals", title="Fake renewals", hook_version=HOOK_VERSION)
# (tenant key, support number) -> quote-to contact
RENEWALS = {
    ("acme", "SN-1"): "tech@acme.com",
    ("acme", "SN-2"): "admin@acme.com",
    ("globex", "SN-9"): "tech@globex.com",
}
POLICY = Path(__file__).with_name("fake_renewals_policy.csv")


async def relation_roles(ctx: Context, support_number: str) -> list[str]:
    owner = RENEWALS.get((ctx.tenant.key if ctx.tenant else "", support_number))
    if owner is None:
        raise NotFound(f"No renewal {support_number}")
    roles = ["OWNER"] if owner == ctx.principal.email else []
    grant = (
        await ctx.session.execute(
            select(ObjectGrant.role).where(
                ObjectGrant.object_type == "renewal",
                ObjectGrant.object_id == support_number,
                ObjectGrant.grantee_email == ctx.principal.email,
            )
        )
    ).scalar_one_or_none()
    if grant:
        roles.append(grant)
    if not roles and not ctx.principal.roles & {"TECHNICAL", "ADMIN", "SALES_REP"}:
        raise NotFound(f"No renewal {support_number}")  # R-S2: not theirs and not shared
    return roles


@hookimpl
async def cc_object_roles(ctx: Context, object: str, object_id: str) -> list[str] | None:
    if object != "renewal":
        return None
    return await relation_roles(ctx, object_id)


@hookimpl
def cc_policies() -> Path:
    return POLICY


@strawberry.type
class FakeRenewal:
    support_number: str


@strawberry.type
class FakeQuery:
    @strawberry.field
    async def fake_renewal(self, info: Info[Context, None], support_number: str) -> FakeRenewal:
        ctx = info.context
        ctx.require("renewal", "view", await relation_roles(ctx, support_number))
        return FakeRenewal(support_number=support_number)


@strawberry.type
class FakeMutation:
    @strawberry.mutation
    async def fake_accept(self, info: Info[Context, None], support_number: str) -> FakeRenewal:
        ctx = info.context
        ctx.require("renewal", "accept", await relation_roles(ctx, support_number))
        return FakeRenewal(support_number=support_number)


@hookimpl
def cc_graph() -> GraphContribution:
    return GraphContribution(query=[FakeQuery], mutation=[FakeMutation])
