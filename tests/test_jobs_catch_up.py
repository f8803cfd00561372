"""Jobs act for the date they are for (issue 20): a run catches up every missed day in order with the
clock of that day, ``--as-of`` runs one date, a failing day holds back the later ones; and the
server's clock can be set outside production (``CC_CLOCK``)."""

from __future__ import annotations

import types
from datetime import UTC, date, datetime, timedelta

import pytest
from typer.testing import CliRunner

from core.app import create_state
from core.cli import app as cli
from core.cli import serving_refusals, serving_warnings
from core.clock import AsOfClock, FixedClock, OffsetClock, SystemClock, clock_from_setting
from core.hookspecs import HOOK_VERSION, Job, PluginManifest, hookimpl
from core.jobs import AsOfRefused, JobContext, days_to_run, run_jobs
from core.settings import Settings
from tests.conftest import ACME, Api, make_api

ISSUE = "invoicing.issue_invoices"
INVOICES = "{ invoices(first: 10) { nodes { invoiceDate dueDate preTaxTotal { amount } } } }"


def subscription(number: str, start: str, amount: str) -> dict:
    product = {"key": "DB", "orderNumber": "O-1", "product": "DB", "amount": amount, "provisionedOn": start}
    return {
        "tenant": "acme",
        "number": number,
        "currency": "USD",
        "country": "US",
        "frequency": "ANNUAL_ADVANCE",
        "startDate": start,
        "endDate": (date.fromisoformat(start) + timedelta(days=364)).isoformat(),
        "billingEmail": "fin@acme.com",
        "products": [product],
    }


async def invoice_dates(api: Api) -> dict[str, tuple[str, str]]:
    nodes = (await api.ok(INVOICES, as_="fin@acme.com"))["invoices"]["nodes"]
    return {n["preTaxTotal"]["amount"]: (n["invoiceDate"], n["dueDate"]) for n in nodes}


# ------------------------------------------------------------------------------------ the days
@pytest.mark.parametrize(
    ("last", "today", "expected"),
    [
        (None, date(2026, 1, 3), [date(2026, 1, 3)]),  # first run: today only
        (date(2026, 1, 3), date(2026, 1, 3), [date(2026, 1, 3)]),  # again today (idempotent)
        (date(2026, 1, 5), date(2026, 1, 3), [date(2026, 1, 3)]),  # the clock went back
        (date(2026, 1, 2), date(2026, 1, 3), [date(2026, 1, 3)]),  # ran yesterday: today
        (date(2025, 12, 31), date(2026, 1, 3), [date(2026, 1, d) for d in (1, 2, 3)]),  # missed three days
        (date(2025, 1, 1), date(2026, 1, 3), [date(2026, 1, 2), date(2026, 1, 3)]),  # capped at 2
    ],
)
def test_days_to_run(last, today, expected):
    assert days_to_run(last, today, 2 if last == date(2025, 1, 1) else 62) == expected


def test_as_of_clock_is_that_day_at_the_real_time_of_day():
    base = FixedClock(datetime(2026, 1, 3, 9, 30, tzinfo=UTC))
    assert AsOfClock(date(2026, 1, 1), base).now() == datetime(2026, 1, 1, 9, 30, tzinfo=UTC)
    assert AsOfClock(date(2026, 1, 1), base).today() == date(2026, 1, 1)
    assert AsOfClock(date(2026, 1, 3), base).now() == base.now()


# ---------------------------------------------------------------------------------- catching up
async def test_schedule_invoices_missed_for_three_days_are_dated_their_bill_dates(two_tenants: Api) -> None:
    """R-I8: an invoice is issued on its bill date; when the job did not run, catching up dates it
    there anyway, so its due date does not slip by the days the job missed."""
    api = two_tenants
    await api.load(
        {"subscriptions": [subscription("S-1", "2026-01-01", "100.00"), subscription("S-2", "2026-01-02", "200.00")]}
    )
    api.clock.set(datetime(2025, 12, 31, 9, tzinfo=UTC))
    assert (await api.run_jobs(ISSUE))[ISSUE] == 0
    api.clock.set(datetime(2026, 1, 3, 9, tzinfo=UTC))  # cron was down on the 1st and the 2nd
    assert (await api.run_jobs(ISSUE))[ISSUE] == 2
    dates = await invoice_dates(api)
    assert [d[0] for d in (dates["100.00"], dates["200.00"])] == ["2026-01-01", "2026-01-02"]
    one, two = (date.fromisoformat(dates[k][1]) - date.fromisoformat(dates[k][0]) for k in ("100.00", "200.00"))
    assert one == two  # the same payment terms from each invoice's own date
    assert (await api.run_jobs(ISSUE))[ISSUE] == 0  # and nothing twice
    rows = await api.sql("select last_date, runs, last_outcome from job_schedule where job = :j", j=ISSUE)
    assert [(str(rows[0][0]), rows[0][1], rows[0][2])] == [("2026-01-03", 5, "OK")]  # 1 + 3 days + 1


