"""SLA-4: the weekly reminder job."""

from __future__ import annotations

from core.sdk import JobContext, claim_once, context_of, module_api, people_with_role
from sqlalchemy import select

from support_sla.models import SupportSla
from support_sla.service.rules import PLUGIN, REMINDER_JOB, REMINDER_ROLE, week_of


async def send_reminders(job: JobContext) -> int:
    """SLA-4: once per tenant and ISO week, email the tenant's admins how many pending renewals have
    no SLA; nothing for a tenant where none is missing. Returns the number of tenants reminded."""
    today, now = job.clock.today(), job.clock.now()
    renewals = module_api("renewals")
    sent = 0
    for tenant in await job.tenants_with(PLUGIN):
        async with job.unit(tenant.id) as session:
            # The unit is scoped to this tenant (row-level security); every query still names it.
            have = list(
                (
                    await session.execute(select(SupportSla.support_number).where(SupportSla.tenant_id == tenant.id))
                ).scalars()
            )
            missing = await renewals.count_renewals(session, tenant.id, today, list_name="PENDING", excluding=have)
            if missing == 0 or not await claim_once(
                session, REMINDER_JOB, f"{tenant.id}:{week_of(today)}", tenant.id, now
            ):
                continue
            ctx = await context_of(session, tenant.id)  # the job's context in this tenant
            for email in await people_with_role(session, tenant.id, REMINDER_ROLE):
                ctx.send_email(
                    email,
                    f"{missing} pending renewal(s) without a support SLA",
                    f"{missing} pending renewal(s) of {tenant.name} have no support SLA yet. "
                    "Set one with setSupportSla, or they get the STANDARD level when accepted.",
                    kind=REMINDER_JOB,
                )
            sent += 1
    return sent
