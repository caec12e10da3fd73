"""The reference mock ERP: a small aiohttp app implementing the ERP contract, with fault injection.

It is a test tool bound to loopback by default: the ``/_control`` routes need no credentials.
submit_order (``submit``) creates real orders in the seeded data, one per Idempotency-Key; it
refuses unknown customers, the customer on credit hold (``C0009999``) and ``DISC-`` SKUs.
Prices and inventory answer by the rules of ``catalog_prices`` over the demo catalog's SKUs.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from erpgate.erp.contract import (
    BalanceRequest,
    InventoryRequest,
    InvoiceRequest,
    OrderRequest,
    PricesRequest,
    ShippingRequest,
    TaxesRequest,
)
from erpgate.mock_erp.auth import read_token_request, token_answer
from erpgate.mock_erp.config import HANDLER_MISTAKES, PAGING_STYLES, MockErpConfig
from erpgate.mock_erp.control import add_control_routes
from erpgate.mock_erp.data import ORDER_STATUSES, ListRow
from erpgate.mock_erp.faults import apply_fault, error_response, json_response
from erpgate.mock_erp.listing import everyones_rows, list_body
from erpgate.mock_erp.paths import PATHS, TOKEN_PATH
from erpgate.mock_erp.price_answers import inventory_answer, prices_answer, unknown_skus
from erpgate.mock_erp.pricing import shipping_answer, taxes_answer
from erpgate.mock_erp.reading import read_contract_request
from erpgate.mock_erp.state import STATE_KEY, MockErpState, new_state, record_call
from erpgate.mock_erp.submit import NAME as SUBMIT_ORDER
from erpgate.mock_erp.submit import submit_route

Handler = Callable[[BaseModel], Awaitable[web.Response]]


def _not_found(what: str) -> web.Response:
    return error_response(404, "not_found", f"No {what} for this customer")


def _owned_body(
    bodies: dict[str, tuple[str, bytes]],
    key: str,
    customer_code: str,
    what: str,
    mistake: str | None = None,
) -> web.Response:
    """The stored detail body of ``key`` if it belongs to ``customer_code``, else a 404."""
    found = bodies.get(key)
    if found is not None and found[0] != customer_code and mistake == "forbid_other_customer":
        return error_response(403, "forbidden", f"{what} belongs to another customer")
    # Another customer's id is answered exactly like an unknown one.
    if found is None or found[0] != customer_code:
        if mistake == "not_found_as_200":
            return json_response({"error": "not_found", "message": f"No {what}"})
        return _not_found(what)
    return web.Response(body=found[1], content_type="application/json")


class _Handlers:
    """The nine read endpoints over the precomputed data (submit_order: ``submit``)."""

    def __init__(self, state: MockErpState) -> None:
        self.state = state

    async def orders(self, req: BaseModel) -> web.Response:
        return self._list("orders", self.state.data.orders, req)

    async def invoices(self, req: BaseModel) -> web.Response:
        return self._list("invoices", self.state.data.invoices, req)

    def _list(self, name: str, lists: dict[str, list[ListRow]], req: Any) -> web.Response:
        fault = self.state.mistake(name)
        rows = lists.get(req.customer_code, [])
        if fault is not None and fault.kind == "ignore_customer":
            rows = everyones_rows(lists)
        statuses = ORDER_STATUSES if name == "orders" else None
        body = list_body(rows, req, self.state.paging_style, fault, statuses)
        return web.Response(body=body, content_type="application/json")

    def _mistake_kind(self, name: str) -> str | None:
        fault = self.state.mistake(name)
        return fault.kind if fault is not None else None

    async def order(self, req: BaseModel) -> web.Response:
        assert isinstance(req, OrderRequest)
        return _owned_body(
            self.state.data.order_bodies,
            req.order_id,
            req.customer_code,
            f"order {req.order_id}",
            self._mistake_kind("order"),
        )

    async def invoice(self, req: BaseModel) -> web.Response:
        assert isinstance(req, InvoiceRequest)
        return _owned_body(
            self.state.data.invoice_bodies,
            req.invoice_id,
            req.customer_code,
            f"invoice {req.invoice_id}",
            self._mistake_kind("invoice"),
        )

    async def balance(self, req: BaseModel) -> web.Response:
        assert isinstance(req, BalanceRequest)
        body = self.state.data.balance_bodies.get(req.customer_code)
        if body is None:
            return _not_found(f"customer {req.customer_code}")
        return web.Response(body=body, content_type="application/json")

    async def taxes(self, req: BaseModel) -> web.Response:
        assert isinstance(req, TaxesRequest)
        refused = self._unknown_customer("taxes", req.request.header.customer_code)
        return refused or json_response(taxes_answer(req))

    async def shipping(self, req: BaseModel) -> web.Response:
        assert isinstance(req, ShippingRequest)
        refused = self._unknown_customer("shipping", req.customer_code)
        return refused or json_response(shipping_answer(req))

    async def prices(self, req: BaseModel) -> web.Response:
        assert isinstance(req, PricesRequest)
        refused = self._unknown_customer("prices", req.customer_code)
        refused = refused or self._unknown_sku("prices", [line.sku for line in req.lines])
        return refused or json_response(prices_answer(req, self._mistake_kind("prices")))

    async def inventory(self, req: BaseModel) -> web.Response:
        assert isinstance(req, InventoryRequest)
        refused = self._unknown_customer("inventory", req.customer_code)
        refused = refused or self._unknown_sku("inventory", req.skus)
        mistake = self._mistake_kind("inventory")
        return refused or json_response(inventory_answer(req, self.state.data.today, mistake))

    def _unknown_customer(self, name: str, code: str) -> web.Response | None:
        if self._mistake_kind(name) != "refuse_unknown_customer":
            return None
        return None if code in self.state.data.customers else _not_found(f"customer {code}")

    def _unknown_sku(self, name: str, skus: list[str]) -> web.Response | None:
        """The whole request refused for one SKU the ERP does not know ("refuse_unknown_sku")."""
        unknown = unknown_skus(skus)
        if self._mistake_kind(name) != "refuse_unknown_sku" or not unknown:
            return None
        return _not_found(f"item {unknown[0]}")

    async def cross_customer(self, name: str, req: Any) -> web.Response:
        """A contract-shaped answer about another customer: the cross-customer guard's test."""
        data = self.state.data
        asked = getattr(req, "customer_code", None)
        other = next(c for c in data.customer_codes() if c != asked)
        if name in ("orders", "invoices"):
            rows = data.orders if name == "orders" else data.invoices
            return web.Response(
                body=list_body(rows[other], req, "total"), content_type="application/json"
            )
        if name == "order":
            return json_response(
                {"data": data.order_details[data.orders[other][0].row["order_id"]]}
            )
        if name == "invoice":
            row = data.invoices[other][0].row
            return json_response({"data": data.invoice_details[row["invoice_id"]]})
        if name == "balance":
            return json_response({"data": data.balances[other]})
        if name == "prices":
            return json_response(prices_answer(req, code=other))
        if name == "inventory":
            return json_response(inventory_answer(req, data.today, code=other))
        return await getattr(self, name)(req)  # type: ignore[no-any-return]


