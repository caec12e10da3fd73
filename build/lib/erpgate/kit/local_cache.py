"""A small in-process cache with a time-to-live, a size bound, and local invalidation by topic.

Hot request paths (the buyer behind a session cookie, a store's decrypted integration) read the
same few rows on every request. Caching them for a few seconds removes those queries; the TTL is
the bound on how long a change made by *another* process takes to apply here. A change made in
*this* process calls ``changed(topic)``, which bumps the topic's generation and so makes every
entry cached under that topic a miss at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Topics of the caches in this code base.
SESSIONS = "sessions"  # web sessions, buyers, customer accounts, stores
INTEGRATIONS = "integrations"  # a store's integration settings and secrets
PLACED_ORDERS = "placed_orders"  # orders placed here, with their delivery to the ERP

_generations: dict[str, int] = {}


def changed(*topics: str) -> None:
    """Something cached under these topics changed in this process: drop it everywhere here."""
    for topic in topics:
        _generations[topic] = _generations.get(topic, 0) + 1


def generation(topics: tuple[str, ...]) -> int:
    # Generations only grow, so the sum changes exactly when one of them does.
    return sum(_generations.get(topic, 0) for topic in topics)


class LocalCache(Generic[K, V]):
    """Entries live at most ``ttl`` seconds (given per read, so a setting can change it); at most
    ``max_entries`` are kept, the oldest leaving first. Not thread-safe: one event loop uses it."""

    def __init__(
        self,
        topics: tuple[str, ...],
        *,
        max_entries: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.topics = topics
        self.max_entries = max_entries
        self._monotonic = monotonic
        self._entries: dict[K, tuple[float, int, V]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K, ttl: float) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, stored_generation, value = entry
        if self._monotonic() - stored_at >= ttl or stored_generation != generation(self.topics):
            del self._entries[key]
            return None
        return value

    def put(self, key: K, value: V, ttl: float, *, as_of: int | None = None) -> None:
        """Store ``value``; ``as_of`` is the generation read *before* the value was loaded, so a
        change that happened while loading makes the entry a miss instead of hiding it."""
        if ttl <= 0:
            return
        self._entries.pop(key, None)
        while len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]
        current = generation(self.topics) if as_of is None else as_of
        self._entries[key] = (self._monotonic(), current, value)

    def discard(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
