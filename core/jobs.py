"""Jobs: idempotent units of scheduled work from every plugin, run by ``customer-center jobs run``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import is_postgres
from core.hookspecs import Job
from core.metrics import record_job_run
from core.models import JobRun, Tenant


@dataclass
class JobContext:
    state: Any

    @property
    def clock(self) -> Any:
        return self.state.clock

    @property
    def sessionmaker(self) -> Any:
        return self.state.sessionmaker

    async def tenants_with(self, plugin: str) -> list[Tenant]:
        """Tenants that enable ``plugin`` (jobs only act for them)."""
        async with self.sessionmaker() as session:
            tenants = (await session.execute(select(Tenant))).scalars().all()
        return [t for t in tenants if plugin in t.enabled_plugins]


async def claim_once(session: AsyncSession, job: str, unit_key: str, tenant_id: int | None, now: Any) -> bool:
    """Record that ``job`` handled ``unit_key``; False when it already had (so the caller skips).

    One ``INSERT … ON CONFLICT DO NOTHING`` in the caller's transaction: the claim commits or rolls
    back with the unit's work (an interrupted unit is done again on the next run), and a concurrent
    claimer of the same unit waits for the first one's outcome instead of failing. (A savepoint is
    not used: with pysqlite's transaction handling a SAVEPOINT opened before any write starts and
    RELEASE commits its own transaction, so the claim outlived a rolled-back unit on SQLite.)"""
    values = {"job": job, "unit_key": unit_key, "tenant_id": tenant_id, "created_at": now}
    if is_postgres(session):
        stmt = pg_insert(JobRun).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite_insert(JobRun).values(**values).on_conflict_do_nothing()
    result = await session.execute(stmt)
    return result.rowcount == 1


def all_jobs(state: Any) -> list[Job]:
    from core import webhooks
    from core.outbox import deliver_due

    async def deliver(ctx: JobContext) -> int:
        return await deliver_due(ctx.state)

    async def deliver_webhooks(ctx: JobContext) -> int:
        return await webhooks.deliver_due(ctx.state)

    jobs: list[Job] = []
    for result in state.plugins.pm.hook.cc_jobs():
        jobs.extend(result or [])
    jobs.append(Job("outbox.deliver", deliver, "Send due emails from the outbox over SMTP"))
    jobs.append(Job("webhooks.deliver", deliver_webhooks, "POST due webhook deliveries, signed, with retries"))
    return jobs


async def run_jobs(state: Any, only: str | None = None) -> dict[str, int]:
    """Run every job (or the one named) once; returns units of work done per job."""
    ctx = JobContext(state)
    done: dict[str, int] = {}
    for job in all_jobs(state):
        if only and job.name != only:
            continue
        try:
            done[job.name] = await job.run(ctx)
        except Exception:
            record_job_run(job.name, 0, failed=True)
            raise
        record_job_run(job.name, done[job.name])
    return done
