"""Sharing's root mutations: share, re-role and revoke renewal shares, share lists, billing-dashboard shares."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.context import Context
from core.ids import from_global_id
from plugins.sharing import service
from plugins.sharing.graph.types import (
    BillingDashboardShareRequestType,
    BillingDashboardShareType,
    RenewalShareType,
    ShareListType,
    ShareRole,
)


@strawberry.type
class Mutation:
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

    @strawberry.mutation(
        description="R-S4: ask billing support to share the billing dashboard with these people of your "
        "organisation (yourself included) when the invoice recipient cannot, saying why."
    )
    async def request_billing_dashboard_share(
        self, info: Info[Context, None], emails: list[str], reason: str
    ) -> BillingDashboardShareRequestType:
        return BillingDashboardShareRequestType.of(await service.request_dashboard_share(info.context, emails, reason))

    @strawberry.mutation(
        description="Billing support, from the share-requests queue: share the billing dashboard as the request "
        "with this id asks, in its organisation (no X-Tenant needed), on the organisation's behalf (R-S4)."
    )
    async def grant_billing_dashboard_share_request(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> BillingDashboardShareRequestType:
        req = await service.grant_dashboard_request(info.context, from_global_id(id, "BillingDashboardShareRequest"))
        return BillingDashboardShareRequestType.of(req)

    @strawberry.mutation(description="Billing support, from the share-requests queue: decline a request, saying why.")
    async def decline_billing_dashboard_share_request(
        self, info: Info[Context, None], id: strawberry.ID, note: str
    ) -> BillingDashboardShareRequestType:
        req = await service.decline_dashboard_request(
            info.context, from_global_id(id, "BillingDashboardShareRequest"), note
        )
        return BillingDashboardShareRequestType.of(req)
