"""Sharing's GraphQL types: renewal shares, billing-dashboard shares, share lists, and the sharing tab
grafted onto Renewal."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from core.context import Context
from core.graph import TenantType, UserStatus
from core.graph_queues import tenant_field
from core.ids import to_global_id
from core.models import ObjectGrant
from core.nodes import Node
from plugins.sharing import service
from plugins.sharing.graph.loaders import PersonStatuses, RenewalShares
from plugins.sharing.models import ShareList


@strawberry.enum(description="How a renewal is shared (R-S1).")
class ShareRole(Enum):
    PARTICIPANT = strawberry.enum_value("PARTICIPANT", description="view, accept, request assistance")
    VIEWER = strawberry.enum_value("VIEWER", description="view, request assistance")


@strawberry.type(name="RenewalShare", description="One person a renewal is shared with (R-S1, R-S5).")
class RenewalShareType(Node):
    id: strawberry.ID
    support_number: str
    email: str
    role: ShareRole
    granted_by: str
    created_at: datetime

    @strawberry.field(description="The person's user status: INVITED until their first sign-in, then ACTIVE.")
    async def user_status(self, info: Info[Context, None]) -> UserStatus | None:
        status = await PersonStatuses.of(info.context).load(self.email)
        return UserStatus(status) if status else None

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


@strawberry.type(name="SharingRenewalExtension")
class RenewalSharing:
    """Fields the sharing plugin adds to the renewals plugin's ``Renewal`` type (the sharing tab)."""

    @strawberry.field(
        description="People this renewal is shared with (the sharing tab, R-S1, R-S5); for those who may "
        "share it (§6: TECHNICAL). One statement per page, whatever its size."
    )
    async def shares(self, info: Info[Context, None]) -> list[RenewalShareType]:
        ctx = info.context
        grants = await RenewalShares.of(ctx).load(self.support_number)
        # Owner and rep from the Renewal type's public fields: the renewals plugin owns the renewal.
        service.require_may_see_shares(ctx, grants, self.quote_to.email, self.sales_rep_email)
        return [RenewalShareType.of(g) for g in grants]


@strawberry.type(name="BillingDashboardShare", description="A colleague given the billing dashboard (R-S4).")
class BillingDashboardShareType(Node):
    id: strawberry.ID
    email: str
    granted_by: str
    created_at: datetime

    @strawberry.field(description="The person's user status: INVITED until their first sign-in, then ACTIVE.")
    async def user_status(self, info: Info[Context, None]) -> UserStatus | None:
        status = await PersonStatuses.of(info.context).load(self.email)
        return UserStatus(status) if status else None

    @classmethod
    def of(cls, g: ObjectGrant) -> BillingDashboardShareType:
        return cls(
            id=strawberry.ID(to_global_id("BillingDashboardShare", g.id)),
            email=g.grantee_email,
            granted_by=g.granted_by,
            created_at=g.created_at,
        )


@strawberry.type(name="ShareList", description="A named list of colleagues to share with, private to its owner.")
class ShareListType(Node):
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


@strawberry.enum(description="Where a billing-dashboard share request is (R-S4).")
class ShareRequestStatus(Enum):
    OPEN = strawberry.enum_value("OPEN", description="Waiting for billing support.")
    GRANTED = strawberry.enum_value("GRANTED", description="Billing support shared the dashboard as asked.")
    DECLINED = strawberry.enum_value("DECLINED", description="Billing support declined it, saying why.")


@strawberry.type(
    name="BillingDashboardShareRequest",
    description="A request that billing support share the billing dashboard on the organisation's behalf (R-S4).",
)
class BillingDashboardShareRequestType:
    id: strawberry.ID
    emails: list[str]
    reason: str
    status: ShareRequestStatus
    requested_by: str
    created_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_note: str
    tenant_id: strawberry.Private[int]

    tenant: TenantType | None = tenant_field("The organisation asking (a work queue spans tenants).")

    @classmethod
    def of(cls, r: Any) -> BillingDashboardShareRequestType:
        return cls(
            id=strawberry.ID(to_global_id("BillingDashboardShareRequest", r.id)),
            emails=[e for e in r.emails.split(",") if e],
            reason=r.reason,
            status=ShareRequestStatus(r.status),
            requested_by=r.requested_by,
            created_at=r.created_at,
            resolved_by=r.resolved_by,
            resolved_at=r.resolved_at,
            resolution_note=r.resolution_note,
            tenant_id=r.tenant_id,
        )
