"""What the twins' tests share: customer codes of the seeded data and the control route."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

Client = TestClient[web.Request, web.Application]

ACME = "C0004935"  # the customer with the most orders (160)
GIBSONBURG = "C010268"
INJECTION = "O'Brien') or (1 eq 1"


async def set_fault(client: Client, endpoint: str, fault: str, **params: object) -> None:
    """Set a fault through the twin's control route, as a test tool outside the process would."""
    body = {"endpoint": endpoint, "fault": fault, **params}
    response = await client.post("/_control/faults", json=body)
    assert response.status == 200, await response.text()
