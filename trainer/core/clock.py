"""Time source passed to services, so tests can move time (lockouts, idle sign-out, expiry)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time in UTC (timezone-aware)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC, so mark it as such."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
