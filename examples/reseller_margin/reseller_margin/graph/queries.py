"""Root query fields: they translate, the service authorizes."""

from __future__ import annotations

import strawberry
from core.sdk import Connection, Context, connection_of
from strawberry.types import Info

from reseller_margin import service as svc
from reseller_margin.graph.types import MarginEarningType, PartnerDiscountType


@strawberry.type
class Query:
    @strawberry.field(description="Partner discounts in this customer tenant (reseller staff).")
    async def partner_discounts(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[PartnerDiscountType]:
        return connection_of(PartnerDiscountType.of, await svc.list_discounts(info.context, first, after))

    @strawberry.field(description="The partner discount on one renewal, or null.")
    async def partner_discount(self, info: Info[Context, None], support_number: str) -> PartnerDiscountType | None:
        info.context.require_tenant()
        row = await svc.discount_of(info.context, svc.support_number_of(support_number))
        return PartnerDiscountType.of(row) if row else None

    @strawberry.field(description="Margins earned in this customer tenant, newest first (RM-3).")
    async def margin_earnings(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[MarginEarningType]:
        return connection_of(MarginEarningType.of, await svc.list_earnings(info.context, first, after))
