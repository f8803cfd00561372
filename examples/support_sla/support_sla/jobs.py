"""Jobs of the support SLA plugin (idempotent: ``customer-center jobs run`` may run them any time)."""

from __future__ import annotations

from core.sdk import Job

from support_sla import service as svc

JOBS = [Job(svc.REMINDER_JOB, svc.send_reminders, "Remind each tenant's admins of pending renewals without an SLA")]
