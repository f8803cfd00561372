"""RM-4: the monthly statement job."""

from __future__ import annotations

from decimal import Decimal

from core.sdk import JobContext, claim_once, people_with_role, quantize, queue_email
from sqlalchemy import func, select

from reseller_margin.models import MarginEarning
from reseller_margin.service.rules import PLUGIN, STATEMENT_JOB, STATEMENT_ROLE, previous_month


async def send_monthly_statements(job: JobContext) -> int:
    """RM-4: one statement email per customer tenant and month to the owning reseller's admins."""
    now = job.clock.now()
    start, end, label = previous_month(job.clock.today())
    sent = 0
    for tenant in await job.tenants_with(PLUGIN):
        if tenant.reseller_id is None:
            continue
        async with job.unit(tenant.id, tenant.reseller_id) as session:
            # A job session is not bound to a tenant: every query names the tenant explicitly.
            if not await claim_once(session, STATEMENT_JOB, f"{tenant.id}:{label}", tenant.id, now):
                continue
            rows = await session.execute(
                select(MarginEarning.currency, func.sum(MarginEarning.margin), func.count())
                .where(MarginEarning.tenant_id == tenant.id)
                .where(MarginEarning.earned_at >= start, MarginEarning.earned_at < end)
                .group_by(MarginEarning.currency)
                .order_by(MarginEarning.currency)
            )
            totals = [(currency, quantize(Decimal(total), currency), count) for currency, total, count in rows]
            if not totals:
                continue
            admins = await people_with_role(session, tenant.reseller_id, STATEMENT_ROLE)
            lines = "\n".join(f"  {currency} {total} on {count} renewal(s)" for currency, total, count in totals)
            for email in admins:
                queue_email(
                    session,
                    now,
                    tenant.reseller_id,
                    email,
                    f"Reseller margin statement {label}: {tenant.name}",
                    f"Margin earned on renewals accepted by {tenant.name} in {label}:\n{lines}\n",
                    kind=STATEMENT_JOB,
                )
            sent += 1
    return sent