async def test_as_of_runs_one_given_date_and_never_ahead(two_tenants: Api) -> None:
    api = two_tenants
    await api.load({"subscriptions": [subscription("S-1", "2026-01-01", "100.00")]})
    api.clock.set(datetime(2026, 1, 10, 9, tzinfo=UTC))
    with pytest.raises(AsOfRefused):
        await run_jobs(api.state, ISSUE, as_of=date(2026, 1, 11))
    assert (await run_jobs(api.state, ISSUE, as_of=date(2025, 12, 31)))[ISSUE] == 0  # before the bill date
    assert (await run_jobs(api.state, ISSUE, as_of=date(2026, 1, 1)))[ISSUE] == 1
    assert (await invoice_dates(api))["100.00"][0] == "2026-01-01"
    assert (await run_jobs(api.state, ISSUE, as_of=date(2026, 1, 1)))[ISSUE] == 0


def _flaky_plugin(fail_on: set[date], seen: list[date]) -> types.ModuleType:
    async def run(ctx: JobContext) -> int:
        day = ctx.clock.today()
        if day in fail_on:
            raise RuntimeError(f"down on {day}")
        seen.append(day)
        return 1

    plugin = types.ModuleType("flaky")
    plugin.MANIFEST = PluginManifest("flaky", "A dated job that fails on given days (test)", HOOK_VERSION)
    plugin.cc_jobs = hookimpl(lambda: [Job("flaky.daily", run, "test")])
    return plugin


async def test_a_failing_day_holds_back_the_later_days_and_other_jobs_still_run(templates, smtp_server) -> None:
    fail_on: set[date] = {date(2026, 1, 2)}
    seen: list[date] = []
    controller, _ = smtp_server
    api, client = await make_api("sqlite", templates, controller.port, extra_plugins=[_flaky_plugin(fail_on, seen)])
    try:
        await api.load({"tenants": [ACME]})
        api.clock.set(datetime(2025, 12, 31, 9, tzinfo=UTC))
        await run_jobs(api.state, "flaky.daily")
        api.clock.set(datetime(2026, 1, 3, 9, tzinfo=UTC))
        with pytest.raises(RuntimeError, match="down on 2026-01-02"):
            await run_jobs(api.state)  # every job: the others run despite the failure
        assert seen == [date(2025, 12, 31), date(2026, 1, 1)]
        rows = await api.sql("select job, last_date, last_outcome, failures from job_schedule order by job")
        by_job = {r[0]: (str(r[1]) if r[1] else None, r[2], r[3]) for r in rows}
        assert by_job["flaky.daily"] == ("2026-01-01", "FAILED", 1)
        assert by_job["outbox.deliver"][1] == "OK" and by_job[ISSUE] == ("2026-01-03", "OK", 0)
        fail_on.clear()
        assert (await run_jobs(api.state, "flaky.daily")) == {"flaky.daily": 2}
        assert seen[2:] == [date(2026, 1, 2), date(2026, 1, 3)]  # in order, from the failed day
    finally:
        await client.aclose()
        await api.state.engine.dispose()


def test_jobs_run_command_as_of(tmp_path, monkeypatch) -> None:
    from core.settings import get_settings

    runner = CliRunner()
    url = f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}"
    monkeypatch.setenv("CC_CLOCK", "2026-03-01T09:00:00Z")
    try:
        assert runner.invoke(cli, ["db", "upgrade", "--database-url", url]).exit_code == 0
        done = runner.invoke(cli, ["jobs", "run", "--as-of", "2026-02-27", "--database-url", url])
        assert done.exit_code == 0, done.output
        assert f"{ISSUE}: 0" in done.output
        for bad, message in (("2026-13-01", "expected a date"), ("2026-03-02", "after today")):
            refused = runner.invoke(cli, ["jobs", "run", "--as-of", bad, "--database-url", url])
            assert refused.exit_code == 2 and message in refused.output, refused.output
    finally:
        get_settings.cache_clear()


