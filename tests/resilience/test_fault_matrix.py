"""The fault matrix at the ERP client: every way the network or the ERP misbehaves × the eight
endpoints → the right error class, one call's attempt records (two with the one allowed retry),
and no task or connection left behind.

Network faults come from the TCP fault proxy in front of the reference mock ERP; HTTP faults
from the mock's own fault injection. Storefront-level cells (calm 503 with a reference, exactly
one error event) belong in tests/storefront once that API exists.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from erpgate.erp.contract import RESPONSE_MODELS
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import (
    ErpBusyError,
    ErpClientStatusError,
    ErpConnectError,
    ErpContractError,
    ErpError,
    ErpNotFoundError,
    ErpNotJsonError,
    ErpOversizedError,
    ErpRateLimitedError,
    ErpRedirectError,
    ErpResetError,
    ErpServerStatusError,
    ErpTimeoutError,
    ErpUnauthorizedError,
)
from erpgate.erp.gateway import ErpClientOptions
from erpgate.erp.targets import ErpTarget, build_target
from erpgate.mock_erp.server import MockErpHandle
from tests.erp.loopback import AttemptLog, RaisingClient, started_client
from tests.erp.test_client_mock_erp import CUSTOMER, call_headers, payloads
from tests.plugins.fault_proxy import FaultProxy, FaultProxyFactory

pytestmark = pytest.mark.deadlines

DEADLINE = 0.5  # seconds; short so the matrix stays quick, long enough for the one retry
RESPONSE_CAP = 64 * 1024
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


@dataclass(frozen=True)
class Cell:
    """What one fault must produce: error class and kind, attempt records, mock calls."""

    error: type[ErpError] | None
    kind: str | None
    attempts: int


# Proxy mode → (mode params, expected cell).
PROXY_FAULTS: dict[str, tuple[dict[str, float], Cell]] = {
    "pass": ({}, Cell(None, None, 1)),
    "latency": ({"seconds": DEADLINE * 3}, Cell(ErpTimeoutError, "timeout", 1)),
    "blackhole": ({}, Cell(ErpTimeoutError, "timeout", 1)),
    "reset": ({}, Cell(ErpResetError, "reset", 2)),
    "drip": ({"interval_ms": 50}, Cell(ErpTimeoutError, "timeout", 1)),
    "bandwidth": ({"bytes_per_second": 100}, Cell(ErpTimeoutError, "timeout", 1)),
    "cut": ({"after_bytes": 40}, Cell(ErpResetError, "reset", 2)),
    "refused": ({}, Cell(ErpConnectError, "connect", 2)),
}

BY_ID = (Endpoint.ORDER, Endpoint.INVOICE)


def http_fault_cell(fault: str, endpoint: Endpoint) -> Cell:
    """The mock ERP's HTTP faults and what each endpoint must make of them."""
    if fault == "status_401":
        return Cell(ErpUnauthorizedError, "unauthorized", 1)
    if fault == "status_404":
        if endpoint in BY_ID:
            return Cell(ErpNotFoundError, "not_found", 1)
        return Cell(ErpClientStatusError, "status_4xx", 1)
    if fault == "status_429":
        return Cell(ErpRateLimitedError, "rate_limited", 2)
    if fault == "status_503":
        return Cell(ErpBusyError, "unavailable", 2)
    if fault == "html_error":
        return Cell(ErpServerStatusError, "status_5xx", 1)
    if fault == "malformed_json":
        return Cell(ErpNotJsonError, "not_json", 1)
    if fault == "contract_break":
        return Cell(ErpContractError, "contract", 1)
    if fault == "oversized":
        return Cell(ErpOversizedError, "oversized", 1)
    if fault == "redirect":
        return Cell(ErpRedirectError, "redirect", 1)
    raise AssertionError(fault)


HTTP_FAULTS: dict[str, tuple[str, dict[str, Any]]] = {
    "status_401": ("status", {"status": 401}),
    "status_404": ("status", {"status": 404}),
    "status_429": ("status", {"status": 429, "retry_after": "0"}),
    "status_503": ("status", {"status": 503}),
    "html_error": ("html_error", {}),
    "malformed_json": ("malformed_json", {}),
    "contract_break": ("contract_break", {}),
    "oversized": ("oversized", {"bytes": RESPONSE_CAP * 2}),
    "redirect": ("redirect", {}),
}


OPTIONS = ErpClientOptions(
    allowed_private_hosts=frozenset({"127.0.0.1"}), response_cap_bytes=RESPONSE_CAP
)


