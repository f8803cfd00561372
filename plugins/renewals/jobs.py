"""Renewal jobs (idempotent; run by ``customer-center jobs run`` or ``api.run_jobs`` in tests).

- ``renewals.reminders`` (R-R2): from 120 days before support expires, one reminder email to the
  quote-to contact per renewal, ever (claimed with ``claim_once``).
- ``renewals.autorenew`` (R-R10): from 30 days before the start date, AutoRenew renewals are
  accepted, exactly once. The lock after 32 days (R-R9) is derived from the dates, not a job.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from core.auth import Principal
from core.db import tenant_session
from core.errors import AppError
from core.hookspecs import Job
from core.i18n import LazyText, _, join
from core.jobs import JobContext, claim_once
from core.models import Tenant
from core.money import Money
from plugins.renewals import service as svc
from plugins.renewals.models import Renewal

log = logging.getLogger("customer_center.renewals")
REMINDER_JOB = "renewals.reminders"
AUTORENEW_JOB = "renewals.autorenew"
PORTAL_BASE = "/renewals"


def system_principal(tenant: Tenant) -> Principal:
    return Principal(email=svc.SYSTEM_ACTOR, tenant_id=tenant.id, tenant_key=tenant.key, roles=frozenset({"SYSTEM"}))


def _unit(renewal: Renewal) -> str:
    # A renewal period is identified by tenant, support number and start date: next year's renewal
    # of the same contract gets its own reminder and activation.
    return f"{renewal.tenant_id}:{renewal.support_number}:{renewal.start_date.isoformat()}"


def reminder_body(renewal: Renewal) -> LazyText:
    """R-R2's reminder, in its reader's language: the contract, its expiry date and renewal amount,
    the username and the portal's links."""
    sn = renewal.support_number
    quoted = (
        _("Renewal amount: {amount}", amount=Money(renewal.amount, renewal.currency))
        if renewal.amount is not None
        else _("The renewal amount is being prepared.")
    )
    return join(
        [
            _("Hello {name},", name=renewal.quote_to_first_name or renewal.quote_to_email),
            "",
            _(
                "Support contract {support_number} ({customer}) expires on {date}. Its renewal is now open.",
                support_number=sn,
                customer=renewal.customer,
                date=renewal.start_date,
            ),
            quoted,
            "",
            _("Your username: {email}", email=renewal.quote_to_email),
            _("Quick checkout: {url}", url=f"{PORTAL_BASE}/checkout?supportNumber={sn}"),
            _("Manage renewals: {url}", url=f"{PORTAL_BASE}?list=pending"),
            _("Eligible promotions: {url}", url=f"{PORTAL_BASE}/promotions?supportNumber={sn}"),
            "",
        ]
    )


def reminder_subject(renewal: Renewal) -> LazyText:
    return _("Your support contract {support_number} is up for renewal", support_number=renewal.support_number)


async def send_reminders(ctx: JobContext) -> int:
    today = ctx.clock.today()
    done = 0
    for tenant in await ctx.tenants_with("renewals"):
        async with tenant_session(ctx.sessionmaker, tenant.id) as session:
            due = (
                await session.execute(
                    select(Renewal)
                    .where(
                        Renewal.accepted_at.is_(None),
                        Renewal.reminder_sent_at.is_(None),
                        Renewal.start_date >= today,
                        Renewal.start_date <= today + timedelta(days=svc.REMINDER_DAYS),
                    )
                    .order_by(Renewal.id)
                )
            ).scalars()
            job_ctx = await ctx.state.context_for(session, system_principal(tenant), tenant)
            for renewal in due:
                if not svc.reminder_due(renewal.start_date, today):
                    continue
                if not await claim_once(session, REMINDER_JOB, _unit(renewal), tenant.id, ctx.clock.now()):
                    continue
                job_ctx.send_email(
                    renewal.quote_to_email,
                    reminder_subject(renewal),
                    reminder_body(renewal),
                    kind="renewal.reminder",
                )
                renewal.reminder_sent_at = ctx.clock.now()
                done += 1
    return done


async def activate_auto_renewals(ctx: JobContext) -> int:
    today = ctx.clock.today()
    done = 0
    for tenant in await ctx.tenants_with("renewals"):
        async with tenant_session(ctx.sessionmaker, tenant.id) as session:
            due = list(
                (
                    await session.execute(
                        select(Renewal)
                        .where(
                            Renewal.auto_renew.is_(True),
                            Renewal.accepted_at.is_(None),
                            Renewal.start_date <= today + timedelta(days=svc.ACTIVATION_DAYS),
                        )
                        .order_by(Renewal.id)
                    )
                ).scalars()
            )
            job_ctx = await ctx.state.context_for(session, system_principal(tenant), tenant)
            for renewal in due:
                try:
                    async with session.begin_nested():
                        if not await claim_once(session, AUTORENEW_JOB, _unit(renewal), tenant.id, ctx.clock.now()):
                            continue
                        await svc.activate_auto_renewal(job_ctx, renewal)
                        done += 1
                except AppError as exc:  # a vetoing event handler: leave it for a person to resolve
                    log.warning("auto-renew of %s not activated: %s", renewal.support_number, exc.message)
    return done


JOBS = [
    Job(REMINDER_JOB, send_reminders, "R-R2: 120-day renewal reminder to the quote-to contact, once per renewal"),
    Job(AUTORENEW_JOB, activate_auto_renewals, "R-R10: activate AutoRenew renewals 30 days before start, once"),
]