# ----------------------------------------------------------------------------------- the clock
def test_clock_setting_frozen_offset_or_refused_input():
    frozen = clock_from_setting("2026-03-01T09:00:00Z")
    assert isinstance(frozen, FixedClock) and frozen.now() == datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert clock_from_setting("2026-03-01").today() == date(2026, 3, 1)
    assert clock_from_setting("2026-03-01T09:00:00").now().tzinfo is not None  # naive means UTC
    assert isinstance(clock_from_setting(""), SystemClock)
    ahead = clock_from_setting("+45d")
    assert isinstance(ahead, OffsetClock) and ahead.offset == timedelta(days=45)
    assert clock_from_setting("-1d12h").offset == -timedelta(days=1, hours=12)
    assert abs((clock_from_setting("+2h").now() - SystemClock().now()) - timedelta(hours=2)) < timedelta(seconds=5)
    for bad in ("tomorrow", "+45", "45d", "2026-02-30"):
        with pytest.raises(ValueError, match="CC_CLOCK"):
            clock_from_setting(bad)


def test_the_clock_is_refused_in_production_unless_allowed(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    demo = Settings(database_url=url, clock="2026-03-01T09:00:00Z")
    assert create_state(demo).clock.today() == date(2026, 3, 1)
    assert any("CC_CLOCK" in w for w in serving_warnings(demo, 1)) and serving_refusals(demo, "127.0.0.1", 1) == []
    for production in (
        Settings(database_url=url, clock="+1d", environment="production"),
        Settings(database_url=url, clock="+1d", jwt_secret="a-private-secret-of-32-bytes-or-more!!"),
    ):
        with pytest.raises(RuntimeError, match="refusing CC_CLOCK"):
            create_state(production)
        assert any("refusing CC_CLOCK" in r for r in serving_refusals(production, "127.0.0.1", 1))
    staging = Settings(database_url=url, clock="+1d", environment="production", allow_clock_override=True)
    assert create_state(staging).clock.today() == date.today() + timedelta(days=1)
    assert Settings(database_url=url, environment="production").clock_refusal() is None  # no clock: fine


async def test_jobs_worker_runs_on_its_own_until_terminated(templates) -> None:
    """For deployments without cron: ``jobs worker`` repeats the run every interval; SIGTERM ends it."""
    import asyncio
    import os
    import signal
    import sys
    from pathlib import Path

    from sqlalchemy import text

    from core.db import make_engine
    from tests.conftest import fresh_database_url

    url = await fresh_database_url("sqlite", templates)
    worker = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "customer-center"),
        "jobs",
        "worker",
        "--interval",
        "1",
        env={**os.environ, "CC_DATABASE_URL": url, "CC_SMTP_PORT": "1"},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    engine = make_engine(url)
    runs = 0
    try:
        for _ in range(600):
            async with engine.connect() as conn:
                found = (await conn.execute(text("select runs from job_schedule where job = 'outbox.deliver'"))).first()
            runs = found[0] if found else 0
            if runs >= 2 or worker.returncode is not None:
                break
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()
        if worker.returncode is None:
            worker.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(worker.communicate(), 60)
    assert runs >= 2, err.decode()[-2000:]  # it ran twice without being asked again
    assert worker.returncode == 0, err.decode()[-2000:]


async def test_a_missed_reminder_is_sent_dated_the_day_it_fell_due(two_tenants: Api) -> None:
    """R-R2 from 120 days before the start: the job was down when that day came, and the reminder
    it sends later records that day (and only one reminder)."""
    from core.testing import NOW
    from tests.renewals.helpers import load, renewal

    api = two_tenants
    await load(api, renewal("R-C", 123))  # due from NOW + 3 days
    assert (await api.run_jobs("renewals.reminders")) == {"renewals.reminders": 0}
    api.clock.advance(days=5)
    assert (await api.run_jobs("renewals.reminders")) == {"renewals.reminders": 1}
    [(sent_at,)] = await api.sql("select reminder_sent_at from renewal_renewals where support_number = 'R-C'")
    assert str(sent_at)[:10] == (NOW.date() + timedelta(days=3)).isoformat()
    assert (await api.run_jobs("renewals.reminders")) == {"renewals.reminders": 0}
