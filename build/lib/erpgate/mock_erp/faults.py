"""Fault injection: turn a correct mock answer into each way a real ERP misbehaves."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from erpgate.mock_erp.config import Fault

Answer = Callable[[], Awaitable[web.Response]]

HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>"
    b"<h1>Internal Server Error</h1><p>ORA-00942: table or view does not exist</p>"
    b"<p>at ErpServer.Orders.List(line 4411)</p></body></html>"
)
MALFORMED_JSON = b'{"data": [{"order_id": "SO-100231", "total": "1523.40", '

# Valid JSON that breaks the contract: a money field that is not a number, or a required field gone.
CONTRACT_BREAKS: dict[str, Any] = {
    "orders": {"data": [{"order_id": "SO-1", "date": "2026-10-02", "total": "abc"}]},
    "order": {"data": {"order_id": "SO-1", "date": "2026-10-02", "total": "abc", "lines": []}},
    "invoices": {"data": [{"invoice_id": "INV-1", "date": "2026-10-02", "total": "10.00"}]},
    "invoice": {"data": {"invoice_id": "INV-1", "date": "32/13/2026", "total": "1", "balance": 0}},
    "balance": {"data": {"currency": "USD", "credit_limit": "1000.00"}},
    "taxes": {"data": {"salestax_amount": "1,234.50"}},
    "shipping": {"shipping_methods": {"label": "Ground", "total": "abc"}},
    # Accepted without the order's id: nothing is created, so a retry once fixed creates it once.
    "submit_order": {"data": {"status": "Open"}},
    "prices": {"data": [{"sku": "5620", "unit_price": "1,234.50", "currency": "USD"}]},
    "inventory": {"data": [{"sku": "5620", "available": "12 pcs"}]},
    "token": {"token_type": "Bearer"},
}


# What "markup_text" writes into the free-text fields of an answer: tags, a script, quotes and an
# ampersand, each of which a page must escape. Only this fault holds them, so the seeded data (the
# demo's) stays believable.
MARKUP_NOTES = '<b>Deliver to dock 4</b> <script>alert("erp")</script> & call "Ann" first'
MARKUP_NAME = 'ACME <i>Dock</i> & "Yard"'


# What "reject_many" answers: 50 reasons, every one with a sentence for the buyer, so a page
# must cut the list rather than show them all.
REJECT_MANY: dict[str, Any] = {
    "errors": [
        {
            "field": f"lines[{index}].sku",
            "message": f"Item REJ-{index + 1:02d} is not stocked at warehouse 1",
            "buyer_message": f"Product REJ-{index + 1:02d} is not available.",
        }
        for index in range(50)
    ]
}


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(body), status=status, content_type="application/json", headers=headers
    )


def error_response(
    status: int, error: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return json_response({"error": error, "message": message}, status=status, headers=headers)


def reset_connection(request: web.Request) -> web.Response:
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Linger 0 turns the close into a TCP RST: the client sees a reset, not a clean EOF.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    # Nothing reaches the client; aiohttp drops this answer on the closed transport.
    return web.Response(status=500)


async def _slow_drip(
    request: web.Request, answer: web.Response, interval_ms: float
) -> web.StreamResponse:
    body = answer.body if isinstance(answer.body, bytes) else b"{}"
    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    response.content_length = len(body)
    await response.prepare(request)
    try:
        for index in range(len(body)):
            await response.write(body[index : index + 1])
            await asyncio.sleep(interval_ms / 1000)
    except (ConnectionError, RuntimeError):
        # The client gave up (its deadline), which is the point of this fault.
        return response
    await response.write_eof()
    return response


# Headers every request carries that hold no credential; everything else is echoed.
_PLAIN_HEADERS = frozenset(
    {
        "host",
        "accept",
        "accept-encoding",
        "content-type",
        "content-length",
        "user-agent",
        "traceparent",
        "x-request-id",
        "connection",
    }
)


async def _echo_credentials(request: web.Request, answer: web.Response) -> web.Response:
    """The normal answer, echoing the request's credentials the way careless debug code does:
    every credential header in an ``X-Debug-Echo`` header and, with the raw request body (the
    token URL's form-encoded client secret), inside the JSON body (JSON-escaped there)."""
    echoed = {str(k): v for k, v in request.headers.items() if k.lower() not in _PLAIN_HEADERS}
    raw = (await request.read()).decode("utf-8", "replace")
    shown = "; ".join(
        [*echoed.values(), *([raw] if request.content_type != "application/json" else [])]
    )
    body = answer.body if isinstance(answer.body, bytes) else b"{}"
    parsed = orjson.loads(body)
    if isinstance(parsed, dict):
        parsed["_echo"] = {"headers": echoed, "body": raw}
        body = orjson.dumps(parsed)
    headers = {"X-Debug-Echo": f"got {shown}"}
    return web.Response(
        body=body, status=answer.status, content_type="application/json", headers=headers
    )


def _oversized(answer: web.Response, size: int) -> web.Response:
    body = answer.body if isinstance(answer.body, bytes) else b"{}"
    # Pad inside the top-level object so the body stays valid, contract-shaped JSON of `size` bytes.
    overhead = len(body) + len(b'"_padding":"",')
    padding = b"x" * max(0, size - overhead)
    padded = b'{"_padding":"' + padding + b'",' + body[1:] if body != b"{}" else b"{}"
    return web.Response(body=padded, status=200, content_type="application/json")


def retry_after_header(fault: Fault) -> dict[str, str]:
    """Retry-After in whole seconds, as HTTP asks (never 0: a throttled client must wait)."""
    return {"Retry-After": str(max(1, round(fault.seconds)))}


def rate_limited(fault: Fault) -> web.Response:
    return error_response(429, "rate_limited", "Too many requests", retry_after_header(fault))


async def apply_fault(
    request: web.Request,
    endpoint: str,
    fault: Fault,
    answer: Answer,
    rng_draw: Callable[[], float],
    cross_customer: Answer,
) -> web.StreamResponse:
    """The faulty answer for one call, or the normal one when the fault lets it through."""
    kind = fault.kind
    if kind == "latency":
        await asyncio.sleep(fault.seconds)
        return await answer()
    if kind == "error_rate":
        if rng_draw() < fault.rate:
            return error_response(500, "internal_error", "Injected error (error_rate)")
        return await answer()
    if kind == "status":
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
        return error_response(fault.status, "injected", f"Injected status {fault.status}", headers)
    if kind == "rate_limit":
        return rate_limited(fault)
    if kind == "html_error":
        return web.Response(body=HTML_ERROR_PAGE, status=fault.status, content_type="text/html")
    if kind == "malformed_json":
        return web.Response(body=MALFORMED_JSON, status=200, content_type="application/json")
    if kind == "contract_break":
        return json_response(CONTRACT_BREAKS[endpoint])
    if kind == "cross_customer":
        return await cross_customer()
    if kind == "slow_drip":
        return await _slow_drip(request, await answer(), fault.interval_ms)
    if kind == "reset":
        return reset_connection(request)
    if kind == "oversized":
        return _oversized(await answer(), fault.bytes)
    if kind == "redirect":
        return web.Response(status=302, headers={"Location": fault.location})
    if kind == "echo_credentials":
        return await _echo_credentials(request, await answer())
    if kind == "markup_text":
        return _markup_text(await answer())
    if kind == "reject_many":
        return json_response(REJECT_MANY, status=422)
    raise AssertionError(f"unhandled fault {kind}")


def _markup_text(answer: web.Response) -> web.Response:
    """The same answer with markup in its notes and ship-to names (lists and by-id rows)."""
    if answer.status != 200 or not isinstance(answer.body, bytes):
        return answer
    body = orjson.loads(answer.body)
    data = body.get("data") if isinstance(body, dict) else None
    rows = data if isinstance(data, list) else [data]
    for row in rows:
        if not isinstance(row, dict):
            continue
        if "notes" in row:
            row["notes"] = MARKUP_NOTES
        if "ship_to_name" in row:
            row["ship_to_name"] = MARKUP_NAME
        if isinstance(row.get("ship_to"), dict):
            row["ship_to"]["name"] = MARKUP_NAME
    return json_response(body)
