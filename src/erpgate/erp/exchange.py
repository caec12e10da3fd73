"""One outbound HTTP attempt: send, read the capped answer, judge it, and record it.

The record keeps the exchange as it went over the wire; masking happens only for what is kept
(``erp.attempts.masked``), off the request path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from erpgate.erp.attempts import AttemptRecord
from erpgate.erp.errors import (
    ErpBadHttpError,
    ErpConnectError,
    ErpDnsError,
    ErpError,
    ErpResetError,
    ErpSsrfError,
    ErpTlsError,
)
from erpgate.erp.reading import declared_length, error_for_status, oversized, read_capped
from erpgate.erp.ssrf import SsrfRefused
from erpgate.kit.clock import utcnow

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
    token_answer: bool = False


@dataclass(slots=True)
class Outbound:
    url: str
    headers: CIMultiDict[str]
    body: bytes


async def exchange(
    session: aiohttp.ClientSession,
    request: Outbound,
    context: AttemptContext,
    *,
    cap: int,
    attempts: list[AttemptRecord],
    interpret: Callable[[Answer], R],
) -> R:
    """POST once; return ``interpret(answer)`` for a 2xx or raise an ErpError. Always appends
    the attempt's record to ``attempts``, whatever happens."""
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
        attempts.append(
            AttemptRecord(
                request_id=context.request_id,
                trace_id=context.trace_id,
                store_id=context.store_id,
                endpoint=context.endpoint,
                method="POST",
                url=request.url,
                started_at=started_at,
                duration_ms=round((loop.time() - began) * 1000.0, 3),
                request_headers=list(request.headers.items()),
                request_body=request.body,
                status=status,
                response_headers=response_headers,
                response_body=body,
                response_truncated=truncated,
                error=error,
                attempt=context.attempt,
                secrets=context.secrets,
                secret_header_names=context.secret_header_names,
                token_answer=context.token_answer,
            )
        )


def connection_error(exc: aiohttp.ClientError, url: str, subject: str = "ERP") -> ErpError:
    """The ErpError an aiohttp failure to talk to the server stands for."""
    target = URL(url)
    host = target.host or "?"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        if isinstance(exc.os_error, SsrfRefused):
            return ErpSsrfError(exc.os_error.human)
        return ErpDnsError(f"Could not resolve {host}")
    if isinstance(exc, aiohttp.ClientSSLError):
        return ErpTlsError(f"TLS handshake with {host} failed")
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason = exc.strerror or type(exc.os_error).__name__
        return ErpConnectError(f"Could not connect to {host}:{target.port} ({reason})")
    if isinstance(
        exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | aiohttp.ClientOSError
    ):
        return ErpResetError(f"{subject} closed the connection before the answer was complete")
    if isinstance(exc, aiohttp.InvalidURL):
        return ErpSsrfError("The address is not a valid URL")
    if isinstance(exc, aiohttp.ClientResponseError):
        return ErpBadHttpError(f"{subject} sent something that is not valid HTTP")
    return ErpConnectError(f"Could not talk to {host} ({type(exc).__name__})")
