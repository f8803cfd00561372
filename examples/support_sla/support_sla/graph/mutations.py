"""Root mutation fields: they translate, the service authorizes."""

from __future__ import annotations

import strawberry
from core.sdk import Context
from strawberry.types import Info

from support_sla import service as svc
from support_sla.graph.types import SupportSlaType


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Set a renewal's support SLA level (tenant admins; SLA-1, SLA-2).")
    async def set_support_sla(self, info: Info[Context, None], support_number: str, level: str) -> SupportSlaType:
        return SupportSlaType.of(await svc.set_sla(info.context, support_number, level))
