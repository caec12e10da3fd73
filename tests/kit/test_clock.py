"""Times as people read them: in words for the last day, then the day and time in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from erpgate.kit.clock import exact_time, readable_time

NOW = datetime(2025, 3, 12, 14, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "words"),
    [
        (timedelta(seconds=0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=59, seconds=59), "59 minutes ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(hours=23, minutes=59), "23 hours ago"),
        (timedelta(days=1), "11 Mar, 14:05 UTC"),
        (timedelta(days=80), "22 Dec 2024, 14:05 UTC"),
        (timedelta(minutes=-10), "12 Mar, 14:15 UTC"),  # ahead of the clock: the time itself
    ],
)
def test_readable_time(ago: timedelta, words: str) -> None:
    assert readable_time(NOW - ago, NOW) == words


def test_times_in_another_zone_are_read_in_utc() -> None:
    paris = datetime(2025, 3, 1, 9, 0, 7, tzinfo=timezone(timedelta(hours=1)))
    assert readable_time(paris, NOW) == "1 Mar, 08:00 UTC"
    assert exact_time(paris) == "2025-03-01 08:00:07 UTC"
