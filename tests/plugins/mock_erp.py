"""Pytest fixtures that serve the reference mock ERP on a loopback port.

Register with ``pytest_plugins = ["tests.plugins.mock_erp"]`` in the root conftest.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest_asyncio

from erpgate.mock_erp.config import MockErpConfig
from erpgate.mock_erp.server import MockErpHandle, running_mock_erp

MockErpFactory = Callable[..., Awaitable[MockErpHandle]]


@pytest_asyncio.fixture
async def mock_erp() -> AsyncIterator[MockErpHandle]:
    """A mock ERP with the default config: bearer auth, token "mock-token", no faults."""
    async with running_mock_erp(MockErpConfig()) as handle:
        yield handle


@pytest_asyncio.fixture
async def mock_erp_factory() -> AsyncIterator[MockErpFactory]:
    """Start mock ERPs with a custom config: ``await mock_erp_factory(auth_style="basic", ...)``.

    Pass a ``MockErpConfig`` as the only positional argument, or its fields as keywords.
    """
    async with contextlib.AsyncExitStack() as stack:

        async def start(config: MockErpConfig | None = None, **fields: Any) -> MockErpHandle:
            return await stack.enter_async_context(
                running_mock_erp(config or MockErpConfig(**fields))
            )

        yield start
