"""Invoicing composed with the other modules (issue 22): the invoices a renewal order produced, for the
``invoices`` field invoicing grafts onto the renewals plugin's ``RenewalOrder`` type. Reads the renewal
order through ``renewals.api`` only, and answers for tenants that enable invoicing (R-T3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import tuple_

from core.db import as_records, records
from core.queues import tenants_enabling
from plugins.invoicing.models import Invoice
from plugins.renewals import api as renewals

if TYPE_CHECKING:
    from core.context import Context

PLUGIN = "invoicing"


async def order_invoices(ctx: Context, order_ids: Sequence[int]) -> list[list[Any]]:
    """Each renewal order's invoices (read-only records): its own and their rebills (R-I20), by invoice
    date. Two statements for a page of orders (their numbers, then the invoices); ``invoice:view`` is the
    caller's to hold, as for the invoice list."""
    ctx.require("invoice", "view")
    refs = await renewals.order_refs(ctx.session, order_ids)
    billed = await tenants_enabling(ctx, [r.tenant_id for r in refs if r], PLUGIN)
    keys = list(dict.fromkeys((r.tenant_id, r.order_number) for r in refs if r and r.tenant_id in billed))
    by: dict[tuple[int, str], list[Any]] = {k: [] for k in keys}
    if keys:
        stmt = (
            records(Invoice)
            .where(tuple_(Invoice.tenant_id, Invoice.order_number).in_(keys))
            .order_by(Invoice.invoice_date, Invoice.id)
        )
        for inv in as_records(await ctx.session.execute(stmt)):
            by[(inv.tenant_id, inv.order_number)].append(inv)
    return [by.get((r.tenant_id, r.order_number), []) if r else [] for r in refs]
