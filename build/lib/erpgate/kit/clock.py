"""Time, always timezone-aware UTC inside; a replaceable clock for tests of throttling and expiry."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Clock:
    """Wall clock that tests can freeze and advance.

    Throttle windows, session expiry and retention read the time through one of these so that a
    test can move time forward instead of sleeping.
    """

    def __init__(self, source: Callable[[], datetime] = utcnow) -> None:
        self._source = source
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        return self._frozen if self._frozen is not None else self._source()

    def freeze(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a frozen clock needs a timezone-aware datetime")
        self._frozen = at

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self._frozen = self.now() + timedelta(**delta)

    def unfreeze(self) -> None:
        self._frozen = None


def monotonic() -> float:
    return time.monotonic()


def ensure_utc(value: datetime) -> datetime:
    """Naive datetimes coming back from a database are UTC by our own convention."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def exact_time(value: datetime) -> str:
    """To the second, in UTC: what a reader checks a readable time against."""
    return ensure_utc(value).strftime("%Y-%m-%d %H:%M:%S UTC")


def readable_time(value: datetime, now: datetime) -> str:
    """How long ago, in words, for the last day; then the day and time in UTC (the zone of every
    other time on the pages), with the year only when it is not this year's.

    Written here rather than taken from a library: five cases, and the wording must match the
    pages' ("UTC" named, no locale of the server's)."""
    value, now = ensure_utc(value), ensure_utc(now)
    seconds = (now - value).total_seconds()
    if 0 <= seconds < 60:
        return "just now"
    if 0 <= seconds < 3600:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes > 1 else ''} ago"
    if 0 <= seconds < 24 * 3600:
        hours = int(seconds // 3600)
        return f"{hours} hour{'s' if hours > 1 else ''} ago"
    day = f"{value.day} {value:%b}" if value.year == now.year else f"{value.day} {value:%b %Y}"
    return f"{day}, {value:%H:%M} UTC"
