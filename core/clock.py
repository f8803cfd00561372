"""An injectable clock: product code never calls ``datetime.now()`` directly, so tests can move time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime | date) -> None:
        if not isinstance(at, datetime):
            at = datetime(at.year, at.month, at.day, 12, tzinfo=UTC)
        self._now = at if at.tzinfo else at.replace(tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.date()

    def set(self, at: datetime | date) -> None:
        self.__init__(at)

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


class OffsetClock:
    """The system clock shifted by a fixed offset: time runs, days turn, every process agrees."""

    def __init__(self, offset: timedelta, base: Clock | None = None) -> None:
        self.offset = offset
        self.base = base or SystemClock()

    def now(self) -> datetime:
        return self.base.now() + self.offset

    def today(self) -> date:
        return self.now().date()


class AsOfClock:
    """The clock a job sees when it runs for ``day``: that date, at the time of day of ``base``
    (so a job caught up for a missed day dates what it does on that day)."""

    def __init__(self, day: date, base: Clock) -> None:
        self.day = day
        self.base = base

    def now(self) -> datetime:
        real = self.base.now()
        if real.date() == self.day:
            return real
        return datetime.combine(self.day, real.timetz())

    def today(self) -> date:
        return self.day


_OFFSET = re.compile(r"([+-])((?:\d+[dhms])+)")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def clock_from_setting(value: str) -> Clock:
    """``CC_CLOCK``: empty → the system clock; an ISO-8601 instant (``2026-03-01T09:00:00Z``) or
    date → frozen there; an offset (``+45d``, ``-3h``, ``+1d12h``) → the system clock shifted.
    Raises ValueError for anything else."""
    text = value.strip()
    if not text:
        return SystemClock()
    offset = _OFFSET.fullmatch(text)
    if offset:
        delta = timedelta(
            **{_UNITS[u]: int(n) for n, u in re.findall(r"(\d+)([dhms])", offset.group(2))}  # type: ignore[arg-type]
        )
        return OffsetClock(delta if offset.group(1) == "+" else -delta)
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text else date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"CC_CLOCK={value!r}: expected an ISO-8601 instant (2026-03-01T09:00:00Z), a date, or an offset (+45d, -3h)"
        ) from None
    if isinstance(at, datetime) and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return FixedClock(at)
