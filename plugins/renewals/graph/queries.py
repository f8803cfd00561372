"""Renewals root query fields: each translates its arguments into a service call."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.context import Context
from core.pagination import Connection, connection, connection_of, selects_node_field
from plugins.renewals import service as svc
from plugins.renewals.graph.inputs import RenewalFilter, RenewalSort, list_filters
from plugins.renewals.graph.loaders import RenewalLines
from plugins.renewals.graph.types import (
    CartType,
    RenewalDashboard,
    RenewalDownloads,
    RenewalLineType,
    RenewalList,
    RenewalOrderType,
    RenewalType,
    SortDirection,
)

# ------------------------------------------------------------------------------------ root fields


@strawberry.type
class Query:
    @strawberry.field(description="Renewals of one list (R-R1) with filters and stable sorting.")
    async def renewals(
        self,
        info: Info[Context, None],
        list: RenewalList = RenewalList.PENDING,
        filter: RenewalFilter | None = None,
        sort: RenewalSort | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RenewalType]:
        ctx = info.context
        sort = sort or RenewalSort()
        rows, page, total, cursors = await svc.renewal_page(
            ctx,
            list_filters(list, filter),
            sort=sort.field.value,
            descending=sort.direction == SortDirection.DESC,
            first=first,
            after=after,
        )
        today = ctx.today()
        nodes = [RenewalType.of(r, today) for r in rows]
        if selects_node_field(info, "lines"):
            loaded = await RenewalLines.of(ctx).load_many([n.row.id for n in nodes])
            for node, lines in zip(nodes, loaded, strict=True):
                node.page_lines = [RenewalLineType.of(x, node.currency) for x in lines]
        return connection(nodes, page, total, cursors)

    @strawberry.field(description="Renewal detail by support number (R-R3).")
    async def renewal(self, info: Info[Context, None], support_number: str) -> RenewalType:
        ctx = info.context
        renewal = await svc.authorize(ctx, support_number, "view")
        return RenewalType.of(renewal, ctx.today())

    @strawberry.field(description="Download links for the current list and filters (R-R18…R-R20).")
    async def renewal_downloads(
        self, info: Info[Context, None], list: RenewalList = RenewalList.PENDING, filter: RenewalFilter | None = None
    ) -> RenewalDownloads:
        links = svc.download_links(info.context, list_filters(list, filter))
        return RenewalDownloads(
            standard_csv_url=links.standard_csv_url,
            summary_report_url=links.summary_report_url,
            detailed_report_url=links.detailed_report_url,
        )

    @strawberry.field(description="The viewer's active cart (R-R17).")
    async def active_cart(self, info: Info[Context, None]) -> CartType | None:
        cart = await svc.active_cart(info.context)
        return CartType.of(cart) if cart else None

    @strawberry.field(description="The viewer's saved carts (R-R17).")
    async def saved_carts(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[CartType]:
        return connection_of(CartType.of, await svc.saved_cart_page(info.context, first=first, after=after))

    @strawberry.field(description="Renewal numbers for the dashboard (R-R22).")
    async def renewal_dashboard(self, info: Info[Context, None]) -> RenewalDashboard:
        ctx = info.context
        counts = await svc.dashboard_counts(ctx)
        cart = await svc.active_cart(ctx)
        return RenewalDashboard(
            pending_count=counts["pending"],
            history_count=counts["history"],
            future_count=counts["future"],
            shared_count=counts["shared"],
            saved_carts=[CartType.of(c) for c in await svc.saved_carts(ctx)],
            active_cart=CartType.of(cart) if cart else None,
            orders=[RenewalOrderType.of(o) for o in await svc.recent_orders(ctx)],
        )

    @strawberry.field(description="An order confirmation by order number (R-R5).")
    async def renewal_order(self, info: Info[Context, None], order_number: str) -> RenewalOrderType:
        return RenewalOrderType.of(await svc.order_by_number(info.context, order_number))
