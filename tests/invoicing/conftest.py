"""Helpers for invoicing tests: a Context bound to a tenant (as a resolver or event handler sees it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select

from core.app import principal_for_email
from core.context import Context
from core.models import Tenant
from core.rls import EVERY_TENANT  # the test's own inspection: every tenant (core/rls.py)


@asynccontextmanager
async def tenant_ctx(api: Any, email: str) -> AsyncIterator[Context]:
    """One committed transaction in ``email``'s tenant, with that person's Context."""
    state = api.state
    async with state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
        principal = await principal_for_email(state, session, email)
        tenant = (await session.execute(select(Tenant).where(Tenant.id == principal.tenant_id))).scalar_one()
        session.info["tenant_id"] = tenant.id
        yield await state.context_for(session, principal, tenant)


def renewal_payload(order: str = "ORD-1", amount: str = "1000.00", **over: Any) -> dict[str, Any]:
    payload = {
        "renewal_id": "R1",
        "support_number": "CSI-1",
        "order_number": order,
        "currency": "USD",
        "amount": amount,
        "payment_method": "INVOICE",
        "po_number": "PO-7",
        "billing_email": "fin@acme.com",
        "billing_name": "Acme Corp Accounts Payable",
        "billing_address": "1 Main St, Springfield",
        "quote_to_email": "tech@acme.com",
        "accepted_by": "tech@acme.com",
        "accepted_at": "2026-11-23T12:00:00+00:00",
        "country": "US",
        "lines": [{"product": "Database Enterprise Edition support", "product_family": "DATABASE", "amount": amount}],
    }
    payload.update(over)
    return payload


async def issue(
    api: Any, email: str = "fin@acme.com", order: str = "ORD-1", amount: str = "1000.00", **over: Any
) -> str:
    """Issue an invoice the way production does: a renewal.accepted event. Returns its number."""
    from plugins.invoicing.models import Invoice

    async with tenant_ctx(api, email) as ctx:
        await ctx.emit("renewal.accepted", renewal_payload(order, amount, **over))
        inv = (await ctx.session.execute(select(Invoice).where(Invoice.source_key == f"renewal:{order}"))).scalar_one()
        return inv.number