def _endpoint_route(state: MockErpState, name: str, handler: Handler, cross: _Handlers) -> Any:
    async def route(request: web.Request) -> web.StreamResponse:
        req = await read_contract_request(state, name, request)
        if isinstance(req, web.Response):
            return req
        fault = state.fault_for(name)
        if fault is None or fault.kind in HANDLER_MISTAKES:
            return await handler(req)  # the handler commits the mistake itself
        return await apply_fault(
            request,
            name,
            fault,
            lambda: handler(req),
            state.rng.random,
            lambda: cross.cross_customer(name, req),
        )

    route.__doc__ = f"Contract endpoint {name}."
    return route


def _token_route(state: MockErpState) -> Any:
    async def token(request: web.Request) -> web.StreamResponse:
        """OAuth2 client-credentials token URL."""
        raw = await request.read()
        record_call(state, "token", request, raw)
        fields = await read_token_request(request, raw)

        async def answer() -> web.Response:
            return token_answer(fields, state.config, state.tokens)

        fault = state.fault_for("token")
        if fault is None:
            return await answer()
        return await apply_fault(request, "token", fault, answer, state.rng.random, answer)

    return token


async def _index(request: web.Request) -> web.Response:
    """The endpoint URLs and the customer codes, most orders first."""
    state = request.app[STATE_KEY]
    base = str(request.url.origin())
    body: dict[str, Any] = {name: base + path for name, path in PATHS.items()}
    body["token_url"] = base + TOKEN_PATH
    body["customers"] = state.data.customer_codes()
    return json_response(body)


