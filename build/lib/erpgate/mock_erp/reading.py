"""Reading one contract request as every mock ERP endpoint does: log it, check the credentials,
parse the JSON and validate it against the contract's request model."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ValidationError

from erpgate.erp.contract import REQUEST_MODELS
from erpgate.erp.endpoints import Endpoint
from erpgate.mock_erp.auth import authorized, unauthorized
from erpgate.mock_erp.faults import error_response, json_response
from erpgate.mock_erp.state import MockErpState, record_call


async def read_contract_request(
    state: MockErpState, name: str, request: web.Request
) -> BaseModel | web.Response:
    """The validated request, or the 400 or 401 answer it gets instead."""
    raw = await request.read()
    parsed = record_call(state, name, request, raw)
    if not authorized(request, state.config, state.tokens):
        return unauthorized()
    if not isinstance(parsed, dict):
        return error_response(400, "bad_request", "The body must be a JSON object")
    try:
        return REQUEST_MODELS[Endpoint(name)].model_validate(parsed)
    except ValidationError as exc:
        details = exc.errors(include_url=False, include_context=False, include_input=False)
        return json_response({"error": "bad_request", "details": details}, status=400)
