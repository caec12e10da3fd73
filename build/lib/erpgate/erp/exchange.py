"""One outbound HTTP attempt: send, read the capped answer, judge it, and record it.

The record keeps the exchange as it went over the wire; masking happens only for what is kept
(``erp.attempts.masked``), off the request path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar
from uuid import UUID

import aiohttp
from multidict import CIMultiDict
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
from erpgate.erp.reading import (
    declared_length,
    error_for_status,
    oversized,
    read_capped,
    rejection,
)
from erpgate.erp.ssrf import SsrfRefused
from erpgate.kit.clock import utcnow

R = TypeVar("R")


@dataclass(slots=True)
class Answer:
    status: int
    headers: Mapping[str, str]
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
    reads_rejection: bool = False  # a 422 carries the ERP's reasons (submit_order)


@dataclass(slots=True)
class Outbound:
    url: str
    headers: CIMultiDict[str]
    body: bytes
    method: str = "POST"  # contract calls POST; an adapter profile's requests may GET


@dataclass(slots=True)
class RawAnswer:
    """What came back, before any judgement, filled in as it arrives (the head, then at most
    ``cap`` bytes of body): a call cut off by its deadline keeps what it got."""

    status: int | None = None
    reason: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False  # the answer was longer than the cap (or declared so and not read)


class Transport(Protocol):
    """Sends one request and reads its answer into ``answer``; the only seam between the gateway
    and the network.

    A failure to talk to the server raises the ErpError it stands for. A 2xx answer that
    declares more than ``cap`` bytes is left unread with ``truncated``; any other answer is read
    up to ``cap`` bytes. Tests inject a scripted one (tests/erp/scripted.py)."""

    async def send(
        self, request: Outbound, answer: RawAnswer, *, cap: int, subject: str
    ) -> None: ...


class AiohttpTransport:
    """The production transport: the process's one aiohttp session, its pool and resolver."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def send(self, request: Outbound, answer: RawAnswer, *, cap: int, subject: str) -> None:
        try:
            response = await self.session.request(
                request.method,
                request.url,
                data=request.body or None,
                headers=request.headers,
                allow_redirects=False,
            )
        except aiohttp.ClientError as exc:
            raise connection_error(exc, request.url, subject) from None
        try:
            answer.status, answer.reason = response.status, response.reason
            answer.headers = response.headers
            length = declared_length(response)
            if 200 <= response.status < 300 and length is not None and length > cap:
                answer.truncated = True
                response.close()  # refused before reading a byte of it
                return
            answer.body, answer.truncated = await read_capped(response, cap)
        except aiohttp.ClientError as exc:
            response.close()
            raise connection_error(exc, request.url, subject) from None
        except BaseException:
            response.close()  # never hand a half-read connection back to the pool
            raise
        if answer.truncated:
            response.close()  # unread bytes remain: the connection cannot be reused
        else:
            response.release()


async def exchange(
    transport: Transport,
    request: Outbound,
    context: AttemptContext,
    *,
    cap: int,
    attempts: list[AttemptRecord],
    interpret: Callable[[Answer], R],
) -> R:
    """Send once; return ``interpret(answer)`` for a 2xx or raise an ErpError. Always appends
    the attempt's record to ``attempts``, whatever happens."""
    loop = asyncio.get_running_loop()
    started_at = utcnow()
    began = loop.time()
    raw = RawAnswer()
    error: str | None = None
    try:
        await transport.send(request, raw, cap=cap, subject=context.subject)
        status = raw.status or 0
        if status == 422 and context.reads_rejection:
            raise rejection(raw.body)
        if not 200 <= status < 300:
            raise error_for_status(
                status, raw.reason, raw.headers, by_id=context.by_id, subject=context.subject
            )
        if raw.truncated:
            raise oversized(cap)
        return interpret(Answer(status, raw.headers, raw.body))
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
                method=request.method,
                url=request.url,
                started_at=started_at,
                duration_ms=round((loop.time() - began) * 1000.0, 3),
                request_headers=list(request.headers.items()),
                request_body=request.body,
                status=raw.status,
                response_headers=list(raw.headers.items()),
                response_body=raw.body,
                response_truncated=raw.truncated,
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
