"""The mock ERP's submit_order endpoint: one ERP order per Idempotency-Key, whatever the retries.

The first call with a key answers 201 ``{"data": {order_id, order_number, status}}`` (or the 422
of ``ordering.rejection_reasons``) and the ERP remembers the answer under the key; every later call
with that key answers the same body, a creation as 200, and creates nothing. The check and the
creation run without an ``await`` between them, so concurrent retries on the loop cannot both
create. ``GET /_control/submitted`` lists every key, what it created and how often it came.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web

from erpgate.erp.contract import SubmitOrderRequest
from erpgate.mock_erp.config import HANDLER_MISTAKES
from erpgate.mock_erp.faults import apply_fault, error_response, reset_connection
from erpgate.mock_erp.ordering import create_order, rejection_reasons
from erpgate.mock_erp.reading import read_contract_request
from erpgate.mock_erp.state import MockErpState, Submission

NAME = "submit_order"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def _json(body: bytes, status: int) -> web.Response:
    return web.Response(body=body, status=status, content_type="application/json")


def submit(
    state: MockErpState, key: str, req: SubmitOrderRequest, *, ignore_key: bool
) -> web.Response:
    """The answer for one call with ``key``: the remembered one, or a new order or rejection."""
    seen = state.submissions.get(key)
    if seen is not None and not ignore_key:
        seen.seen += 1
        return _json(seen.body, 200 if seen.status == 201 else seen.status)
    reasons = rejection_reasons(state.data, req)
    if reasons:
        body, status, order_ids = orjson.dumps({"errors": reasons}), 422, []
    else:
        row = create_order(state.data, req)
        answer = {name: row[name] for name in ("order_id", "order_number", "status")}
        body, status, order_ids = orjson.dumps({"data": answer}), 201, [row["order_id"]]
    if seen is None:
        state.submissions[key] = Submission(key, req.customer_code, status, body, order_ids)
    else:  # "ignore_idempotency_key": a second order under the same key, the mistake it shows
        seen.seen += 1
        seen.order_ids += order_ids
    return _json(body, status)


def submit_route(state: MockErpState) -> Any:
    async def route(request: web.Request) -> web.StreamResponse:
        req = await read_contract_request(state, NAME, request)
        if isinstance(req, web.Response):
            return req
        assert isinstance(req, SubmitOrderRequest)
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key:
            return error_response(
                400, "bad_request", "The Idempotency-Key header is required (the order_reference)"
            )
        if key != req.order_reference:
            return error_response(
                400, "bad_request", "The Idempotency-Key header must be the order_reference"
            )
        fault = state.fault_for(NAME)
        ignore_key = fault is not None and fault.kind == "ignore_idempotency_key"

        async def answer() -> web.Response:
            return submit(state, key, req, ignore_key=ignore_key)

        if fault is None or fault.kind in HANDLER_MISTAKES:
            accepted = await answer()
            if fault is not None and fault.kind == "accept_then_stall":
                await asyncio.sleep(fault.seconds)
            if fault is not None and fault.kind == "accept_then_reset":
                return reset_connection(request)
            return accepted
        # The answer is the cross-customer one too: it names no customer.
        return await apply_fault(request, NAME, fault, answer, state.rng.random, answer)

    route.__doc__ = "Contract endpoint submit_order."
    return route
