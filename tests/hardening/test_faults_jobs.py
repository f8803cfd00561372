"""Faults in background work (issue 9): the SMTP server is down (emails stay in the outbox and are
retried with backoff, none lost, none sent twice when it is back), two deliverers race, a
deliverer dies mid-send, and a job interrupted halfway is run again (``claim_once`` units)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiosmtplib
import pytest
from sqlalchemy import func, select

from core.hookspecs import Job
from core.jobs import JobContext, claim_once
from core.models import JobRun, Message, OutboxEmail, Tenant
from core.outbox import CLAIM_LEASE
from core.rls import EVERY_TENANT  # the test's own inspection: every tenant (core/rls.py)
from tests.pg import free_port

INVITE = "mutation($e: String!) { inviteUser(input: {email: $e}) { email } }"
NEW = ["n1@acme.com", "n2@acme.com", "n3@acme.com"]


async def invite_all(api, emails=NEW) -> None:
    for e in emails:
        await api.ok(INVITE, {"e": e}, as_="admin@acme.com")


async def outbox(api) -> dict[str, tuple]:
    async with api.state.sessionmaker(info=EVERY_TENANT) as session:
        rows = (await session.execute(select(OutboxEmail))).scalars().all()
    return {r.to_addr: (r.status, r.attempts, r.next_attempt_at, r.last_error) for r in rows}


def delivered(smtp, addr: str) -> int:
    return len(smtp.to(addr))


async def test_smtp_down_then_back_nothing_lost_nothing_twice(two_tenants, smtp):
    api = two_tenants
    await invite_all(api)
    right_port = api.state.settings.smtp_port
    api.state.settings.smtp_port = free_port()  # nothing listens there: the server is "down"
    assert await api.run_jobs("outbox.deliver") == {"outbox.deliver": 0}
    box = await outbox(api)
    assert all(status == "PENDING" for status, *_ in box.values())
    # the first email recorded the failure and backs off; the run stopped there (server down)
    status, attempts, next_at, error = box["n1@acme.com"]
    assert attempts == 1 and error
    assert next_at == (api.clock.now() + timedelta(seconds=1))
    assert box["n2@acme.com"][1] == 0 and box["n3@acme.com"][1] == 0
    await api.run_jobs("outbox.deliver")  # n1 is not due yet; n2 is tried and fails
    box = await outbox(api)
    assert box["n1@acme.com"][1] == 1 and box["n2@acme.com"][1] == 1
    api.state.settings.smtp_port = right_port
    api.clock.advance(seconds=1)
    assert await api.run_jobs("outbox.deliver") == {"outbox.deliver": 3}
    assert {e: delivered(smtp, e) for e in NEW} == {e: 1 for e in NEW}
    box = await outbox(api)
    assert {status for status, *_ in box.values()} == {"SENT"}
    api.clock.advance(hours=5)
    assert await api.run_jobs("outbox.deliver") == {"outbox.deliver": 0}
    assert {e: delivered(smtp, e) for e in NEW} == {e: 1 for e in NEW}


async def test_backoff_doubles_then_gives_up(two_tenants, smtp):
    api = two_tenants
    api.state.settings.outbox_max_attempts = 4
    await invite_all(api, ["solo@acme.com"])
    right_port = api.state.settings.smtp_port
    api.state.settings.smtp_port = free_port()
    waits = []
    for _ in range(4):
        await api.run_jobs("outbox.deliver")
        status, attempts, next_at, _ = (await outbox(api))["solo@acme.com"]
        waits.append((next_at - api.clock.now()).total_seconds())
        api.clock.advance(seconds=waits[-1] - 0.5)
        await api.run_jobs("outbox.deliver")  # not due yet: no attempt
        assert (await outbox(api))["solo@acme.com"][1] == attempts
        api.clock.advance(seconds=0.5)
    assert waits == [1, 2, 4, 8]
    assert status == "FAILED"  # after outbox_max_attempts; kept with its last error for operators
    api.state.settings.smtp_port = right_port
    await api.run_jobs("outbox.deliver")
    assert delivered(smtp, "solo@acme.com") == 0


async def test_two_deliverers_at_once_send_each_email_once(two_tenants, smtp):
    api = two_tenants
    emails = [f"p{i}@acme.com" for i in range(8)]
    await invite_all(api, emails)
    results = await asyncio.gather(*(api.run_jobs("outbox.deliver") for _ in range(3)))
    assert sum(r["outbox.deliver"] for r in results) == 8
    assert {e: delivered(smtp, e) for e in emails} == {e: 1 for e in emails}


async def test_deliverer_dying_mid_send_resends_after_the_lease_with_the_same_message_id(
    two_tenants, smtp, monkeypatch
):
    api = two_tenants
    await invite_all(api, ["crash@acme.com", "after@acme.com"])
    real_send = aiosmtplib.send

    async def send_then_die(msg, **kw):
        await real_send(msg, **kw)
        raise asyncio.CancelledError  # the process is killed after the server accepted the message

    monkeypatch.setattr(aiosmtplib, "send", send_then_die)
    with pytest.raises(asyncio.CancelledError):
        await api.run_jobs("outbox.deliver")
    monkeypatch.setattr(aiosmtplib, "send", real_send)
    box = await outbox(api)
    assert box["crash@acme.com"][0] == "SENDING" and box["after@acme.com"][0] == "PENDING"
    await api.run_jobs("outbox.deliver")  # the claim still holds: only the other email goes
    assert delivered(smtp, "crash@acme.com") == 1 and delivered(smtp, "after@acme.com") == 1
    api.clock.advance(seconds=CLAIM_LEASE.total_seconds())
    await api.run_jobs("outbox.deliver")  # lease expired: at-least-once, with the same Message-ID
    copies = smtp.to("crash@acme.com")
    assert len(copies) == 2 and copies[0]["Message-ID"] == copies[1]["Message-ID"]
    assert (await outbox(api))["crash@acme.com"][0] == "SENT"
    api.clock.advance(hours=1)
    await api.run_jobs("outbox.deliver")
    assert len(smtp.to("crash@acme.com")) == 2 and delivered(smtp, "after@acme.com") == 1


# ------------------------------------------------------------------------------ interrupted jobs
class Boom(Exception):
    pass


def unit_job(fail_at: int | None, per_unit_tx: bool = True) -> Job:
    """A job posting one message-center entry per (tenant, person), each claimed once; it can be
    made to crash at the ``fail_at``-th unit, as a killed process would."""

    async def run(ctx: JobContext) -> int:
        done = 0
        async with ctx.sessionmaker(info=EVERY_TENANT) as session:
            tenants = (await session.execute(select(Tenant).order_by(Tenant.id))).scalars().all()
            people = [(t.id, f"{p}@{t.key}.com") for t in tenants for p in ("fin", "tech", "admin")]

        async def one(session, tenant_id: int, email: str) -> None:
            nonlocal done
            if not await claim_once(session, "test.notify", f"{tenant_id}:{email}", tenant_id, ctx.clock.now()):
                return
            done += 1
            if fail_at is not None and done == fail_at:
                raise Boom
            session.add(
                Message(
                    tenant_id=tenant_id,
                    person_email=email,
                    kind="test",
                    subject="s",
                    body="b",
                    created_at=ctx.clock.now(),
                )
            )

        if per_unit_tx:
            for tenant_id, email in people:
                async with ctx.unit(tenant_id) as session:  # each unit in its tenant's scope
                    await one(session, tenant_id, email)
        else:
            async with ctx.sessionmaker(info=EVERY_TENANT) as session, session.begin():
                for tenant_id, email in people:
                    await one(session, tenant_id, email)
        return done

    return Job("test.notify", run)


@pytest.mark.parametrize("per_unit_tx", [True, False], ids=["unit-per-transaction", "one-transaction"])
async def test_job_interrupted_halfway_then_rerun_does_each_unit_once(two_tenants, per_unit_tx):
    api = two_tenants
    ctx = JobContext(api.state)
    with pytest.raises(Boom):
        await unit_job(fail_at=4, per_unit_tx=per_unit_tx).run(ctx)
    async with api.state.sessionmaker(info=EVERY_TENANT) as session:
        claimed = (
            await session.execute(select(func.count()).select_from(JobRun).where(JobRun.job == "test.notify"))
        ).scalar_one()
        posted = (await session.execute(select(func.count()).select_from(Message))).scalar_one()
    # per unit: the 3 units before the crash are done and claimed; the crashed one left nothing
    assert (claimed, posted) == ((3, 3) if per_unit_tx else (0, 0))
    assert await unit_job(fail_at=None, per_unit_tx=per_unit_tx).run(ctx) == (3 if per_unit_tx else 6)
    assert await unit_job(fail_at=None, per_unit_tx=per_unit_tx).run(ctx) == 0  # a third run: nothing
    rows = await api.sql("select tenant_id, person_email, count(*) from messages group by tenant_id, person_email")
    assert len(rows) == 6 and all(r[2] == 1 for r in rows)


async def test_concurrent_runs_of_a_job_claim_each_unit_once(two_tenants):
    api = two_tenants
    ctx = JobContext(api.state)
    results = await asyncio.gather(*(unit_job(None).run(ctx) for _ in range(4)), return_exceptions=True)
    assert all(not isinstance(r, BaseException) for r in results), results
    assert sum(results) == 6
    rows = await api.sql("select person_email, count(*) from messages group by person_email")
    assert sorted(r[1] for r in rows) == [1] * 6


# ------------------------------------------------------------------ a real module job, interrupted
async def test_renewal_reminder_job_killed_halfway_then_rerun_sends_each_reminder_once(two_tenants, smtp, monkeypatch):
    """R-R2 reminders through the renewals job: the job dies while queueing the second reminder (as
    a killed worker would); the next run leaves exactly one reminder per renewal, delivered once."""
    from core.context import Context
    from tests.renewals.helpers import load, renewal

    api = two_tenants
    await load(api, *[renewal(f"RM-{i}", 100 + i) for i in range(3)], renewal("RM-G", 100, tenant="globex"))
    real = Context.send_email
    calls = {"n": 0}

    def dying(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Boom
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Context, "send_email", dying)
    with pytest.raises(Boom):
        await api.run_jobs("renewals.reminders")
    monkeypatch.setattr(Context, "send_email", real)
    first = await api.sql("select count(*) from outbox_emails where kind = 'renewal.reminder'")
    claimed = await api.sql("select count(*) from job_runs where job = 'renewals.reminders'")
    assert first[0][0] == claimed[0][0]  # claims and emails went together (committed or not at all)
    await api.run_jobs("renewals.reminders")
    await api.run_jobs("renewals.reminders")
    rows = await api.sql(
        "select count(*), count(distinct to_addr || subject) from outbox_emails where kind = 'renewal.reminder'"
    )
    assert tuple(rows[0]) == (4, 4)
    await api.run_jobs("outbox.deliver")
    await api.run_jobs("outbox.deliver")
    assert sum("RM-" in (m["Subject"] or "") for m in smtp.messages) == 4
