"""Control routes of the mock ERP (no credentials: a loopback test tool): faults, calls, paging,
submitted orders."""

from __future__ import annotations

import contextlib

import orjson
from aiohttp import web

from erpgate.mock_erp.config import PAGING_STYLES, FaultSpecError
from erpgate.mock_erp.faults import error_response, json_response
from erpgate.mock_erp.state import STATE_KEY


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


async def _get_submitted(request: web.Request) -> web.Response:
    """Every Idempotency-Key submitted, first seen first: its orders and how often it came."""
    return json_response(request.app[STATE_KEY].submissions_json())


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


def add_control_routes(app: web.Application) -> None:
    app.router.add_get("/_control/faults", _get_faults)
    app.router.add_post("/_control/faults", _post_fault)
    app.router.add_delete("/_control/faults", _delete_faults)
    app.router.add_get("/_control/calls", _get_calls)
    app.router.add_delete("/_control/calls", _delete_calls)
    app.router.add_get("/_control/submitted", _get_submitted)
    app.router.add_post("/_control/paging", _post_paging)
    app.router.add_post("/_control/tokens/revoke", _revoke_tokens)
