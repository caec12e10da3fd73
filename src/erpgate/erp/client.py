"""The hardened ERP client: one session, SSRF guard, deadline, retry, breaker, coalescing.

Policies in one place:
- Refusals before any I/O (SSRF on the URL, incomplete credentials, breaker open) raise
  ``ErpBlockedError`` and produce no attempt record: nothing left the process. The event that
  wraps the call records the sentence.
- One deadline per call (``asyncio.timeout``) covers the token fetch, connect, headers, body and
  the retry.
- At most one retry, for connect errors, resets, 502/503/504 and 429, and only when the pause
  (Retry-After, else a short one) still fits before the deadline. Retries are hand-written: a
  single deadline-bound retry honouring Retry-After is shorter here than configuring a library.
- oauth2: on a 401 the token is fetched again once and the call retried once.
- Coalesced calls run under the first caller's trace id; the others share its outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, TypeVar
from uuid import UUID

import aiohttp
import orjson
from aiohttp.abc import AbstractResolver
from multidict import CIMultiDict
from pydantic import BaseModel

from erpgate.erp.attempts import AttemptSink
from erpgate.erp.auth import (
    AccessToken,
    TokenCache,
    bearer_header,
    parse_token_answer,
    static_auth_headers,
    token_request_body,
)
from erpgate.erp.breaker import BreakerBoard
from erpgate.erp.coalesce import Coalescer
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import (
    ErpBlockedError,
    ErpRejectedError,
    ErpTimeoutError,
    ErpTransientError,
)
from erpgate.erp.exchange import Answer, AttemptContext, Outbound, exchange
from erpgate.erp.options import ErpClientOptions
from erpgate.erp.reading import parse_json, validate_answer
from erpgate.erp.ssrf import GuardedResolver, url_refusal
from erpgate.kit.ids import new_request_id, new_span_id, traceparent
from erpgate.kit.redaction import MASK

__all__ = ["EndpointTarget", "ErpClient", "ErpClientOptions"]

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")

BY_ID_ENDPOINTS = frozenset({Endpoint.ORDER, Endpoint.INVOICE})
RETRY_PAUSE_SECONDS = 0.05  # without Retry-After: long enough to skip a blip, short for checkout
MIN_ATTEMPT_SECONDS = 0.05  # a retry with less time left than this could not finish anyway


@dataclass(frozen=True, slots=True)
class EndpointTarget:
    store_id: UUID | None
    endpoint: Endpoint
    url: str
    timeout_seconds: float
    credentials: Credentials


class _Counter:
    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0

    def next(self) -> int:
        self.value += 1
        return self.value


class ErpClient:
    def __init__(
        self,
        options: ErpClientOptions,
        sink: AttemptSink,
        *,
        dns_resolver: AbstractResolver | None = None,
    ) -> None:
        """``dns_resolver`` replaces the system resolver under the SSRF filter (tests only)."""
        self.options = options
        self.sink = sink
        self._dns_resolver = dns_resolver
        self._session: aiohttp.ClientSession | None = None
        self._resolver: GuardedResolver | None = None
        self._breakers = BreakerBoard(options.breaker_threshold, options.breaker_ttl_seconds)
        self._coalescer: Coalescer[Any] = Coalescer(options.share_window_seconds)
        self._tokens = TokenCache()
        self._calls_made = 0

    async def start(self) -> None:
        """Create the one ClientSession of the process."""
        if self._session is not None:
            return
        self._resolver = GuardedResolver(self.options, self._dns_resolver)
        connector = aiohttp.TCPConnector(
            # The per-host limit protects each ERP; the total only bounds file descriptors.
            limit=self.options.connections_per_host * 20,
            limit_per_host=self.options.connections_per_host,
            resolver=self._resolver,
            ttl_dns_cache=10,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            # The deadline is asyncio.timeout around each call, not a session-wide timeout.
            timeout=aiohttp.ClientTimeout(total=None),
            # Cookies must never travel from one store's ERP call to another's.
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,  # no proxy from the environment: the SSRF guard sees the real peer
            auto_decompress=True,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._resolver is not None:
            await self._resolver.close()
            self._resolver = None

    @property
    def erp_calls_made(self) -> int:
        """Outbound HTTP attempts made, token fetches included."""
        return self._calls_made

    def breaker_state(
        self, store_id: UUID | None, endpoint: Endpoint
    ) -> Literal["closed", "open", "half-open"]:
        return self._breakers.state(store_id, endpoint)

    def reset_breakers(self, store_id: UUID | None = None) -> None:
        """Close the breakers of one store, or of every store when store_id is None."""
        self._breakers.reset(store_id)

    async def call(
        self,
        target: EndpointTarget,
        payload: dict[str, Any],
        response_model: type[T],
        *,
        trace_id: str,
        expected_customer_code: str | None,
        coalesce: bool = True,
    ) -> T:
        """Call one ERP endpoint and return its validated answer, or raise an ErpError."""
        refusal = url_refusal(target.url, self.options, target.store_id)
        if refusal is not None:
            raise ErpBlockedError(refusal, kind="ssrf")
        try:
            target.credentials.validate()
        except ValueError as exc:
            raise ErpBlockedError(str(exc), kind="credentials") from None
        body = orjson.dumps(payload, default=_json_default)

        async def work() -> T:
            async with self._breakers.guard(target.store_id, target.endpoint):
                return await self._within_deadline(
                    target, body, response_model, trace_id, expected_customer_code
                )

        if not coalesce:
            return await work()
        canonical = orjson.dumps(payload, default=_json_default, option=orjson.OPT_SORT_KEYS)
        key = (target, canonical, response_model, expected_customer_code)
        result: T = await self._coalescer.run(key, work)
        return result

    async def _within_deadline(
        self,
        target: EndpointTarget,
        body: bytes,
        model: type[T],
        trace_id: str,
        expected: str | None,
    ) -> T:
        deadline = asyncio.get_running_loop().time() + target.timeout_seconds
        try:
            async with asyncio.timeout_at(deadline):
                return await self._attempts(target, body, model, trace_id, expected, deadline)
        except TimeoutError:
            raise ErpTimeoutError(
                f"ERP did not answer within {target.timeout_seconds:.1f} s", kind="timeout"
            ) from None

    async def _attempts(
        self,
        target: EndpointTarget,
        body: bytes,
        model: type[T],
        trace_id: str,
        expected: str | None,
        deadline: float,
    ) -> T:
        loop = asyncio.get_running_loop()
        counter = _Counter()
        retried = reauthorized = False
        rejected_token: str | None = None
        while True:
            token: str | None = None
            sent = False
            try:
                if target.credentials.auth_style == "oauth2":
                    token = await self._access_token(
                        target, trace_id, deadline, counter, rejected_token
                    )
                sent = True
                return await self._send(
                    target, body, model, trace_id, expected, deadline, counter.next(), token
                )
            except ErpTransientError as exc:
                pause = None if retried else _retry_pause(exc, deadline - loop.time())
                if pause is None:
                    raise
                retried = True
            except ErpRejectedError as exc:
                if not (sent and token and exc.status == 401 and not reauthorized):
                    raise
                reauthorized = True
                rejected_token = token
                pause = 0.0
            if pause:
                await asyncio.sleep(pause)

    def _base_headers(self, trace_id: str, request_id: str, content_type: str) -> CIMultiDict[str]:
        return CIMultiDict(
            [
                ("Content-Type", content_type),
                ("Accept", "application/json"),
                ("User-Agent", self.options.user_agent),
                ("X-Request-Id", request_id),
                ("traceparent", traceparent(trace_id, new_span_id())),
            ]
        )

    async def _send(
        self,
        target: EndpointTarget,
        body: bytes,
        model: type[T],
        trace_id: str,
        expected: str | None,
        deadline: float,
        attempt: int,
        access_token: str | None,
    ) -> T:
        credentials = target.credentials
        request_id = new_request_id()
        headers = self._base_headers(trace_id, request_id, "application/json")
        if access_token is not None:
            headers.extend(bearer_header(access_token))
        else:
            headers.extend(static_auth_headers(credentials))
        by_id = target.endpoint in BY_ID_ENDPOINTS
        secrets = credentials.secrets() + ((access_token,) if access_token else ())
        context = AttemptContext(
            trace_id=trace_id,
            store_id=target.store_id,
            endpoint=target.endpoint.value,
            request_id=request_id,
            attempt=attempt,
            deadline=deadline,
            timeout_seconds=target.timeout_seconds,
            secrets=secrets,
            secret_header_names=(credentials.key,) if credentials.auth_style == "header" else (),
            by_id=by_id,
        )

        def interpret(answer: Answer) -> T:
            return validate_answer(answer.body, model, by_id=by_id, expected_customer_code=expected)

        return await self._exchange(Outbound(target.url, headers, body, body), context, interpret)

    async def _access_token(
        self,
        target: EndpointTarget,
        trace_id: str,
        deadline: float,
        counter: _Counter,
        rejected: str | None,
    ) -> str:
        credentials = target.credentials
        token_url = credentials.token_url or ""

        async def fetch() -> AccessToken:
            refusal = url_refusal(token_url, self.options, target.store_id)
            if refusal is not None:
                raise ErpBlockedError(f"Token URL: {refusal}", kind="ssrf")
            request_id = new_request_id()
            headers = self._base_headers(trace_id, request_id, "application/x-www-form-urlencoded")
            real, masked = token_request_body(credentials)
            context = AttemptContext(
                trace_id=trace_id,
                store_id=target.store_id,
                endpoint=target.endpoint.value,
                request_id=request_id,
                attempt=counter.next(),
                deadline=deadline,
                timeout_seconds=target.timeout_seconds,
                secrets=credentials.secrets(),
                subject="Token URL",
                mask_body=_mask_token_fields,
            )
            outbound = Outbound(token_url, headers, real, masked)
            return await self._exchange(
                outbound, context, lambda answer: parse_token_answer(parse_json(answer.body))
            )

        return await self._tokens.get(credentials, fetch, rejected=rejected)

    async def _exchange(
        self, outbound: Outbound, context: AttemptContext, interpret: Callable[[Answer], R]
    ) -> R:
        if self._session is None:
            raise RuntimeError("ErpClient.start() was not awaited")
        self._calls_made += 1
        return await exchange(
            self._session,
            outbound,
            context,
            cap=self.options.response_cap_bytes,
            sink=self.sink,
            interpret=interpret,
        )


def _retry_pause(exc: ErpTransientError, remaining: float) -> float | None:
    """How long to wait before the one retry, or None when it must not happen."""
    if isinstance(exc, ErpTimeoutError) or exc.kind in ("ssrf",):
        return None
    pause = exc.retry_after if exc.retry_after is not None else RETRY_PAUSE_SECONDS
    if exc.status == 429 and exc.retry_after is None:
        pause = RETRY_PAUSE_SECONDS
    if pause + MIN_ATTEMPT_SECONDS >= remaining:
        return None
    return pause


def _mask_token_fields(body: bytes) -> bytes:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    if not isinstance(parsed, dict):
        return body
    changed = False
    for name in ("access_token", "refresh_token", "id_token"):
        if isinstance(parsed.get(name), str):
            parsed[name] = MASK
            changed = True
    return orjson.dumps(parsed) if changed else body


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
