"""An injectable clock: product code never calls ``datetime.now()`` directly, so tests can move time."""

from __future__ import annotations

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
