"""OpenTelemetry: with ERPGATE_OTLP_ENDPOINT set, a request is a server span and each ERP attempt
a client span under it, and the traceparent the ERP receives names that attempt's span. Checked
against an in-process OTLP/HTTP receiver on loopback (protobuf decoded with the OTLP schema)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from aiohttp import web
from fastapi import FastAPI
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.kit import tracing
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.related_request import RelatedRequest
from tests.event.helpers import make_shop, sign_in_admin
from tests.outcomes.helpers import live_of, read_orders, writer_of


@dataclass
class Collector:
    url: str
    spans: list[Span] = field(default_factory=list)


@pytest.fixture
async def collector() -> AsyncIterator[Collector]:
    found = Collector("")

    async def traces(request: web.Request) -> web.Response:
        export = ExportTraceServiceRequest.FromString(await request.read())
        for resource in export.resource_spans:
            for scope in resource.scope_spans:
                found.spans.extend(scope.spans)
        return web.Response(status=200, content_type="application/x-protobuf")

    app = web.Application()
    app.router.add_post("/v1/traces", traces)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    found.url = f"http://127.0.0.1:{port}"
    try:
        yield found
    finally:
        await runner.cleanup()


@pytest.fixture
def settings(settings: Settings, collector: Collector) -> Settings:
    return settings.model_copy(update={"otlp_endpoint": collector.url})


async def test_a_request_span_has_the_erp_attempt_under_it_and_the_erp_sees_that_span(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    settings: Settings,
    collector: Collector,
    mock_erp: MockErpHandle,
) -> None:
    assert tracing.enabled()
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    await read_orders(app, await live_of(app, db, shop), shop)
    await writer_of(app).flush()
    request = (await db.execute(select(RelatedRequest))).scalar_one()
    csrf = await sign_in_admin(client, db, shop.store.id, role="developer")
    mock_erp.reset_calls()

    answer = await client.post(
        f"/api/v1/admin/requests/{request.id}/replay", headers={"X-CSRF-Token": csrf}
    )
    assert answer.status_code == 201
    await asyncio.to_thread(tracing.force_flush)  # the exporter's thread posts to our loop

    server = next(
        s for s in collector.spans if s.name == "POST /api/v1/admin/requests/{request_id}/replay"
    )
    attempts = [
        s for s in collector.spans if s.name == "ERP ERP orders" and s.trace_id == server.trace_id
    ]
    assert len(attempts) == 1
    [attempt] = attempts
    assert attempt.parent_span_id == server.span_id
    assert attempt.kind == Span.SpanKind.SPAN_KIND_CLIENT
    assert server.kind == Span.SpanKind.SPAN_KIND_SERVER
    attributes = {a.key: a.value for a in attempt.attributes}
    assert attributes["http.response.status_code"].int_value == 200
    [seen] = [r for r in mock_erp.recent_requests() if r["endpoint"] == "orders"]
    traceparent = seen["headers"]["traceparent"]
    assert traceparent == f"00-{server.trace_id.hex()}-{attempt.span_id.hex()}-01"


async def test_an_incoming_traceparent_is_continued(
    app: FastAPI, client: httpx.AsyncClient, collector: Collector
) -> None:
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert (await client.get("/healthz", headers={"traceparent": parent})).status_code == 200
    await asyncio.to_thread(tracing.force_flush)
    [span] = [s for s in collector.spans if s.name == "GET /healthz"]
    assert span.trace_id.hex() == "0af7651916cd43dd8448eb211c80319c"
    assert span.parent_span_id.hex() == "b7ad6b7169203331"
