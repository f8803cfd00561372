"""The plugin's GraphQL type, and the carrier of the field grafted onto ``Renewal``."""

from __future__ import annotations

from datetime import datetime

import strawberry
from core.sdk import Context
from strawberry.types import Info

from support_sla import service as svc
from support_sla.models import SupportSla


@strawberry.type(name="SupportSla", description="The support SLA of one renewal (SLA-1).")
class SupportSlaType:
    support_number: str
    level: str
    response_hours: int
    set_by: str
    order_number: str | None
    active_from: datetime | None

    @classmethod
    def of(cls, row: SupportSla) -> SupportSlaType:
        return cls(
            support_number=row.support_number,
            level=row.level,
            response_hours=row.response_hours,
            set_by=row.set_by,
            order_number=row.order_number,
            active_from=row.active_from,
        )


@strawberry.type(name="SupportSlaRenewalExtension")
class RenewalSla:
    """Grafted onto ``Renewal``: ``self`` is the renewals module's Renewal object, of which only its
    public GraphQL fields are read (``support_number``)."""

    @strawberry.field(description="This renewal's support SLA; null without one (SLA-2).")
    async def support_sla(self, info: Info[Context, None]) -> SupportSlaType | None:
        row = await svc.sla_of(info.context, self.support_number)
        return SupportSlaType.of(row) if row else None