@dataclass
class Rig:
    mock: MockErpHandle
    proxy: FaultProxy
    client: RaisingClient
    sink: AttemptLog

    def target(self, endpoint: Endpoint, *, through_proxy: bool) -> ErpTarget:
        url = self.mock.urls[endpoint.value]
        if through_proxy:
            url = url.replace(self.mock.base_url, self.proxy.url)
        return build_target(
            OPTIONS,
            store_id=None,
            endpoint=endpoint,
            url=url,
            timeout_seconds=DEADLINE,
            credentials=Credentials("bearer", token="mock-token"),
        )

    async def call(self, endpoint: Endpoint, *, through_proxy: bool) -> Any:
        return await self.client.call(
            self.target(endpoint, through_proxy=through_proxy),
            payloads(self.mock)[endpoint],
            RESPONSE_MODELS[endpoint],
            trace_id=TRACE_ID,
            expected_customer_code=CUSTOMER,
            headers=call_headers(endpoint),
        )


@pytest_asyncio.fixture
async def rig(
    mock_erp: MockErpHandle, fault_proxy_factory: FaultProxyFactory
) -> AsyncIterator[Rig]:
    port = int(mock_erp.base_url.rsplit(":", 1)[1])
    proxy = await fault_proxy_factory("127.0.0.1", port)
    async with started_client(OPTIONS) as (client, log):
        yield Rig(mock_erp, proxy, client, log)


def _pooled(client: RaisingClient) -> tuple[int, int]:
    """(idle pooled, acquired) connections of the gateway's connector."""
    session = client.gateway._session
    assert session is not None
    connector: Any = session.connector
    idle = sum(len(conns) for conns in connector._conns.values())
    return idle, len(connector._acquired)


async def _settle(baseline: int, timeout: float = 5.0) -> int:
    """Wait for tasks started by the call (server handlers, proxy relays) to finish."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while len(asyncio.all_tasks()) > baseline and loop.time() < end:
        await asyncio.sleep(0.02)
    return len(asyncio.all_tasks())


def _check(rig: Rig, cell: Cell, outcome: BaseException | None) -> None:
    if cell.error is None:
        assert outcome is None
    else:
        assert type(outcome) is cell.error, repr(outcome)
        assert isinstance(outcome, ErpError)
        assert outcome.kind == cell.kind
        assert outcome.human
    assert len(rig.sink.records) == cell.attempts
    assert [r.attempt for r in rig.sink.records] == list(range(1, cell.attempts + 1))
    assert {r.trace_id for r in rig.sink.records} == {TRACE_ID}
    if cell.error is not None:
        assert rig.sink.records[-1].error


async def _run(rig: Rig, endpoint: Endpoint, *, through_proxy: bool) -> BaseException | None:
    started = time.monotonic()
    try:
        await rig.call(endpoint, through_proxy=through_proxy)
    except ErpError as exc:
        return exc
    finally:
        # The deadline is a promise, not a speed figure: retries included, no call outlives it
        # by more than 100 ms, whatever the network does.
        elapsed = time.monotonic() - started
        assert elapsed <= DEADLINE + 0.1, f"the call took {elapsed:.3f} s"
    return None


@pytest.mark.parametrize("endpoint", list(Endpoint), ids=str)
@pytest.mark.parametrize("mode", list(PROXY_FAULTS))
async def test_network_fault(rig: Rig, mode: str, endpoint: Endpoint) -> None:
    params, cell = PROXY_FAULTS[mode]
    baseline = len(asyncio.all_tasks())
    await rig.proxy.set_mode(mode, **params)  # type: ignore[arg-type]

    outcome = await _run(rig, endpoint, through_proxy=True)

    _check(rig, cell, outcome)
    idle, acquired = _pooled(rig.client)
    assert acquired == 0
    # A failed exchange must not go back to the pool; a good one stays for keep-alive.
    assert idle == (1 if cell.error is None else 0)
    assert await rig.proxy.wait_idle(expected=idle) == idle
    if idle:
        await rig.client.close()  # the kept-alive connection is the only thing left
        assert await rig.proxy.wait_idle() == 0
    assert await _settle(baseline) == baseline


@pytest.mark.parametrize("endpoint", list(Endpoint), ids=str)
@pytest.mark.parametrize("fault", list(HTTP_FAULTS))
async def test_http_fault(rig: Rig, fault: str, endpoint: Endpoint) -> None:
    kind, params = HTTP_FAULTS[fault]
    cell = http_fault_cell(fault, endpoint)
    rig.mock.set_fault(endpoint.value, kind, **params)
    baseline = len(asyncio.all_tasks())

    outcome = await _run(rig, endpoint, through_proxy=False)

    _check(rig, cell, outcome)
    assert rig.mock.calls(endpoint.value) == cell.attempts
    _, acquired = _pooled(rig.client)
    assert acquired == 0
    await rig.client.close()  # a complete HTTP answer may leave a kept-alive connection
    assert await _settle(baseline) == baseline
