"""Billing support's share-requests queue (R-S4), grafted onto core's ``WorkQueues`` (core.queues)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.context import Context
from core.pagination import Connection, connection_of
from plugins.sharing import service
from plugins.sharing.graph.types import BillingDashboardShareRequestType, ShareRequestStatus


@strawberry.type
class SharingQueues:
    """Fields of ``WorkQueues`` (``self`` is core's WorkQueues: ``self.scope``)."""

    @strawberry.field(
        description="BILLING_SUPPORT: requests to share the billing dashboard on an organisation's behalf (R-S4), "
        "OPEN ones unless status says otherwise, oldest first."
    )
    async def billing_dashboard_share_requests(
        self,
        info: Info[Context, None],
        status: ShareRequestStatus | None = None,
        tenant_key: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[BillingDashboardShareRequestType]:
        page = await service.dashboard_request_queue(
            info.context,
            self.scope,
            status=status.value if status else None,
            tenant_key=tenant_key,
            first=first,
            after=after,
        )
        return connection_of(BillingDashboardShareRequestType.of, page)
