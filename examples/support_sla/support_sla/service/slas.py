"""SLA-2, SLA-3: SLAs per renewal, set by a tenant admin on a renewal they can see; activated when the
renewal is accepted."""

from __future__ import annotations

from typing import Any

from core.sdk import Context, Loader, by_key, module_api, object_roles
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from support_sla.api import SLA_SET
from support_sla.models import SupportSla
from support_sla.service.rules import DEFAULT_LEVEL, LEVELS, OBJECT, level_of, support_number_of


async def slas_by_number(session: AsyncSession, numbers: list[str]) -> list[SupportSla | None]:
    rows = (await session.execute(select(SupportSla).where(SupportSla.support_number.in_(numbers)))).scalars()
    return by_key(list(rows), numbers, lambda r: r.support_number)


class SlasByNumber(Loader[str, SupportSla | None]):
    """The SLAs of a page's renewals in one query, however long the page."""

    async def batch_load(self, keys: list[str]) -> list[SupportSla | None]:
        return await slas_by_number(self.ctx.session, list(keys))


async def sla_of(ctx: Context, support_number: str) -> SupportSla | None:
    """The SLA of one renewal, or None (anyone of the tenant may view it)."""
    ctx.require(OBJECT, "view")
    return await SlasByNumber.of(ctx).load(support_number)


async def set_sla(ctx: Context, support_number: str, level: str) -> SupportSla:
    """SLA-2: a tenant admin sets the SLA of a renewal they can see (NOT_FOUND otherwise)."""
    ctx.require_tenant()
    ctx.require(OBJECT, "manage")
    number = support_number_of(support_number)
    name, hours = level_of(level)
    await object_roles(ctx, "renewal", number)  # the renewals module answers: NOT_FOUND if not visible
    row = (await slas_by_number(ctx.session, [number]))[0]
    if row is None:
        row = SupportSla(support_number=number, level=name, response_hours=hours)
        ctx.session.add(row)
    row.level, row.response_hours = name, hours
    row.set_by, row.updated_at = ctx.principal.email, ctx.now()
    await ctx.session.flush()
    payload = {"support_number": number, "level": name, "response_hours": hours, "set_by": ctx.principal.email}
    await ctx.emit(SLA_SET, payload)
    return row


async def missing_count(ctx: Context) -> int:
    """How many of the tenant's pending renewals have no SLA yet (the renewals module's public API)."""
    ctx.require_tenant()
    ctx.require(OBJECT, "view")
    have = list((await ctx.session.execute(select(SupportSla.support_number))).scalars())
    renewals = module_api("renewals")
    return await renewals.count_renewals(ctx.session, ctx.tenant_id, ctx.today(), list_name="PENDING", excluding=have)


async def activate(ctx: Context, payload: dict[str, Any]) -> SupportSla:
    """SLA-3: on ``renewal.accepted`` the renewal's SLA (or a new DEFAULT_LEVEL one) becomes active
    from the acceptance, with its order number. Idempotent: a second delivery changes nothing."""
    number = str(payload["support_number"])
    row = (await slas_by_number(ctx.session, [number]))[0]
    if row is None:
        row = SupportSla(support_number=number, level=DEFAULT_LEVEL, response_hours=LEVELS[DEFAULT_LEVEL])
        row.set_by, row.updated_at = str(payload["accepted_by"]), ctx.now()
        ctx.session.add(row)
    if row.active_from is None:
        row.order_number = str(payload["order_number"])
        row.active_from = ctx.now()
    await ctx.session.flush()
    return row
