"""Rewards jobs: month-end accrual (R-W3) and expiry (R-W5). Both are idempotent."""

from __future__ import annotations

from core.db import tenant_session
from core.hookspecs import Job
from core.jobs import JobContext, claim_once
from plugins.rewards import service


async def accrue(ctx: JobContext) -> int:
    """R-W3: deposit the last completed month's rewards, one lot per subscription. Running it
    again for the same month deposits nothing more (claim per tenant-month plus a unique lot key)."""
    period = service.previous_month(ctx.clock.today())
    done = 0
    for tenant in await ctx.tenants_with("rewards"):
        async with tenant_session(ctx.sessionmaker, tenant.id) as session:
            unit = f"{tenant.id}:{period:%Y-%m}"
            if not await claim_once(session, "rewards.accrue", unit, tenant.id, ctx.clock.now()):
                continue
            done += await service.accrue_month(session, tenant.id, period, ctx.clock.now())
    return done


async def expire(ctx: JobContext) -> int:
    """R-W5: expire every lot whose expiry date has come (no extension, no reactivation)."""
    done = 0
    for tenant in await ctx.tenants_with("rewards"):
        async with tenant_session(ctx.sessionmaker, tenant.id) as session:
            done += await service.expire_lots(session, tenant.id, ctx.clock.today(), ctx.clock.now())
    return done


JOBS = [
    Job("rewards.accrue", accrue, "Deposit last month's support rewards per cloud subscription (R-W3)"),
    Job("rewards.expire", expire, "Expire reward lots 12 months after deposit (R-W5)"),
]
