"""What other plugins may use of support_sla: the events it emits, with their payloads."""

from __future__ import annotations

from core.sdk import event_spec

SLA_SET = "support_sla.set"
SLA_IMPORTED = "support_sla.imported"

_KEYS = (
    ("support_number", "str", "the renewal's support number"),
    ("level", "str", "PREMIUM, STANDARD or BASIC"),
    ("response_hours", "int", "the level's first-response time in hours"),
)
EVENTS = (
    event_spec(
        SLA_SET,
        "support_sla",
        "A tenant admin set a renewal's SLA (setSupportSla).",
        *_KEYS,
        ("set_by", "str", "email of the admin"),
    ),
    event_spec(SLA_IMPORTED, "support_sla", "An import wrote a renewal's SLA (section supportSlas).", *_KEYS),
)
