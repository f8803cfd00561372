"""Jobs of the reseller margin plugin (idempotent: ``customer-center jobs run`` may run them any time)."""

from __future__ import annotations

from core.sdk import Job

from reseller_margin import service as svc

JOBS = [
    Job(
        svc.STATEMENT_JOB,
        svc.send_monthly_statements,
        "Email each reseller's admins last month's margin per customer tenant (once per tenant and month)",
    )
]
