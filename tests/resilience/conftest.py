"""Shared by the resilience tests, which hold answers to their deadlines.

A module here whose checks depend on time (a deadline, a kill under load) carries
``pytestmark = pytest.mark.deadlines``: `make test` runs those with no other suite beside them, so
a loaded machine cannot push an answer past its deadline. The schemathesis run (test_fuzz) has no
deadline and runs side by side with the rest.
"""

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
