"""Jobs: idempotent units of scheduled work from every plugin, run by ``customer-center jobs run``.

Jobs act for a date, not for the moment they happen to run. ``job_schedule`` records, per job, the
last date it ran for; a run processes every day after it up to today, oldest first, each with the
clock of that day (``AsOfClock``), so a schedule invoice whose bill date fell while cron was down is
issued dated its bill date and its due date does not slip. ``--as-of DATE`` runs one given date.
Each unit of work is still claimed once (``claim_once``), so days run twice, or two hosts running
the same days at once, do each unit once. A failing day stops that job's later days (they run on
the next attempt, in order); the other jobs still run. Undated jobs (``Job.dated`` False: the
outbox, webhooks, gateway polling) run once per run at the real time. docs/operations.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import AsOfClock
from core.db import is_postgres
from core.hookspecs import Job
from core.logs import get_logger
from core.metrics import record_job_run
from core.models import JobRun, JobSchedule, Tenant
from core.rls import set_scope

log = get_logger("customer_center.jobs")


@dataclass
class JobContext:
    state: Any
    as_of: date | None = None  # the date the job runs for (None: the clock's today)

    @property
    def clock(self) -> Any:
        return AsOfClock(self.as_of, self.state.clock) if self.as_of is not None else self.state.clock

    @property
    def sessionmaker(self) -> Any:
        return self.state.sessionmaker

    @asynccontextmanager
    async def unit(self, *tenant_ids: int) -> AsyncIterator[AsyncSession]:
        """One unit of work's transaction, not bound to a tenant (queries name theirs) and scoped by
        row-level security to the tenants it acts for (core/rls.py): a reseller's statement for a
        customer reads the customer's figures and writes to the reseller's admins."""
        async with self.sessionmaker() as session:
            await set_scope(session, tenant_ids)
            async with session.begin():
                yield session

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
    jobs.append(Job("outbox.deliver", deliver, "Send due emails from the outbox over SMTP", dated=False))
    jobs.append(
        Job("webhooks.deliver", deliver_webhooks, "POST due webhook deliveries, signed, with retries", dated=False)
    )
    return jobs


class AsOfRefused(ValueError):
    """``as_of`` is not a date the jobs may run for (a date after today)."""


def days_to_run(last: date | None, today: date, max_days: int) -> list[date]:
    """The dates a dated job runs for: every day after ``last`` up to ``today`` (today alone on the
    first run, or when it already ran for today or later), at most the last ``max_days`` of them."""
    if last is None or last >= today:
        return [today]
    first = max(last + timedelta(days=1), today - timedelta(days=max(1, max_days) - 1))
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


async def _last_dates(state: Any) -> dict[str, date | None]:
    async with state.sessionmaker() as session:
        rows = (await session.execute(select(JobSchedule.job, JobSchedule.last_date))).all()
    return dict(rows)


async def _record(state: Any, job: str, day: date | None, *, failed: bool) -> None:
    """Count the run and, for a dated job that succeeded, move its last date forward (never back:
    a concurrent run on another host may already be further)."""
    values = {"job": job, "last_outcome": "", "runs": 0, "failures": 0}
    async with state.sessionmaker() as session, session.begin():
        insert = pg_insert if is_postgres(session) else sqlite_insert
        await session.execute(insert(JobSchedule).values(**values).on_conflict_do_nothing())
        changes: dict[str, Any] = {
            "runs": JobSchedule.runs + 1,
            "last_run_at": state.clock.now(),
            "last_outcome": "FAILED" if failed else "OK",
        }
        if failed:
            changes["failures"] = JobSchedule.failures + 1
        await session.execute(update(JobSchedule).where(JobSchedule.job == job).values(**changes))
        if day is not None and not failed:
            await session.execute(
                update(JobSchedule)
                .where(JobSchedule.job == job, or_(JobSchedule.last_date.is_(None), JobSchedule.last_date < day))
                .values(last_date=day)
            )


async def run_jobs(state: Any, only: str | None = None, as_of: date | None = None) -> dict[str, int]:
    """Run every job (or the one named): dated jobs for each day since their last run (or for
    ``as_of`` alone), undated ones once. Returns the units of work done per job. When a job
    raises, the other jobs still run and the first exception is raised at the end."""
    today = state.clock.today()
    if as_of is not None and as_of > today:
        raise AsOfRefused(f"--as-of {as_of.isoformat()} is after today ({today.isoformat()}): jobs do not run ahead")
    last = await _last_dates(state) if as_of is None else {}
    done: dict[str, int] = {}
    first_error: BaseException | None = None
    for job in all_jobs(state):
        if only and job.name != only:
            continue
        days: list[date | None] = [None]
        if job.dated:
            days = [as_of] if as_of is not None else days_to_run(last.get(job.name), today, max_days(state))
        done[job.name] = 0
        for day in days:
            try:
                units = await job.run(JobContext(state, as_of=day))
            except Exception as exc:
                log.error("job failed", job=job.name, as_of=day.isoformat() if day else None, exc_info=exc)
                record_job_run(job.name, 0, failed=True)
                await _record(state, job.name, day, failed=True)
                first_error = first_error or exc
                break  # later days wait: they run in order once this one succeeds
            done[job.name] += units
            record_job_run(job.name, units)
            await _record(state, job.name, day, failed=False)
            if day is not None and len(days) > 1:
                log.info("job caught up", job=job.name, as_of=day.isoformat(), units=units)
    if first_error is not None:
        raise first_error
    return done


def max_days(state: Any) -> int:
    return int(getattr(state.settings, "jobs_max_catch_up_days", 31))
