"""Sharing's GraphQL types: renewal shares, billing-dashboard shares, share lists, and the sharing tab
grafted onto Renewal."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from core.context import Context
from core.ids import to_global_id
from core.models import ObjectGrant
from plugins.sharing import service
from plugins.sharing.models import ShareList


@strawberry.enum(description="How a renewal is shared (R-S1).")
class ShareRole(Enum):
    PARTICIPANT = strawberry.enum_value("PARTICIPANT", description="view, accept, request assistance")
    VIEWER = strawberry.enum_value("VIEWER", description="view, request assistance")


def _statuses(ctx: Context):  # noqa: ANN202
    return ctx.loader("sharing.person_status", lambda emails: service.person_statuses(ctx.session, emails))


@strawberry.type(name="RenewalShare", description="One person a renewal is shared with (R-S1, R-S5).")
class RenewalShareType:
    id: strawberry.ID
    support_number: str
    email: str
    role: ShareRole
    granted_by: str
    created_at: datetime

    @strawberry.field(description="The person's user status: INVITED until their first sign-in, then ACTIVE.")
    async def user_status(self, info: Info[Context, None]) -> str | None:
        return await _statuses(info.context).load(self.email)

    @classmethod
    def of(cls, g: ObjectGrant) -> RenewalShareType:
        return cls(
            id=strawberry.ID(to_global_id("RenewalShare", g.id)),
            support_number=g.object_id,
            email=g.grantee_email,
            role=ShareRole(g.role),
            granted_by=g.granted_by,
            created_at=g.created_at,
        )


async def _grants_by_renewal(ctx: Context, numbers: list[str]) -> list[list[ObjectGrant]]:
    rows = (
        await ctx.session.execute(
            service.renewal_shares_stmt_many(numbers).order_by(ObjectGrant.grantee_email, ObjectGrant.id)
        )
    ).scalars()
    by: dict[str, list[ObjectGrant]] = {n: [] for n in numbers}
    for g in rows:
        by[g.object_id].append(g)
    return [by[n] for n in numbers]


@strawberry.type(name="SharingRenewalExtension")
class RenewalSharing:
    """Fields the sharing plugin adds to the renewals plugin's ``Renewal`` type (the sharing tab)."""

    @strawberry.field(
        description="People this renewal is shared with (the sharing tab, R-S1, R-S5); for those who may "
        "share it (§6: TECHNICAL). One statement per page, whatever its size."
    )
    async def shares(self, info: Info[Context, None]) -> list[RenewalShareType]:
        ctx = info.context
        sn = self.support_number
        grants = await ctx.loader("sharing.renewal_grants", lambda keys: _grants_by_renewal(ctx, keys)).load(sn)
        # The caller's relation roles on this renewal, from the Renewal type's public fields and the
        # grants just loaded (no query per renewal).
        p = ctx.principal
        roles = [g.role for g in grants if g.grantee_email == p.email]
        if not p.is_staff and self.quote_to.email == p.email:
            roles.append("OWNER")
        if p.is_staff and self.sales_rep_email == p.email:
            roles.append("ASSIGNED_REP")
        ctx.require(service.RENEWAL_OBJECT, service.SHARE_ACTION, roles)
        ctx.require_tenant()
        return [RenewalShareType.of(g) for g in grants]


@strawberry.type(name="BillingDashboardShare", description="A colleague given the billing dashboard (R-S4).")
class BillingDashboardShareType:
    id: strawberry.ID
    email: str
    granted_by: str
    created_at: datetime

    @strawberry.field(description="The person's user status: INVITED until their first sign-in, then ACTIVE.")
    async def user_status(self, info: Info[Context, None]) -> str | None:
        return await _statuses(info.context).load(self.email)

    @classmethod
    def of(cls, g: ObjectGrant) -> BillingDashboardShareType:
        return cls(
            id=strawberry.ID(to_global_id("BillingDashboardShare", g.id)),
            email=g.grantee_email,
            granted_by=g.granted_by,
            created_at=g.created_at,
        )


@strawberry.type(name="ShareList", description="A named list of colleagues to share with, private to its owner.")
class ShareListType:
    id: strawberry.ID
    name: str
    emails: list[str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, s: ShareList) -> ShareListType:
        return cls(
            id=strawberry.ID(to_global_id("ShareList", s.id)),
            name=s.name,
            emails=s.emails,
            created_at=s.created_at,
            updated_at=s.updated_at,
        )
