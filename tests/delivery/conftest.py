"""Delivery tests: the admin's two stores (tests/admin/conftest.py), with no delivery worker
running in the app, so a row stays in the state a test puts it in until the test sends it."""

from __future__ import annotations

import pytest

from erpgate.config import Settings
from tests.admin.conftest import world

__all__ = ["world"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"run_worker_in_process": False})
