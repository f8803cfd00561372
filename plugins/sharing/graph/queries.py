"""Sharing's root query fields: a renewal's shares (R-S5), share lists, billing-dashboard shares (R-S4)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.context import Context
from core.pagination import Connection, connection_of
from plugins.sharing import service
from plugins.sharing.graph.types import BillingDashboardShareType, RenewalShareType, ShareListType


@strawberry.type
class Query:
    @strawberry.field(description="People a renewal is shared with, and their roles (R-S5).")
    async def renewal_shares(
        self, info: Info[Context, None], support_number: str, first: int | None = None, after: str | None = None
    ) -> Connection[RenewalShareType]:
        page = await service.renewal_shares_page(info.context, support_number, first=first, after=after)
        return connection_of(RenewalShareType.of, page)

    @strawberry.field(description="The viewer's saved share lists.")
    async def share_lists(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[ShareListType]:
        return connection_of(ShareListType.of, await service.share_list_page(info.context, first=first, after=after))

    @strawberry.field(description="Colleagues the billing dashboard is shared with (R-S4).")
    async def billing_dashboard_shares(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[BillingDashboardShareType]:
        page = await service.billing_dashboard_shares_page(info.context, first=first, after=after)
        return connection_of(BillingDashboardShareType.of, page)
