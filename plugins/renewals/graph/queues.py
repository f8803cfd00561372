"""Sales reps' work queues, grafted onto core's ``WorkQueues`` (core.queues): each field translates its
arguments into a call of ``service.queues`` with the caller's scope."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.context import Context
from core.pagination import Connection, connection, connection_of
from plugins.renewals import service as svc
from plugins.renewals.graph.types import RenewalList, RenewalRequestType, RenewalStatus, RenewalType


@strawberry.type(description="How many of the caller's assigned renewals are in each list (R-R1).")
class AssignedRenewalCounts:
    pending: int
    history: int
    future: int


@strawberry.type
class RenewalQueues:
    """Fields of ``WorkQueues`` (``self`` is core's WorkQueues: ``self.scope``)."""

    @strawberry.field(
        description="SALES_REP: the renewals assigned to the caller in every tenant, by list (R-R1) and status, "
        "soonest start first."
    )
    async def assigned_renewals(
        self,
        info: Info[Context, None],
        list: RenewalList | None = None,
        statuses: list[RenewalStatus] | None = None,
        tenant_key: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RenewalType]:
        ctx = info.context
        rows, page, total, cursors = await svc.assigned_renewal_queue(
            ctx,
            self.scope,
            list_name=list.value if list else None,
            statuses=[s.value for s in statuses or []],
            tenant_key=tenant_key,
            first=first,
            after=after,
        )
        today = ctx.today()
        return connection([RenewalType.of(r, today) for r in rows], page, total, cursors)

    @strawberry.field(description="SALES_REP: the caller's assigned renewals counted by list.")
    async def assigned_renewal_counts(
        self, info: Info[Context, None], tenant_key: str | None = None
    ) -> AssignedRenewalCounts:
        counts = await svc.assigned_counts(info.context, self.scope, tenant_key=tenant_key)
        return AssignedRenewalCounts(pending=counts["PENDING"], history=counts["HISTORY"], future=counts["FUTURE"])

    @strawberry.field(
        description="SALES_REP: multi-year requests (R-R12) on the caller's renewals awaiting a quote, oldest first."
    )
    async def multi_year_requests(
        self,
        info: Info[Context, None],
        tenant_key: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RenewalRequestType]:
        page = await svc.multi_year_queue(info.context, self.scope, tenant_key=tenant_key, first=first, after=after)
        return connection_of(RenewalRequestType.of, page)

    @strawberry.field(
        description="SALES_REP: assistance requests (R-R13) on the caller's renewals awaiting an answer, oldest first."
    )
    async def assistance_requests(
        self,
        info: Info[Context, None],
        tenant_key: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RenewalRequestType]:
        page = await svc.assistance_queue(info.context, self.scope, tenant_key=tenant_key, first=first, after=after)
        return connection_of(RenewalRequestType.of, page)
