"""Fields renewals adds to other modules' types (``TYPE_EXTENSIONS``), present only in the schema of
tenants that enable both modules and answering only for tenants that do (issue 22)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.context import Context
from core.ids import from_global_id
from plugins.renewals.graph.loaders import InvoiceRenewals
from plugins.renewals.graph.types import RenewalType


@strawberry.type
class InvoiceRenewal:
    """Grafted onto the invoicing plugin's ``Invoice`` (``self`` is that object: its public ``id``)."""

    @strawberry.field(
        description="The support renewal this invoice bills (its order's renewal), when the viewer may see it "
        "(R-S2); null for other invoices."
    )
    async def renewal(self, info: Info[Context, None]) -> RenewalType | None:
        ctx = info.context
        row = await InvoiceRenewals.of(ctx).load(from_global_id(self.id, "Invoice"))
        return RenewalType.of(row, ctx.today()) if row else None
