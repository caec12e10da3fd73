"""Every HTTP request, seen once: Prometheus figures, the access log, a trace span, and a calm 500.

One pure ASGI middleware, outside the app's own (so it times everything they do):

- ``erpgate_http_requests_total{route, method, status}`` and
  ``erpgate_http_request_duration_seconds{route, method}``. ``route`` is the matched route's
  template (``/api/v1/storefront/orders/{order_id}``), ``/static`` for files, ``unmatched`` for
  a 404 no route claimed: never the raw path, so buyers' input cannot multiply the series.
  ``method`` is one of the usual verbs or ``other``.
- The access log: one line per request (``http_request``: method, route, status, duration_ms,
  trace_id, store), ``ERPGATE_ACCESS_LOG_SAMPLE_RATE`` of them; a 5xx is always logged. The
  probes (``/healthz``, ``/readyz``, ``/metrics``) are counted but not logged.
- A span per request when tracing is on (``erpgate.kit.tracing``); its trace id is the log's.
- An exception no handler took: logged once with its traceback as one structured line (JSON in
  production), and answered 500 with the trace id to quote; it does not travel on to the server,
  which would log it again as a plain-text traceback.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from erpgate.kit import tracing
from erpgate.kit.ids import new_trace_id
from erpgate.kit.metrics import LabelCache
from erpgate.logging import get_logger
from erpgate.web.responses import dumps, wants_json

log = get_logger("erpgate.access")

HTTP_REQUESTS = Counter(
    "erpgate_http_requests_total",
    "HTTP requests by route template, method and status",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "erpgate_http_request_duration_seconds",
    "HTTP request duration by route template and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PROBES = frozenset({"/healthz", "/readyz", "/metrics"})
STORE_KEY = "erpgate.store"  # set in the scope by whoever learns the request's store
UNMATCHED = "unmatched"


def tag_store(scope: Scope, slug: str) -> None:
    """Name the store a request belongs to, for its access log line."""
    scope[STORE_KEY] = slug


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if scope.get("path", "").startswith("/static/"):
        return "/static"
    return UNMATCHED


class Observe:
    def __init__(
        self,
        app: ASGIApp,
        *,
        access_log: bool = True,
        sample_rate: float = 1.0,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.app = app
        self.access_log = access_log and sample_rate > 0
        self.sample_rate = sample_rate
        self._rng = rng
        self._requests: LabelCache[Any] = LabelCache(HTTP_REQUESTS)
        self._durations: LabelCache[Any] = LabelCache(HTTP_DURATION)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not tracing.enabled():  # the usual case: no context manager, no span
            await self._observe(scope, receive, send, None)
            return
        with tracing.request_span(scope) as span:
            await self._observe(scope, receive, send, span)

    async def _observe(
        self, scope: Scope, receive: Receive, send: Send, span: tracing.RequestSpan | None
    ) -> None:
        began = time.perf_counter()
        status = 500
        started = False

        async def observed_send(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
            await send(message)

        trace_id = span.trace_id if span is not None else None
        try:
            await self.app(scope, receive, observed_send)
        except Exception:
            trace_id = trace_id or new_trace_id()
            if not started:
                status = 500
                await _internal_error(scope, send, trace_id)
            self._record(scope, status, began, trace_id, failed=True)
            if started:
                raise
            return
        finally:
            if span is not None:
                span.finish(route_template(scope), status)
        self._record(scope, status, began, trace_id, failed=False)

    def _record(
        self, scope: Scope, status: int, began: float, trace_id: str | None, *, failed: bool
    ) -> None:
        seconds = time.perf_counter() - began
        route = route_template(scope)
        method = scope["method"] if scope["method"] in METHODS else "other"
        self._requests.get(route, method, str(status)).inc()
        self._durations.get(route, method).observe(seconds)
        if not failed:
            if not self.access_log or scope["path"] in PROBES:
                return
            if status < 500 and self.sample_rate < 1.0 and self._rng() >= self.sample_rate:
                return
        fields = {
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "trace_id": trace_id or new_trace_id(),
            "store": _store(scope),
        }
        if failed:
            log.error("http_request_failed", exc_info=True, **fields)
        else:
            log.info("http_request", **fields)


def _store(scope: Scope) -> str | None:
    slug = scope.get(STORE_KEY)
    if slug is None:
        slug = (scope.get("path_params") or {}).get("slug")
    return slug if isinstance(slug, str) else None


INTERNAL_MESSAGE = "Something went wrong on our side. Please try again; quote this reference"


async def _internal_error(scope: Scope, send: Send, trace_id: str) -> None:
    if wants_json(HTTPConnection(scope)):
        body = dumps(
            {"error": "internal_error", "message": INTERNAL_MESSAGE + ".", "reference": trace_id}
        )
        media_type = b"application/json"
    else:
        body = (
            "<!doctype html><title>Something went wrong</title>"
            f"<p>{INTERNAL_MESSAGE}: <code>{trace_id}</code></p>"
        ).encode()
        media_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", media_type),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
