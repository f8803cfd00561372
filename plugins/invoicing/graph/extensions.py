"""Fields invoicing adds to other modules' types (``TYPE_EXTENSIONS``), present only in the schema of
tenants that enable both modules and answering only for tenants that do (issue 22)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.context import Context
from core.ids import from_global_id
from plugins.invoicing.graph.loaders import OrderInvoices
from plugins.invoicing.graph.types import InvoiceType


@strawberry.type
class RenewalOrderInvoices:
    """Grafted onto the renewals plugin's ``RenewalOrder`` (``self`` is that object: its public ``id``)."""

    @strawberry.field(
        description="The invoices this order produced (R-I6: the support-renewal invoice, and any rebill of it, "
        "R-I20), oldest first. Needs invoice:view."
    )
    async def invoices(self, info: Info[Context, None]) -> list[InvoiceType]:
        ctx = info.context
        rows = await OrderInvoices.of(ctx).load(from_global_id(self.id, "RenewalOrder"))
        today = ctx.today()
        return [InvoiceType.of(i, today) for i in rows]
