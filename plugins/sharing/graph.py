"""Sharing GraphQL: renewal shares (R-S1, R-S5), share lists, billing-dashboard shares (R-S4).
Resolvers translate arguments and call ``service``; every decision is made there by the enforcer."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from core.context import Context
from core.ids import from_global_id, to_global_id
from core.models import ObjectGrant
from core.pagination import Connection, connection, keyset_page
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


@strawberry.type
class SharingQuery:
    @strawberry.field(description="People a renewal is shared with, and their roles (R-S5).")
    async def renewal_shares(
        self, info: Info[Context, None], support_number: str, first: int | None = None, after: str | None = None
    ) -> Connection[RenewalShareType]:
        ctx = info.context
        support_number = await service.authorize_renewal_share(ctx, support_number)
        rows, page, total, cursors = await keyset_page(
            ctx.session,
            service.renewal_shares_stmt(support_number),
            [(ObjectGrant.grantee_email, False), (ObjectGrant.id, False)],
            first=first,
            after=after,
            key_of=lambda g: (g.grantee_email, g.id),
        )
        return connection([RenewalShareType.of(g) for g in rows], page, total, cursors)

    @strawberry.field(description="The viewer's saved share lists.")
    async def share_lists(self, info: Info[Context, None]) -> list[ShareListType]:
        return [ShareListType.of(s) for s in await service.list_share_lists(info.context)]

    @strawberry.field(description="Colleagues the billing dashboard is shared with (R-S4).")
    async def billing_dashboard_shares(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[BillingDashboardShareType]:
        ctx = info.context
        ctx.require_tenant()
        ctx.require(service.BILLING_DASHBOARD_OBJECT, service.SHARE_ACTION)
        rows, page, total, cursors = await keyset_page(
            ctx.session,
            service.billing_dashboard_shares_stmt(),
            [(ObjectGrant.grantee_email, False), (ObjectGrant.id, False)],
            first=first,
            after=after,
            key_of=lambda g: (g.grantee_email, g.id),
        )
        return connection([BillingDashboardShareType.of(g) for g in rows], page, total, cursors)


@strawberry.type
class SharingMutation:
    @strawberry.mutation(
        description="Share a renewal with people and/or a saved share list as PARTICIPANT or VIEWER "
        "(R-S1). Every address must be in your organisation's domains (R-S3): one foreign address "
        "refuses the whole request. People who are not users yet are invited."
    )
    async def share_renewal(
        self,
        info: Info[Context, None],
        support_number: str,
        role: ShareRole,
        emails: list[str] | None = None,
        list_id: strawberry.ID | None = None,
    ) -> list[RenewalShareType]:
        grants = await service.share_renewal(
            info.context,
            support_number,
            role.value,
            emails or [],
            from_global_id(list_id, "ShareList") if list_id else None,
        )
        return [RenewalShareType.of(g) for g in grants]

    @strawberry.mutation(description="Change a renewal share between PARTICIPANT and VIEWER.")
    async def change_share_role(
        self, info: Info[Context, None], id: strawberry.ID, role: ShareRole
    ) -> RenewalShareType:
        grant = await service.change_share_role(info.context, from_global_id(id, "RenewalShare"), role.value)
        return RenewalShareType.of(grant)

    @strawberry.mutation(description="Revoke a renewal share (R-S5); effective on the person's next request.")
    async def revoke_share(self, info: Info[Context, None], id: strawberry.ID) -> RenewalShareType:
        grant = await service.revoke_renewal_share(info.context, from_global_id(id, "RenewalShare"))
        return RenewalShareType.of(grant)

    @strawberry.mutation(description="Create (no id) or replace a named share list of colleagues (R-S1, R-S3).")
    async def save_share_list(
        self, info: Info[Context, None], name: str, emails: list[str], id: strawberry.ID | None = None
    ) -> ShareListType:
        share_list = await service.save_share_list(
            info.context, name, emails, from_global_id(id, "ShareList") if id else None
        )
        return ShareListType.of(share_list)

    @strawberry.mutation(description="Delete one of your share lists; existing shares are kept.")
    async def delete_share_list(self, info: Info[Context, None], id: strawberry.ID) -> strawberry.ID:
        await service.delete_share_list(info.context, from_global_id(id, "ShareList"))
        return id

    @strawberry.mutation(
        description="Share the billing dashboard (invoices, rewards: view) with colleagues (R-S4). The "
        "invoice recipient (FINANCE), or BILLING_SUPPORT staff on the tenant's behalf (X-Tenant)."
    )
    async def share_billing_dashboard(
        self, info: Info[Context, None], emails: list[str]
    ) -> list[BillingDashboardShareType]:
        grants = await service.share_billing_dashboard(info.context, emails)
        return [BillingDashboardShareType.of(g) for g in grants]

    @strawberry.mutation(description="Revoke a billing-dashboard share (R-S4, R-S5); effective on the next request.")
    async def revoke_billing_dashboard(self, info: Info[Context, None], email: str) -> BillingDashboardShareType:
        return BillingDashboardShareType.of(await service.revoke_billing_dashboard(info.context, email))
