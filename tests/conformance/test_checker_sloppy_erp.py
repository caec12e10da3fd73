"""Paging and filter rules against a small real ERP that ignores page and filters."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from aiohttp import web

from erpgate.conformance.config import build_config
from erpgate.conformance.direct import run_direct
from tests.conformance.helpers import failed, only

TOKEN = "sloppy-token"
ROWS = [
    {
        "order_id": f"SO-{n}",
        "date": f"2026-10-{n:02d}",
        "status": "Shipped" if n % 2 else "Open",
        "total": "10.00",
    }
    for n in range(20, 10, -1)
]


async def _orders(request: web.Request) -> web.Response:
    if request.headers.get("Authorization") != f"Bearer {TOKEN}":
        return web.json_response({"error": "unauthorized"}, status=401)
    # Same ten rows whatever the page, search, status or dates asked for.
    return web.json_response({"data": ROWS, "meta": {"page": 1, "page_size": 10, "total": 30}})


@pytest_asyncio.fixture
async def sloppy_orders_url() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/orders", _orders)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}/orders"
    await runner.cleanup()


async def test_ignored_page_and_filters_fail_their_rules(sloppy_orders_url: str) -> None:
    config = build_config(
        {
            "orders_url": sloppy_orders_url,
            "token": TOKEN,
            "customer_code": "C1",
            "allow_private": True,
        }
    )

    report = await run_direct(config)

    assert failed(report) == {
        ("paging.distinct", "orders"),
        ("paging.consistent", "orders"),
        ("filters.status", "orders"),
        ("filters.search", "orders"),
        ("filters.dates", "orders"),
    }
    assert only(report, "paging.distinct", "orders").message == (
        "Page 2 repeats page 1 (10 identical rows): the page field is ignored: answer rows "
        "(page - 1) × page_size onwards"
    )
    assert only(report, "paging.consistent", "orders").message == (
        "meta.page is 1 on page 2; meta.page is 1 on page 3; page_size 100 returned 10 rows of "
        "30, not 30: answer up to 100 rows per page (a smaller page loses the rows after it)"
    )
    # Walking the pages would only repeat what paging.distinct found.
    assert only(report, "paging.stable", "orders").status == "skip"
    assert only(report, "filters.status", "orders").message == (
        "status='open' returned 5 row(s) of another status: SO-19 ('Shipped'), SO-17 "
        "('Shipped'), SO-15 ('Shipped') (and 2 more); return only rows of the status asked for"
    )
    assert only(report, "filters.search", "orders").message == (
        "search='SO-20' returned 9 row(s) whose number or PO number does not contain it: SO-19, "
        "SO-18, SO-17 (and 6 more); return only the rows whose number or PO number contains the "
        "search text (case-insensitively)"
    )
    assert only(report, "filters.dates", "orders").message.startswith(
        "date_from=2026-10-20 returned SO-19 dated 2026-10-19, SO-18 dated 2026-10-18, SO-17 "
        "dated 2026-10-17 (and 6 more); "
    )
