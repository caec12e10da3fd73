"""OpenTelemetry tracing: off unless an OTLP endpoint is configured (``ERPGATE_OTLP_ENDPOINT``).

When on, every HTTP request is a server span (continuing the caller's ``traceparent`` if it sent
one) and every ERP attempt, the OAuth2 token fetch included, is a client span under it; the
``traceparent`` header sent to the ERP names that attempt's span, so an ERP that traces too
joins the same trace. Spans leave in batches over OTLP/HTTP (protobuf) from a background thread.

The SDK and exporter are the optional extra ``erpgate[tracing]``: when tracing is off nothing of
them is imported, and each hook below costs one ``None`` check.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

_tracer: Any = None
_provider: Any = None

MISSING_PACKAGES = (
    "tracing needs the OpenTelemetry SDK and OTLP exporter: "
    "pip install 'erpgate[tracing]' (or unset ERPGATE_OTLP_ENDPOINT)"
)


def enabled() -> bool:
    return _tracer is not None


def configure(endpoint: str | None, *, service_name: str = "erpgate", exporter: Any = None) -> None:
    """Start exporting spans to ``endpoint`` (an OTLP/HTTP base URL such as
    ``http://collector:4318``); None turns tracing off. ``exporter`` replaces the OTLP one (tests).
    Raises RuntimeError with MISSING_PACKAGES when the SDK is not installed."""
    global _tracer, _provider
    shutdown()
    if not endpoint and exporter is None:
        return
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        raise RuntimeError(MISSING_PACKAGES) from None
    if exporter is None:
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            raise RuntimeError(MISSING_PACKAGES) from None
        exporter = OTLPSpanExporter(endpoint=str(endpoint).rstrip("/") + "/v1/traces")
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=1000))
    _provider, _tracer = provider, provider.get_tracer("erpgate")


def shutdown() -> None:
    """Send what is buffered and stop (the end of the process, or a reconfiguration)."""
    global _tracer, _provider
    if _provider is not None:
        _provider.shutdown()
    _tracer = _provider = None


def force_flush() -> None:
    if _provider is not None:
        _provider.force_flush()


def _hex_ids(span: Any) -> tuple[str, str]:
    context = span.get_span_context()
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


class RequestSpan:
    __slots__ = ("_span", "trace_id")

    def __init__(self, span: Any) -> None:
        self._span = span
        self.trace_id = _hex_ids(span)[0]

    def finish(self, route: str, status: int) -> None:
        from opentelemetry.trace import StatusCode

        span = self._span
        span.update_name(f"{span.attributes.get('http.request.method', 'HTTP')} {route}")
        span.set_attribute("http.route", route)
        span.set_attribute("http.response.status_code", status)
        if status >= 500:
            span.set_status(StatusCode.ERROR)


@contextlib.contextmanager
def request_span(scope: Mapping[str, Any]) -> Iterator[RequestSpan | None]:
    """A server span for an ASGI HTTP request, current while the request runs."""
    if _tracer is None:
        yield None
        return
    from opentelemetry import context, propagate, trace

    carrier = {
        key.decode("latin-1"): value.decode("latin-1")
        for key, value in scope.get("headers", ())
        if key in (b"traceparent", b"tracestate")
    }
    parent = propagate.extract(carrier) if carrier else None
    method = scope.get("method", "HTTP")
    span = _tracer.start_span(
        f"{method} request",
        context=parent,
        kind=trace.SpanKind.SERVER,
        attributes={"http.request.method": method, "url.path": scope.get("path", "")},
    )
    token = context.attach(trace.set_span_in_context(span))
    try:
        yield RequestSpan(span)
    finally:
        context.detach(token)
        span.end()


class ClientSpan:
    __slots__ = ("_span", "traceparent")

    def __init__(self, span: Any) -> None:
        self._span = span
        trace_id, span_id = _hex_ids(span)
        self.traceparent = f"00-{trace_id}-{span_id}-01"

    def set(self, name: str, value: str | int | float | bool) -> None:
        self._span.set_attribute(name, value)

    def fail(self, description: str) -> None:
        from opentelemetry.trace import StatusCode

        self._span.set_status(StatusCode.ERROR, description)


@contextlib.contextmanager
def client_span(name: str, attributes: Mapping[str, Any]) -> Iterator[ClientSpan | None]:
    """A client span (an outbound call), child of the current span."""
    if _tracer is None:
        yield None
        return
    from opentelemetry import trace

    with _tracer.start_as_current_span(
        name, kind=trace.SpanKind.CLIENT, attributes=dict(attributes), end_on_exit=True
    ) as span:
        yield ClientSpan(span)
