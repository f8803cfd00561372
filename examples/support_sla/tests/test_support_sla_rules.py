"""Pure rules of the support SLA plugin (support_sla/service/rules.py) at every threshold."""

from __future__ import annotations

from datetime import date

import pytest
from core.sdk import BadUserInput


@pytest.fixture(scope="module")
def svc():
    from support_sla import service

    return service


@pytest.mark.parametrize(
    ("raw", "level", "hours"), [("PREMIUM", "PREMIUM", 4), (" standard ", "STANDARD", 24), ("Basic", "BASIC", 72)]
)
def test_levels_sla1(svc, raw, level, hours):
    assert svc.level_of(raw) == (level, hours)


@pytest.mark.parametrize("raw", ["", "GOLD", "PREMIUM+", None])
def test_unknown_levels_are_refused_sla1(svc, raw):
    with pytest.raises(BadUserInput):
        svc.level_of(raw)


def test_support_numbers(svc):
    assert svc.support_number_of(" S-1 ") == "S-1"
    assert svc.support_number_of("X" * 64) == "X" * 64
    for bad in ("", "   ", "X" * 65):
        with pytest.raises(BadUserInput):
            svc.support_number_of(bad)


def test_reminder_weeks_sla4(svc):
    assert svc.week_of(date(2026, 11, 23)) == "2026-W48"
    assert svc.week_of(date(2026, 11, 29)) == "2026-W48"  # Sunday: the same ISO week
    assert svc.week_of(date(2026, 11, 30)) == "2026-W49"
    assert svc.week_of(date(2027, 1, 1)) == "2026-W53"  # ISO years differ from calendar years
