"""The reference mock ERP: a small aiohttp app implementing the ERP contract, with fault injection.

It is a test tool bound to loopback by default: the ``/_control`` routes need no credentials.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from erpgate.erp.contract import (
    REQUEST_MODELS,
    BalanceRequest,
    InvoiceRequest,
    OrderRequest,
    ShippingRequest,
    TaxesRequest,
)
from erpgate.erp.endpoints import Endpoint
from erpgate.mock_erp.auth import (
    TokenIssuer,
    authorized,
    read_token_request,
    token_answer,
    unauthorized,
)
from erpgate.mock_erp.config import (
    FAULT_TARGETS,
    PAGING_STYLES,
    Fault,
    FaultSpecError,
    MockErpConfig,
    parse_fault_spec,
)
from erpgate.mock_erp.data import MockDataset, build_dataset
from erpgate.mock_erp.faults import apply_fault, error_response, json_response
from erpgate.mock_erp.listing import list_body
from erpgate.mock_erp.pricing import shipping_answer, taxes_answer

PATHS: dict[str, str] = {
    "orders": "/erp/orders",
    "order": "/erp/orders/get",
    "invoices": "/erp/invoices",
    "invoice": "/erp/invoices/get",
    "balance": "/erp/balance",
    "taxes": "/erp/checkout/taxes",
    "shipping": "/erp/checkout/shipping",
}
TOKEN_PATH = "/oauth/token"
RECENT_LIMIT = 200

STATE_KEY: web.AppKey[MockErpState] = web.AppKey("mock_erp_state")
Handler = Callable[[BaseModel], Awaitable[web.Response]]


@dataclass(slots=True)
class MockErpState:
    """Everything a running mock ERP keeps and tests may change at runtime."""

    config: MockErpConfig
    data: MockDataset
    paging_style: str
    tokens: TokenIssuer
    rng: random.Random
    faults: dict[str, Fault] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    recent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT_LIMIT))

    def set_fault(self, endpoint: str, fault: str, **params: Any) -> Fault:
        if endpoint not in FAULT_TARGETS:
            raise FaultSpecError(f"unknown endpoint {endpoint!r}")
        built = Fault.build(fault, **params)
        self.faults[endpoint] = built
        return built

    def clear_faults(self, endpoint: str | None = None) -> None:
        if endpoint is None:
            self.faults.clear()
        else:
            self.faults.pop(endpoint, None)

    def fault_for(self, endpoint: str) -> Fault | None:
        fault = self.faults.get(endpoint)
        if fault is None and endpoint != "token":
            fault = self.faults.get("*")
        return fault

    def calls_json(self) -> dict[str, Any]:
        return {"counts": dict(self.counts), "recent": list(self.recent)}

    def reset_calls(self) -> None:
        self.counts.clear()
        self.recent.clear()


def new_state(config: MockErpConfig) -> MockErpState:
    state = MockErpState(
        config=config,
        data=build_dataset(config.seed, config.today),
        paging_style=config.paging_style,
        tokens=TokenIssuer(config.token_expires_in),
        # Its own RNG, so error_rate draws never disturb the seeded data.
        rng=random.Random(config.seed + 1),
    )
    for spec in config.faults:
        target, fault = parse_fault_spec(spec)
        state.faults[target] = fault
    return state


def _record(state: MockErpState, name: str, request: web.Request, raw: bytes) -> Any:
    """Count the call and keep its body and headers; return the parsed JSON (or None)."""
    try:
        parsed: Any = orjson.loads(raw) if raw else None
        shown: Any = parsed
    except orjson.JSONDecodeError:
        parsed = None
        shown = raw.decode("utf-8", "replace")
    state.counts[name] += 1
    state.recent.append(
        {
            "endpoint": name,
            "method": request.method,
            "path": request.path,
            "headers": dict(request.headers),
            "body": shown,
        }
    )
    return parsed


def _not_found(what: str) -> web.Response:
    return error_response(404, "not_found", f"No {what} for this customer")


class _Handlers:
    """The seven contract endpoints over the precomputed data."""

    def __init__(self, state: MockErpState) -> None:
        self.state = state

    async def orders(self, req: BaseModel) -> web.Response:
        return self._list(self.state.data.orders, req)

    async def invoices(self, req: BaseModel) -> web.Response:
        return self._list(self.state.data.invoices, req)

    def _list(self, rows: dict[str, Any], req: Any) -> web.Response:
        body = list_body(rows.get(req.customer_code, []), req, self.state.paging_style)
        return web.Response(body=body, content_type="application/json")

    async def order(self, req: BaseModel) -> web.Response:
        assert isinstance(req, OrderRequest)
        found = self.state.data.order_bodies.get(req.order_id)
        # Another customer's id is answered exactly like an unknown one.
        if found is None or found[0] != req.customer_code:
            return _not_found(f"order {req.order_id}")
        return web.Response(body=found[1], content_type="application/json")

    async def invoice(self, req: BaseModel) -> web.Response:
        assert isinstance(req, InvoiceRequest)
        found = self.state.data.invoice_bodies.get(req.invoice_id)
        if found is None or found[0] != req.customer_code:
            return _not_found(f"invoice {req.invoice_id}")
        return web.Response(body=found[1], content_type="application/json")

    async def balance(self, req: BaseModel) -> web.Response:
        assert isinstance(req, BalanceRequest)
        body = self.state.data.balance_bodies.get(req.customer_code)
        if body is None:
            return _not_found(f"customer {req.customer_code}")
        return web.Response(body=body, content_type="application/json")

    async def taxes(self, req: BaseModel) -> web.Response:
        assert isinstance(req, TaxesRequest)
        return json_response(taxes_answer(req))

    async def shipping(self, req: BaseModel) -> web.Response:
        assert isinstance(req, ShippingRequest)
        return json_response(shipping_answer(req))

    async def cross_customer(self, name: str, req: Any) -> web.Response:
        """A contract-shaped answer about another customer: the cross-customer guard's test."""
        data = self.state.data
        asked = getattr(req, "customer_code", None)
        other = next(c for c in data.customer_codes() if c != asked)
        if name in ("orders", "invoices"):
            rows = data.orders if name == "orders" else data.invoices
            return web.Response(body=list_body(rows[other], req, "total"), content_type="application/json")
        if name == "order":
            return json_response({"data": data.order_details[data.orders[other][0].row["order_id"]]})
        if name == "invoice":
            row = data.invoices[other][0].row
            return json_response({"data": data.invoice_details[row["invoice_id"]]})
        if name == "balance":
            return json_response({"data": data.balances[other]})
        return await getattr(self, name)(req)  # type: ignore[no-any-return]


