"""Answers per (customer, SKU), kept for the store's price or stock age and, past it, as the
stale fallback while the ERP fails.

In-process, bounded, and dropped whenever this process changes an integration (another URL may
be another ERP). Several instances each keep their own: each asks the ERP once per age.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from erpgate.kit.local_cache import INTEGRATIONS, generation

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_ENTRIES = 200_000  # ~100 bytes of key and value each: tens of MB at most


@dataclass(frozen=True, slots=True)
class Kept(Generic[V]):
    """One SKU's answer: ``value`` None means the ERP answered without that SKU (it does not
    price or stock it), which is worth remembering as much as a price."""

    value: V | None
    fetched_at: datetime
    stored_at: float  # monotonic


class AnswerCache(Generic[K, V]):
    def __init__(
        self, *, max_entries: int = MAX_ENTRIES, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_entries = max_entries
        self._monotonic = monotonic
        self._entries: OrderedDict[K, Kept[V]] = OrderedDict()
        self._generation = generation((INTEGRATIONS,))

    def get(self, key: K, max_age_seconds: float) -> Kept[V] | None:
        """The entry stored less than ``max_age_seconds`` ago, if any."""
        self._drop_if_settings_changed()
        kept = self._entries.get(key)
        if kept is None or self._monotonic() - kept.stored_at >= max_age_seconds:
            return None
        return kept

    def put(self, key: K, value: V | None, fetched_at: datetime) -> None:
        self._drop_if_settings_changed()
        self._entries.pop(key, None)
        self._entries[key] = Kept(value, fetched_at, self._monotonic())
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)  # the oldest answer leaves first

    def _drop_if_settings_changed(self) -> None:
        current = generation((INTEGRATIONS,))
        if current != self._generation:
            self._entries.clear()
            self._generation = current
