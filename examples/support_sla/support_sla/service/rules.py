"""SLA-1, SLA-4: the plugin's constants and pure rules (no I/O)."""

from __future__ import annotations

from datetime import date

from core.sdk import BadUserInput

PLUGIN = "support_sla"
OBJECT = "support_sla"  # the Casbin object of every check in this plugin
LEVELS = {"PREMIUM": 4, "STANDARD": 24, "BASIC": 72}  # SLA-1: level -> first-response hours
DEFAULT_LEVEL = "STANDARD"  # SLA-3: what an accepted renewal without an SLA gets
MAX_SUPPORT_NUMBER_CHARS = 64
ACCEPTED_EVENT = "renewal.accepted"  # emitted by the renewals module (docs/writing-a-plugin.md §5)
REMINDER_JOB = "support_sla.missing_reminder"  # SLA-4
REMINDER_ROLE = "ADMIN"  # SLA-4: who receives the reminder


def level_of(value: str) -> tuple[str, int]:
    """SLA-1: a known level (case-insensitive) and its response hours."""
    level = (value or "").strip().upper()
    if level not in LEVELS:
        raise BadUserInput(f"level must be one of {', '.join(LEVELS)}", field="level")
    return level, LEVELS[level]


def support_number_of(value: str) -> str:
    number = (value or "").strip()
    if not number or len(number) > MAX_SUPPORT_NUMBER_CHARS:
        raise BadUserInput(f"supportNumber: 1 to {MAX_SUPPORT_NUMBER_CHARS} characters", field="supportNumber")
    return number


def week_of(today: date) -> str:
    """SLA-4: the ISO week a reminder is sent for, e.g. ``2026-W48``."""
    year, week, _ = today.isocalendar()
    return f"{year:04d}-W{week:02d}"
