"""Real aiohttp.web servers on 127.0.0.1 for the ERP client tests, and tiny contract models."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import orjson
from aiohttp import web
from multidict import CIMultiDict
from pydantic import BaseModel, BeforeValidator

from erpgate.erp.attempts import AttemptRecord, masked
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.gateway import ErpClientOptions, ErpGateway
from erpgate.erp.outcome import Actor, ErpCall, ListSink, Outcome
from erpgate.erp.targets import ErpTarget, build_target
from erpgate.kit.money import parse_money

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"

Money = Annotated[Decimal, BeforeValidator(parse_money)]


class Row(BaseModel):
    order_id: str
    date: date
    total: Money
    customer_code: str | None = None


class ListAnswer(BaseModel):
    data: list[Row]


class OneAnswer(BaseModel):
    data: Row


ROW = {"order_id": "SO-1", "date": "2026-10-02", "total": "1523.40"}


@dataclass
class Seen:
    path: str
    headers: CIMultiDict[str]
    body: bytes


@dataclass
class LoopbackServer:
    """Answers each path with its handler (a list: one handler per hit, the last repeats)."""

    handlers: dict[str, Sequence[Handler]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    port: int = 0

    def route(self, path: str, *handlers: Handler) -> str:
        self.handlers[path] = handlers
        return self.url(path)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for seen in self.seen if seen.path == path)

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        index = self.hits(request.path)
        self.seen.append(Seen(request.path, CIMultiDict(request.headers), body))
        handlers = self.handlers.get(request.path)
        if not handlers:
            return web.Response(status=599, text="no handler")
        return await handlers[min(index, len(handlers) - 1)](request)


@asynccontextmanager
async def loopback_server() -> AsyncIterator[LoopbackServer]:
    server = LoopbackServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server._dispatch)
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.port = runner.addresses[0][1]
    try:
        yield server
    finally:
        await runner.cleanup()


def answer_json(payload: Any, status: int = 200, **headers: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(
            status=status,
            body=orjson.dumps(payload),
            content_type="application/json",
            headers=headers,
        )

    return handler


def answer_text(text: str, status: int = 200, content_type: str = "text/html") -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, text=text, content_type=content_type)

    return handler


def answer_status(status: int, **headers: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, headers=headers)

    return handler


def answer_after(delay: float, inner: Handler) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(delay)
        return await inner(request)

    return handler


def answer_reset() -> Handler:
    """Drop the connection without answering (a reset from the client's point of view)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.abort()
        return web.Response()

    return handler


def slow_drip(interval: float = 0.05, drops: int = 400) -> Handler:
    """Headers at once, then one byte per interval: a body that never finishes in time."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        await response.write(b'{"data": [')
        for _ in range(drops):
            await asyncio.sleep(interval)
            await response.write(b" ")
        await response.write(b"]}")
        return response

    return handler


def options(**overrides: Any) -> ErpClientOptions:
    values: dict[str, Any] = {"allowed_private_hosts": frozenset({"127.0.0.1"})}
    values.update(overrides)
    return ErpClientOptions(**values)


class AttemptLog:
    """The attempts of every outcome the gateway produced, masked as they would be stored."""

    def __init__(self, sink: ListSink) -> None:
        self._sink = sink

    @property
    def records(self) -> list[AttemptRecord]:
        return [masked(attempt) for attempt in self._sink.attempts]

    @property
    def outcomes(self) -> list[Outcome[Any]]:
        return self._sink.outcomes


class RaisingClient:
    """The gateway as these tests read it: ``call`` returns the answer or raises the failure,
    so each test states the one outcome it expects."""

    def __init__(self, gateway: ErpGateway) -> None:
        self.gateway = gateway

    def __getattr__(self, name: str) -> Any:
        return getattr(self.gateway, name)

    async def call(
        self,
        target: ErpTarget,
        payload: dict[str, Any],
        model: type[Any],
        *,
        trace_id: str = TRACE_ID,
        expected_customer_code: str | None,
        coalesce: bool = True,
        customer: str = "C0004935",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Any:
        """``customer`` is on whose behalf the call is made (what the breaker counts);
        ``headers`` are the call's own (submit_order's Idempotency-Key)."""
        call = ErpCall.raw(
            target.endpoint,
            payload,
            model,
            Actor(source="storefront", customer_code=customer),
            expected_customer_code=expected_customer_code,
        )
        call.trace_id = trace_id
        call.headers = headers
        outcome = await self.gateway.read(target, call, coalesce=coalesce)
        if outcome.error is not None:
            raise outcome.error
        return outcome.value


@asynccontextmanager
async def started_client(
    opts: ErpClientOptions | None = None, **client_kwargs: Any
) -> AsyncIterator[tuple[RaisingClient, AttemptLog]]:
    sink = ListSink()
    gateway = ErpGateway(opts or options(), sink, **client_kwargs)
    await gateway.start()
    try:
        yield RaisingClient(gateway), AttemptLog(sink)
    finally:
        await gateway.close()


def target(
    url: str,
    endpoint: Endpoint = Endpoint.ORDERS,
    *,
    timeout: float = 5.0,
    credentials: Credentials | None = None,
    store_id: Any = None,
    opts: ErpClientOptions | None = None,
) -> ErpTarget:
    return build_target(
        opts or options(),
        store_id=store_id,
        endpoint=endpoint,
        url=url,
        timeout_seconds=timeout,
        credentials=credentials or Credentials(auth_style="bearer", token="s3cret-token"),
    )


PAYLOAD = {"customer_code": "C0004935", "seller_reference": None, "page": 1, "page_size": 20}
