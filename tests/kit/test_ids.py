"""Row ids and trace ids are time-ordered: the indexes of the tables written on every ERP call
grow at one edge (kit/ids.py)."""

from __future__ import annotations

import re
import time
import uuid

from erpgate.kit.ids import new_trace_id, new_uuid

W3C_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


def test_a_row_id_is_a_uuid_version_7_that_starts_with_its_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    made = new_uuid()
    after = time.time_ns() // 1_000_000

    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert before <= made.int >> 80 <= after


def test_row_ids_made_later_sort_later_and_never_repeat() -> None:
    first = [new_uuid() for _ in range(1000)]
    time.sleep(0.002)
    second = [new_uuid() for _ in range(1000)]

    assert max(first) < min(second)
    assert len(set(first + second)) == 2000
    # Within one millisecond the order is random, so the low bits are not a counter.
    assert len({made.int & ((1 << 62) - 1) for made in first}) == 1000


def test_a_trace_id_is_a_valid_w3c_trace_id_that_sorts_by_time() -> None:
    earlier = new_trace_id()
    time.sleep(0.002)
    later = new_trace_id()

    assert W3C_TRACE_ID.match(earlier) and W3C_TRACE_ID.match(later)
    assert earlier != "0" * 32
    assert earlier < later
    assert int(earlier[:12], 16) <= time.time_ns() // 1_000_000
    assert len({new_trace_id() for _ in range(1000)}) == 1000