def _endpoint_route(state: MockErpState, name: str, handler: Handler, cross: _Handlers) -> Any:
    model = REQUEST_MODELS[Endpoint(name)]

    async def route(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        parsed = _record(state, name, request, raw)
        if not authorized(request, state.config, state.tokens):
            return unauthorized()
        if not isinstance(parsed, dict):
            return error_response(400, "bad_request", "The body must be a JSON object")
        try:
            req = model.model_validate(parsed)
        except ValidationError as exc:
            details = exc.errors(include_url=False, include_context=False, include_input=False)
            return json_response({"error": "bad_request", "details": details}, status=400)
        fault = state.fault_for(name)
        if fault is None:
            return await handler(req)
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
        _record(state, "token", request, raw)
        fields = await read_token_request(request, raw)

        async def answer() -> web.Response:
            return token_answer(fields, state.config, state.tokens)

        fault = state.fault_for("token")
        if fault is None:
            return await answer()
        return await apply_fault(request, "token", fault, answer, state.rng.random, answer)

    return token


async def _index(request: web.Request) -> web.Response:
    """The seven endpoint URLs and the customer codes, most orders first."""
    state = request.app[STATE_KEY]
    base = str(request.url.origin())
    body: dict[str, Any] = {name: base + path for name, path in PATHS.items()}
    body["token_url"] = base + TOKEN_PATH
    body["customers"] = state.data.customer_codes()
    return json_response(body)


async def _get_faults(request: web.Request) -> web.Response:
    """List the faults in force."""
    state = request.app[STATE_KEY]
    return json_response({"faults": {k: f.as_json() for k, f in state.faults.items()}})


async def _post_fault(request: web.Request) -> web.Response:
    """Set one endpoint's fault: {"endpoint": "orders", "fault": "status", "status": 500}."""
    state = request.app[STATE_KEY]
    try:
        body = orjson.loads(await request.read())
        if not isinstance(body, dict):
            raise FaultSpecError("body must be a JSON object")
        params = {k: v for k, v in body.items() if k not in ("endpoint", "fault")}
        state.set_fault(str(body.get("endpoint", "*")), str(body.get("fault")), **params)
    except (orjson.JSONDecodeError, FaultSpecError) as exc:
        return error_response(400, "bad_request", str(exc))
    return await _get_faults(request)


async def _delete_faults(request: web.Request) -> web.Response:
    """Clear all faults, or one endpoint's with ?endpoint=orders."""
    request.app[STATE_KEY].clear_faults(request.query.get("endpoint"))
    return await _get_faults(request)


async def _get_calls(request: web.Request) -> web.Response:
    """Call counts per endpoint and the last 200 requests."""
    return json_response(request.app[STATE_KEY].calls_json())


async def _delete_calls(request: web.Request) -> web.Response:
    """Forget the call log."""
    request.app[STATE_KEY].reset_calls()
    return json_response({"counts": {}, "recent": []})


async def _post_paging(request: web.Request) -> web.Response:
    """Switch what list meta carries: {"paging_style": "total" | "has_more" | "none"}."""
    state = request.app[STATE_KEY]
    with contextlib.suppress(orjson.JSONDecodeError):
        body = orjson.loads(await request.read())
        if isinstance(body, dict) and body.get("paging_style") in PAGING_STYLES:
            state.paging_style = body["paging_style"]
            return json_response({"paging_style": state.paging_style})
    return error_response(400, "bad_request", f"paging_style must be one of {PAGING_STYLES}")


async def _revoke_tokens(request: web.Request) -> web.Response:
    """Invalidate every issued oauth2 access token (tests the client's refetch on 401)."""
    request.app[STATE_KEY].tokens.revoke_all()
    return json_response({"revoked": True})


def build_app_for_state(state: MockErpState) -> web.Application:
    app = web.Application()
    app[STATE_KEY] = state
    handlers = _Handlers(state)
    for name, path in PATHS.items():
        app.router.add_post(path, _endpoint_route(state, name, getattr(handlers, name), handlers))
    app.router.add_post(TOKEN_PATH, _token_route(state))
    app.router.add_get("/", _index)
    app.router.add_get("/_control/faults", _get_faults)
    app.router.add_post("/_control/faults", _post_fault)
    app.router.add_delete("/_control/faults", _delete_faults)
    app.router.add_get("/_control/calls", _get_calls)
    app.router.add_delete("/_control/calls", _delete_calls)
    app.router.add_post("/_control/paging", _post_paging)
    app.router.add_post("/_control/tokens/revoke", _revoke_tokens)
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
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
