"""Each twin served on a loopback test server, with a client that keeps its cookies."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from erpgate.twins import TwinConfig, build_twin
from tests.twins.helpers import Client


async def _client(name: str, config: TwinConfig | None = None) -> AsyncIterator[Client]:
    async with TestClient(TestServer(build_twin(name, config))) as client:
        yield client


@pytest.fixture
async def bc() -> AsyncIterator[Client]:
    async for client in _client("business-central"):
        yield client


@pytest.fixture
async def sap() -> AsyncIterator[Client]:
    async for client in _client("sap-b1"):
        yield client


@pytest.fixture
async def erpnext() -> AsyncIterator[Client]:
    async for client in _client("erpnext"):
        yield client


@pytest.fixture
async def odoo() -> AsyncIterator[Client]:
    async for client in _client("odoo"):
        yield client
