"""The app's own answers: a request that finds no free database connection gets a calm 503."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from erpgate.auth.cookies import BUYER_COOKIE
from erpgate.config import Settings
from erpgate.kit.clock import Clock
from erpgate.store.service import create_store

BUSY = {
    "error": "service_busy",
    "message": "The service is busy right now. Please try again in a moment.",
}


@pytest.fixture
async def busy_app(settings: Settings, engine: AsyncEngine, clock: Clock) -> AsyncIterator[FastAPI]:
    from erpgate.app import create_app

    quick = settings.model_copy(update={"db_pool_timeout_seconds": 0.2})
    application = create_app(quick, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


async def _take_every_connection(engine: AsyncEngine) -> list[AsyncConnection]:
    held = []
    while True:
        try:
            held.append(await engine.connect())
        except PoolTimeout:
            return held


async def test_a_request_that_finds_no_free_connection_is_answered_503_calmly(
    busy_app: FastAPI, db: AsyncSession
) -> None:
    await create_store(db, slug="north", name="North")
    await db.commit()
    transport = httpx.ASGITransport(app=busy_app, raise_app_exceptions=False)
    held = await _take_every_connection(busy_app.state.erpgate.engine)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            client.cookies.set(BUYER_COOKIE, "some-session-token")
            api = await client.get("/api/v1/storefront/me")
            page = await client.get("/store/north/login", headers={"accept": "text/html"})
    finally:
        for connection in held:
            await connection.close()
    assert api.status_code == 503
    assert api.json() == BUSY
    assert api.headers["retry-after"] == "2"
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert BUSY["message"] in page.text
