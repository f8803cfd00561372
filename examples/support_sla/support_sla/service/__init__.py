"""Rules of the support SLA plugin (numbered SLA-… so tests can cite them).

- SLA-1 A level is PREMIUM (4 h first response), STANDARD (24 h) or BASIC (72 h): :data:`LEVELS`.
- SLA-2 Only the tenant's admins set a renewal's SLA, on a renewal they can see (the renewals module
  answers through ``object_roles``); everyone of the tenant sees it on the renewal (``supportSla``).
- SLA-3 When a renewal is accepted (``renewal.accepted``) its SLA — or a new :data:`DEFAULT_LEVEL` one —
  becomes active from then, with the order number; once per renewal.
- SLA-4 The weekly job emails each enabling tenant's admins how many pending renewals have no SLA,
  once per tenant and ISO week, and nothing when none is missing.
"""

from support_sla.service.reminders import send_reminders
from support_sla.service.rules import (
    ACCEPTED_EVENT,
    DEFAULT_LEVEL,
    LEVELS,
    OBJECT,
    PLUGIN,
    REMINDER_JOB,
    level_of,
    support_number_of,
    week_of,
)
from support_sla.service.slas import SlasByNumber, activate, missing_count, set_sla, sla_of, slas_by_number

__all__ = [
    "ACCEPTED_EVENT",
    "DEFAULT_LEVEL",
    "LEVELS",
    "OBJECT",
    "PLUGIN",
    "REMINDER_JOB",
    "SlasByNumber",
    "activate",
    "level_of",
    "missing_count",
    "send_reminders",
    "set_sla",
    "sla_of",
    "slas_by_number",
    "support_number_of",
    "week_of",
]
