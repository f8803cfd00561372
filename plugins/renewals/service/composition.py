"""Renewals composed with the other modules (issue 22): the renewal an invoice bills, for the ``renewal``
field renewals grafts onto the invoicing plugin's ``Invoice`` type. Reads the invoice through
``invoicing.api`` only; answers for tenants that enable renewals (R-T3) and renewals the caller may
see (R-S2: quote-to, shares; a sales rep's assignment)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, tuple_

from core.db import as_records, record_columns
from core.queues import tenants_enabling
from plugins.invoicing import api as invoicing
from plugins.renewals.models import Renewal, RenewalOrder
from plugins.renewals.service.visibility import visibility

if TYPE_CHECKING:
    from core.context import Context

PLUGIN = "renewals"


async def renewals_of_invoices(ctx: Context, invoice_ids: Sequence[int]) -> list[Any | None]:
    """Each invoice's renewal (a read-only record): the one whose order the invoice bills, when the
    caller may see it. Two statements for a page of invoices."""
    refs = await invoicing.invoice_orders(ctx.session, invoice_ids)
    enabled = await tenants_enabling(ctx, [r[0] for r in refs if r], PLUGIN)
    keys = list(dict.fromkeys(r for r in refs if r and r[1] and r[0] in enabled))
    found: dict[tuple[int, str], Any] = {}
    if keys:
        stmt = (
            select(*record_columns(Renewal), RenewalOrder.order_number.label("billed_order_number"))
            .join(RenewalOrder, RenewalOrder.id == Renewal.order_id)
            .where(tuple_(Renewal.tenant_id, RenewalOrder.order_number).in_(keys), visibility(ctx, "view"))
            .order_by(Renewal.support_number)
        )
        for r in as_records(await ctx.session.execute(stmt)):
            found.setdefault((r.tenant_id, r.billed_order_number), r)
    return [found.get(r) if r else None for r in refs]
