"""Garbage collection tuned for a long-running server process.

Measured on the storefront read (bench/RESULTS.notes): with CPython's defaults a request cost about
0.5 ms of collector time. Two causes: (1) full collections walk every object the process holds,
about 200,000 after start-up (settings, models, schemas, templates), and ran every few hundred
requests at ~0.2 s each; (2) young collections every 700 allocations, while one request allocates
thousands of short-lived objects. So, once the app has started: everything alive is frozen
(``gc.freeze``: start-up objects live as long as the process and full collections skip them), and
the young generation collects every 10,000 allocations instead of 700. Memory stays bounded: the
young generation is a few MB at most.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000


def tune_after_startup() -> None:
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
