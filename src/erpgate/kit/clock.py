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
