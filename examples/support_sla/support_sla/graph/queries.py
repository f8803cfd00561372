"""Root query fields: they translate, the service authorizes."""

from __future__ import annotations

import strawberry
from core.sdk import Context
from strawberry.types import Info

from support_sla import service as svc


@strawberry.type
class Query:
    @strawberry.field(description="How many pending renewals of this tenant have no support SLA yet.")
    async def renewals_without_sla(self, info: Info[Context, None]) -> int:
        return await svc.missing_count(info.context)