def build_app_for_state(state: MockErpState) -> web.Application:
    app = web.Application()
    app[STATE_KEY] = state
    handlers = _Handlers(state)
    for name, path in PATHS.items():
        if name == SUBMIT_ORDER:
            app.router.add_post(path, submit_route(state))
        else:
            handler = getattr(handlers, name)
            app.router.add_post(path, _endpoint_route(state, name, handler, handlers))
    app.router.add_post(TOKEN_PATH, _token_route(state))
    app.router.add_get("/", _index)
    add_control_routes(app)
    return app


async def build_mock_erp_app(config: MockErpConfig) -> web.Application:
    """A ready mock ERP application (data built once, here)."""
    return build_app_for_state(new_state(config))


@dataclass(slots=True)
class MockErpHandle:
    """A running mock ERP as tests see it."""

    base_url: str
    urls: dict[str, str]
    config: MockErpConfig
    state: MockErpState
    token_url: str = ""

    def set_fault(self, endpoint: str, fault: str, **params: Any) -> None:
        self.state.set_fault(endpoint, fault, **params)

    def clear_faults(self, endpoint: str | None = None) -> None:
        self.state.clear_faults(endpoint)

    def calls(self, endpoint: str) -> int:
        return self.state.counts[endpoint]

    def recent_requests(self) -> list[dict[str, Any]]:
        return list(self.state.recent)

    def reset_calls(self) -> None:
        self.state.reset_calls()

    def set_paging_style(self, style: str) -> None:
        if style not in PAGING_STYLES:
            raise ValueError(f"paging_style must be one of {PAGING_STYLES}")
        self.state.paging_style = style

    def customers(self) -> list[str]:
        return self.state.data.customer_codes()

    def submissions(self) -> list[dict[str, Any]]:
        """Every Idempotency-Key submitted: its orders and how many times it came."""
        return [submission.as_json() for submission in self.state.submissions.values()]


@contextlib.asynccontextmanager
async def running_mock_erp(
    config: MockErpConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[MockErpHandle]:
    """Serve a mock ERP on a (by default free, loopback) port for the duration of the block."""
    config = config or MockErpConfig()
    app = await build_mock_erp_app(config)
    # A short shutdown timeout: slow-drip handlers must not hold the test run for a minute.
    runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0]
        url_host = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
        base_url = f"http://{url_host}:{bound[1]}"
        yield MockErpHandle(
            base_url=base_url,
            urls={name: base_url + path for name, path in PATHS.items()},
            config=config,
            state=app[STATE_KEY],
            token_url=base_url + TOKEN_PATH,
        )
    finally:
        await runner.cleanup()


def run_mock_erp(
    host: str,
    port: int,
    *,
    token: str,
    key: str,
    auth_style: str,
    faults: list[str],
    paging_style: str,
    seed: int,
    stop_when_stdin_closes: bool = False,
) -> None:
    """Serve the mock ERP until interrupted, after printing its URLs and customer codes."""
    config = MockErpConfig(
        token=token,
        key=key,
        auth_style=auth_style,
        faults=list(faults),
        paging_style=paging_style,
        seed=seed,
    )

    async def serve() -> None:
        async with running_mock_erp(config, host, port) as handle:
            for name, url in handle.urls.items():
                print(f"{name}: {url}", flush=True)
            if auth_style == "oauth2":
                print(f"token_url: {handle.token_url}", flush=True)
            print(f"customers: {', '.join(handle.customers())}", flush=True)
            await (stdin_closed() if stop_when_stdin_closes else asyncio.Event().wait())

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


async def stdin_closed() -> None:
    """Returns when standard input reaches its end. `erpgate demo` holds the other end of that
    pipe, and the kernel closes it however the demo ends (a SIGKILL included), so the mock ERP
    cannot outlive it and squat on its port."""
    closed = asyncio.Event()

    class _Watch(asyncio.Protocol):
        def connection_lost(self, exc: Exception | None) -> None:
            closed.set()

    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_read_pipe(_Watch, sys.stdin)
    try:
        await closed.wait()
    finally:
        transport.close()
