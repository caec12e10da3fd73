"""One outbound HTTP attempt: send, read the capped answer, judge it, and record it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from uuid import UUID

import aiohttp
import structlog
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from erpgate.erp.attempts import AttemptRecord, AttemptSink
from erpgate.erp.errors import ErpBlockedError, ErpError, ErpRejectedError, ErpTransientError
from erpgate.erp.reading import declared_length, error_for_status, oversized, read_capped
from erpgate.erp.ssrf import SsrfRefused
from erpgate.kit.clock import utcnow
from erpgate.kit.redaction import SecretMasker, mask_url, masker_for

log = structlog.get_logger(__name__)

R = TypeVar("R")


@dataclass(slots=True)
class Answer:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes


@dataclass(slots=True)
class AttemptContext:
    """What the attempt record needs besides the exchange itself."""

    trace_id: str
    store_id: UUID | None
    endpoint: str
    request_id: str
    attempt: int
    deadline: float  # loop time
    timeout_seconds: float
    secrets: tuple[str, ...] = ()
    secret_header_names: tuple[str, ...] = ()
    subject: str = "ERP"  # "Token URL" for the oauth2 token fetch
    by_id: bool = False
    mask_body: Callable[[bytes], bytes] | None = field(default=None)


@dataclass(slots=True)
class Outbound:
    url: str
    headers: CIMultiDict[str]
    body: bytes
    recorded_body: bytes  # the body as stored: the token fetch masks its client secret


async def exchange(
    session: aiohttp.ClientSession,
    request: Outbound,
    context: AttemptContext,
    *,
    cap: int,
    sink: AttemptSink,
    interpret: Callable[[Answer], R],
) -> R:
    """POST once; return ``interpret(answer)`` for a 2xx or raise an ErpError. Always records."""
    loop = asyncio.get_running_loop()
    started_at = utcnow()
    began = loop.time()
    status: int | None = None
    response_headers: list[tuple[str, str]] = []
    body = b""
    truncated = False
    error: str | None = None
    try:
        try:
            response = await session.post(
                request.url, data=request.body, headers=request.headers, allow_redirects=False
            )
        except aiohttp.ClientError as exc:
            raise connection_error(exc, request.url, context.subject) from None
        try:
            status = response.status
            response_headers = list(response.headers.items())
            success = 200 <= status < 300
            length = declared_length(response)
            if success and length is not None and length > cap:
                truncated = True
                raise oversized(cap)  # refused before reading a byte of it
            body, truncated = await read_capped(response, cap)
            if success and truncated:
                raise oversized(cap)
        except aiohttp.ClientError as exc:
            response.close()
            raise connection_error(exc, request.url, context.subject) from None
        except BaseException:
            response.close()  # never hand a half-read connection back to the pool
            raise
        if truncated:
            response.close()  # unread bytes remain: the connection cannot be reused
        else:
            response.release()
        if not success:
            raise error_for_status(
                status,
                response.reason,
                response.headers,
                by_id=context.by_id,
                subject=context.subject,
            )
        return interpret(Answer(status, response.headers, body))
    except ErpError as exc:
        error = exc.human
        raise
    except asyncio.CancelledError:
        if loop.time() >= context.deadline:
            error = f"{context.subject} did not answer within {context.timeout_seconds:.1f} s"
        else:
            error = "Call cancelled before the answer arrived"
        raise
    except Exception as exc:
        error = f"Unexpected failure: {type(exc).__name__}"
        raise
    finally:
        duration_ms = (loop.time() - began) * 1000.0
        masker = masker_for(context.secrets, context.secret_header_names)
        _emit(
            sink,
            AttemptRecord(
                request_id=context.request_id,
                trace_id=context.trace_id,
                store_id=context.store_id,
                endpoint=context.endpoint,
                method="POST",
                url=masker.mask_text(mask_url(request.url)),
                started_at=started_at,
                duration_ms=round(duration_ms, 3),
                request_headers=masker.mask_headers(request.headers.items()),
                request_body=masker.mask_bytes(request.recorded_body),
                status=status,
                response_headers=masker.mask_headers(response_headers),
                response_body=_masked_body(body, context, masker),
                response_truncated=truncated,
                error=masker.mask_text(error) if error else error,
                attempt=context.attempt,
            ),
        )


def connection_error(exc: aiohttp.ClientError, url: str, subject: str = "ERP") -> ErpError:
    """The ErpError an aiohttp failure to talk to the server stands for."""
    target = URL(url)
    host = target.host or "?"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        if isinstance(exc.os_error, SsrfRefused):
            return ErpBlockedError(exc.os_error.human, kind="ssrf")
        return ErpTransientError(f"Could not resolve {host}", kind="dns")
    if isinstance(exc, aiohttp.ClientSSLError):
        return ErpRejectedError(f"TLS handshake with {host} failed", kind="tls")
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason = exc.strerror or type(exc.os_error).__name__
        return ErpTransientError(
            f"Could not connect to {host}:{target.port} ({reason})", kind="connect"
        )
    if isinstance(
        exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | aiohttp.ClientOSError
    ):
        return ErpTransientError(
            f"{subject} closed the connection before the answer was complete", kind="reset"
        )
    if isinstance(exc, aiohttp.InvalidURL):
        return ErpBlockedError("The address is not a valid URL", kind="ssrf")
    if isinstance(exc, aiohttp.ClientResponseError):
        return ErpRejectedError(f"{subject} sent something that is not valid HTTP", kind="bad_http")
    return ErpTransientError(f"Could not talk to {host} ({type(exc).__name__})", kind="connect")


def _masked_body(body: bytes, context: AttemptContext, masker: SecretMasker) -> bytes:
    if context.mask_body is not None:
        body = context.mask_body(body)
    return masker.mask_bytes(body)


def _emit(sink: AttemptSink, record: AttemptRecord) -> None:
    # Storage trouble must never turn into an ERP error for the buyer.
    try:
        sink.record(record)
    except Exception:
        log.exception("attempt_sink_failed", request_id=record.request_id)
