"""The one ERP call, unit by unit, over a scripted transport: no sockets, no real waiting beyond
a deadline of a few tenths of a second where the deadline itself is under test."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import pytest
from tests.erp.scripted import ScriptedTransport, Step, answer

from erpgate.erp.attempts import masked
from erpgate.erp.contract import OrderResponse, OrdersListRequest, OrdersListResponse
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import (
    ErpBreakerOpenError,
    ErpBusyError,
    ErpConnectError,
    ErpCrossCustomerError,
    ErpNotFoundError,
    ErpOversizedError,
    ErpServerStatusError,
    ErpSsrfError,
    ErpTimeoutError,
)
from erpgate.erp.gateway import ErpClientOptions, ErpGateway
from erpgate.erp.outcome import Actor, ErpCall, ListSink, Outcome
from erpgate.erp.targets import ErpTarget, build_target

ORDERS = "https://erp.example.com/orders"
ORDER = "https://erp.example.com/order"
TOKEN_URL = "https://erp.example.com/oauth/token"
STORE = UUID("00000000-0000-4000-8000-000000000001")
ROW = {"order_id": "SO-1", "date": "2026-10-01", "total": "12.50", "customer_code": "C1"}
OPTIONS = ErpClientOptions(response_cap_bytes=4096, breaker_min_calls=2, breaker_min_customers=1)


def target(
    url: str = ORDERS,
    endpoint: Endpoint = Endpoint.ORDERS,
    credentials: Credentials | None = None,
    timeout: float = 5.0,
) -> ErpTarget:
    return build_target(
        OPTIONS,
        store_id=STORE,
        endpoint=endpoint,
        url=url,
        timeout_seconds=timeout,
        credentials=credentials or Credentials(auth_style="bearer", token="s3cret-token"),
    )


def orders_call(customer: str = "C1", page: int = 1) -> ErpCall[OrdersListResponse]:
    actor = Actor(source="storefront", customer_code=customer)
    request = OrdersListRequest(customer_code=customer, page=page)
    return ErpCall.of(Endpoint.ORDERS, request, OrdersListResponse, actor)


async def read(
    transport: ScriptedTransport, call: ErpCall[Any], tgt: ErpTarget | None = None, **options: Any
) -> tuple[Outcome[Any], ListSink]:
    sink = ListSink()
    gateway = ErpGateway(
        OPTIONS if not options else ErpClientOptions(**options), sink, transport=transport
    )
    outcome = await gateway.read(tgt or target(), call)
    return outcome, sink


async def test_an_answer_is_validated_once_and_every_attempt_kept_unmasked_until_kept() -> None:
    transport = ScriptedTransport({ORDERS: [answer({"data": [ROW]})]})

    outcome, sink = await read(transport, orders_call())

    assert outcome.ok and outcome.value is not None
    assert [row.order_id for row in outcome.value.data] == ["SO-1"]
    [request] = transport.requests
    assert request.body == orders_call().body  # encoded once, sent as is
    assert ("Authorization", "Bearer s3cret-token") in request.headers.items()
    [attempt] = outcome.attempts
    assert ("Authorization", "Bearer s3cret-token") in attempt.request_headers
    assert ("Authorization", "••••") in masked(attempt).request_headers
    assert sink.outcomes == [outcome]


async def test_a_503_is_retried_once_and_a_second_is_final() -> None:
    busy = Step(503, b"busy")
    twice = ScriptedTransport({ORDERS: [busy, busy, answer({"data": []})]})
    once = ScriptedTransport({ORDERS: [busy, answer({"data": []})]})

    failed, _ = await read(twice, orders_call())
    recovered, _ = await read(once, orders_call())

    assert isinstance(failed.error, ErpBusyError)
    assert [a.status for a in failed.attempts] == [503, 503]
    assert recovered.ok and [a.attempt for a in recovered.attempts] == [1, 2]


async def test_a_500_and_a_retry_after_past_the_deadline_are_not_retried() -> None:
    server_error = ScriptedTransport({ORDERS: [Step(500), answer({"data": []})]})
    slow_down = ScriptedTransport({ORDERS: [Step(503, headers={"Retry-After": "30"})]})

    final, _ = await read(server_error, orders_call())
    later, _ = await read(slow_down, orders_call())

    assert isinstance(final.error, ErpServerStatusError) and len(server_error.requests) == 1
    assert isinstance(later.error, ErpBusyError) and len(slow_down.requests) == 1


async def test_a_connection_failure_is_retried_once() -> None:
    refused = Step(raises=lambda: ErpConnectError("Could not connect to erp.example.com:443"))
    transport = ScriptedTransport({ORDERS: [refused, refused]})

    outcome, _ = await read(transport, orders_call())

    assert isinstance(outcome.error, ErpConnectError)
    assert [a.error for a in outcome.attempts] == [
        "Could not connect to erp.example.com:443",
        "Could not connect to erp.example.com:443",
    ]


async def test_the_deadline_covers_the_whole_call_and_keeps_the_attempt() -> None:
    transport = ScriptedTransport({ORDERS: [Step(delay=5.0)]})

    outcome, _ = await read(transport, orders_call(), target(timeout=0.2))

    assert isinstance(outcome.error, ErpTimeoutError)
    assert outcome.error.human == "ERP did not answer within 0.2 s"
    [attempt] = outcome.attempts
    assert attempt.error == "ERP did not answer within 0.2 s"


async def test_oauth2_fetches_a_token_reuses_it_and_refetches_once_after_a_401() -> None:
    credentials = Credentials(
        auth_style="oauth2", key="client-1", token="client-secret", token_url=TOKEN_URL
    )
    transport = ScriptedTransport(
        {
            TOKEN_URL: [
                answer({"access_token": "tok-A", "expires_in": 3600}),
                answer({"access_token": "tok-B", "expires_in": 3600}),
            ],
            ORDERS: [answer({"data": []}), Step(401), answer({"data": []})],
        }
    )
    sink = ListSink()
    gateway = ErpGateway(OPTIONS, sink, transport=transport)
    tgt = target(credentials=credentials)

    first = await gateway.read(tgt, orders_call(page=1))
    second = await gateway.read(tgt, orders_call(page=2))

    assert first.ok and second.ok
    assert [r.url for r in transport.requests] == [TOKEN_URL, ORDERS, ORDERS, TOKEN_URL, ORDERS]
    bearers = [dict(r.headers.items()).get("Authorization") for r in transport.sent_to(ORDERS)]
    assert bearers == ["Bearer tok-A", "Bearer tok-A", "Bearer tok-B"]
    token_attempt = masked(second.attempts[1])
    assert b"client-secret" not in token_attempt.request_body
    assert b"tok-B" not in token_attempt.response_body


async def test_an_open_breaker_refuses_without_touching_the_transport() -> None:
    transport = ScriptedTransport({ORDERS: [Step(500)]})
    sink = ListSink()
    gateway = ErpGateway(OPTIONS, sink, transport=transport)
    for page in (1, 2):
        await gateway.read(target(), orders_call(page=page))

    refused = await gateway.read(target(), orders_call(page=3))

    assert isinstance(refused.error, ErpBreakerOpenError) and refused.refused
    assert refused.attempts == [] and len(transport.requests) == 2


async def test_identical_calls_at_once_share_one_request_and_one_outcome() -> None:
    transport = ScriptedTransport({ORDERS: [Step(200, b'{"data": []}', delay=0.05)]})
    sink = ListSink()
    gateway = ErpGateway(OPTIONS, sink, transport=transport)

    outcomes = await asyncio.gather(*(gateway.read(target(), orders_call()) for _ in range(50)))

    assert len(transport.requests) == 1
    assert all(o is outcomes[0] for o in outcomes) and len(sink.outcomes) == 1


async def test_a_refused_target_never_reaches_the_transport() -> None:
    transport = ScriptedTransport({"http://169.254.169.254/latest": [answer({})]})
    private = target(url="http://169.254.169.254/latest")

    outcome, _ = await read(transport, orders_call(), private)

    assert isinstance(outcome.error, ErpSsrfError)
    assert transport.requests == []


@pytest.mark.parametrize(
    ("step", "error"),
    [
        (answer({"data": [dict(ROW, customer_code="C2")]}), ErpCrossCustomerError),
        (answer({"data": [ROW], "pad": "x" * 5000}), ErpOversizedError),
    ],
)
async def test_answers_the_contract_forbids_are_failures(step: Step, error: type) -> None:
    outcome, _ = await read(ScriptedTransport({ORDERS: [step]}), orders_call())

    assert isinstance(outcome.error, error)


async def test_a_by_id_null_is_not_found_not_a_failure() -> None:
    transport = ScriptedTransport({ORDER: [answer({"data": None})]})
    actor = Actor(source="storefront", customer_code="C1")
    call = ErpCall.raw(
        Endpoint.ORDER, {"customer_code": "C1", "order_id": "SO-9"}, OrderResponse, actor
    )

    outcome, _ = await read(transport, call, target(url=ORDER, endpoint=Endpoint.ORDER))

    assert isinstance(outcome.error, ErpNotFoundError)
    assert outcome.not_found and not outcome.failed


class _Lines:
    """Stands in for the gateway's logger: the lines it would have written."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, dict[str, Any]]] = []

    def warning(self, event: str, **fields: Any) -> None:
        self.lines.append((event, fields))


async def test_a_failed_call_is_logged_once_with_the_buyers_reference_and_a_probe_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import erpgate.erp.gateway as gateway_module

    lines = _Lines()
    monkeypatch.setattr(gateway_module, "log", lines)
    failing = ScriptedTransport({ORDERS: [answer({"error": "boom"}, status=500)] * 2})

    outcome, _ = await read(failing, orders_call())
    [(event, fields)] = lines.lines
    assert event == "erp_call_failed"
    assert fields["reference"] == outcome.reference is not None
    assert (fields["endpoint"], fields["kind"], fields["status"]) == ("orders", "status_5xx", 500)
    assert fields["trace_id"] == outcome.trace_id and fields["customer_code"] == "C1"
    assert "s3cret-token" not in str(fields)

    # The checker's probes belong to no store: it reports what they found itself.
    probe = build_target(
        OPTIONS,
        store_id=None,
        endpoint=Endpoint.ORDERS,
        url=ORDERS,
        timeout_seconds=5.0,
        credentials=Credentials(auth_style="bearer", token="s3cret-token"),
    )
    await read(failing, orders_call(), probe)
    assert len(lines.lines) == 1
