"""Shared by the resilience tests, which hold answers to their deadlines."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_full_collection_of_earlier_tests() -> Iterator[None]:
    """Keeps a pause of the test process out of the deadline checks.

    Late in a full run the test process holds hundreds of thousands of objects left by earlier
    tests, and a full garbage collection walking them all stopped the shared event loop for up to
    a second (measured with gc.callbacks), long enough to push an answer past its deadline. Frozen
    objects are left out of collections during the test, and given back to the collector after.
    """
    gc.freeze()
    yield
    gc.unfreeze()
