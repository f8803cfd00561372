"""Root mutation fields: they translate, the service authorizes."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from core.sdk import Context
from strawberry.types import Info

from reseller_margin import service as svc
from reseller_margin.graph.types import PartnerDiscountType


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Set the partner discount on a renewal the caller can see (RM-1, RM-3).")
    async def set_partner_discount(
        self, info: Info[Context, None], support_number: str, percent: Decimal
    ) -> PartnerDiscountType:
        return PartnerDiscountType.of(await svc.set_discount(info.context, support_number, percent))

    @strawberry.mutation(description="Remove a renewal's partner discount; false when there was none (RM-3).")
    async def remove_partner_discount(self, info: Info[Context, None], support_number: str) -> bool:
        return await svc.remove_discount(info.context, support_number)
