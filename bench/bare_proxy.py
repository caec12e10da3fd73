"""A bare ASGI + aiohttp pass-through to the mock ERP's orders list: the ceiling P1 compares to."""

import os
from urllib.parse import parse_qs

import aiohttp
import orjson

ERP_URL = os.environ["BARE_ERP_URL"]
TOKEN = os.environ.get("BARE_ERP_TOKEN", "demo-erp-token")
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
session: aiohttp.ClientSession | None = None


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    global session
    if session is None:  # one session per process, made on first use
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit_per_host=100))
    query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
    payload = {"customer_code": "C0004935", "page": 1, "page_size": 20}
    payload["date_to"] = query.get("date_to")
    async with session.post(ERP_URL, data=orjson.dumps(payload), headers=HEADERS) as answer:
        body, status = await answer.read(), answer.status
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
