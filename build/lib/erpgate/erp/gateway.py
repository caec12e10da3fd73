"""The one way erpgate calls an ERP: ``ErpGateway.read(target, call) -> Outcome``.

Every caller (storefront, checkout, Test integration, replay, the checker) goes through ``read``
and gets plain data back: the validated answer, or the failure with its class, sentence,
reference and attempts. In order, a call:

1. answers at once with the target's refusal, if it has one (URL or credentials judged when the
   integration snapshot was built, ``erp.targets``);
2. joins an identical call in flight, or one that succeeded within the share window (coalescing:
   one ERP request serves them all, and one outcome is recorded);
3. asks the breaker of (store, endpoint); an open breaker refuses without any I/O;
4. runs every attempt under one deadline (``asyncio.timeout``): the OAuth2 token fetch, connect,
   headers, the capped body and at most one retry (connect errors, resets, 502/503/504 and 429,
   only when the pause still fits; an OAuth2 401 refetches the token once);
5. validates the answer once, straight from the bytes (``erp.reading.validate_answer``);
6. hands the outcome to the sink, which names the failure's problem and reference, and waits for
   it only when the sink says so (the first failure of a new problem, or a durable call).

Retries are hand-written: one deadline-bound retry honouring Retry-After is shorter here than
configuring a library. Only this package imports aiohttp.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import aiohttp
from aiohttp.abc import AbstractResolver
from multidict import CIMultiDict
from pydantic import BaseModel

from erpgate.erp.adapters.mapping import MappingPool
from erpgate.erp.adapters.outgoing import AdapterPlan
from erpgate.erp.adapters.reading import AdapterRun
from erpgate.erp.adapters.sessions import LoginSessions
from erpgate.erp.attempts import AttemptRecord
from erpgate.erp.auth import (
    AccessToken,
    TokenCache,
    bearer_header,
    parse_token_answer,
    token_request_body,
)
from erpgate.erp.breaker import BreakerBoard, BreakerPolicy, BreakerState
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import (
    ErpError,
    ErpSsrfError,
    ErpTimeoutError,
    ErpUnauthorizedError,
    ErpUnreachableError,
)
from erpgate.erp.exchange import (
    AiohttpTransport,
    Answer,
    AttemptContext,
    Outbound,
    Transport,
    exchange,
)
from erpgate.erp.metrics import ErpCallMetrics
from erpgate.erp.options import ErpClientOptions
from erpgate.erp.outcome import ErpCall, Outcome, OutcomeSink
from erpgate.erp.reading import parse_json, validate_answer
from erpgate.erp.ssrf import GuardedResolver, url_refusal
from erpgate.erp.targets import ErpTarget
from erpgate.kit import tracing
from erpgate.kit.clock import utcnow
from erpgate.kit.coalesce import Coalescer
from erpgate.kit.ids import new_request_id, new_span_id, traceparent
from erpgate.logging import get_logger

__all__ = ["ErpClientOptions", "ErpGateway"]

log = get_logger(__name__)
T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")

BY_ID_ENDPOINTS = frozenset({Endpoint.ORDER, Endpoint.INVOICE})
RETRY_PAUSE_SECONDS = 0.05  # without Retry-After: long enough to skip a blip, short for checkout
MIN_ATTEMPT_SECONDS = 0.05  # a retry with less time left than this could not finish anyway


class ErpGateway:
    def __init__(
        self,
        options: ErpClientOptions,
        sink: OutcomeSink,
        *,
        now: Callable[[], datetime] = utcnow,
        dns_resolver: AbstractResolver | None = None,
        transport: Transport | None = None,
    ) -> None:
        """``now`` stamps outcomes (the app's clock). Tests only: ``dns_resolver`` replaces the
        system resolver under the SSRF filter; ``transport`` replaces the network altogether."""
        self.options = options
        self.sink = sink
        self._now = now
        self._transport: Transport | None = transport
        self._dns_resolver = dns_resolver
        self._session: aiohttp.ClientSession | None = None
        self._resolver: GuardedResolver | None = None
        self.breakers = BreakerBoard(
            BreakerPolicy(
                window_seconds=options.breaker_window_seconds,
                min_calls=options.breaker_min_calls,
                failure_rate=options.breaker_failure_rate,
                min_customers=options.breaker_min_customers,
                open_seconds=options.breaker_open_seconds,
            )
        )
        # Only answers are shared within the window; a failure is asked again.
        self._coalescer: Coalescer[Outcome[Any]] = Coalescer(
            options.share_window_seconds, keep=lambda outcome: outcome.ok
        )
        self._tokens = TokenCache()
        self.sessions = LoginSessions()  # adapter profiles' login sessions
        self.mapping = MappingPool()  # adapter profiles' mappings, in worker processes
        self._calls_made = 0
        self.metrics = ErpCallMetrics()

    async def start(self) -> None:
        """Create the one ClientSession of the process (unless a transport was given)."""
        if self._session is not None or self._transport is not None:
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
        self._transport = AiohttpTransport(self._session)

    async def close(self) -> None:
        if self._transport is not None:
            await self.sessions.logout_all()  # ERPs cap open sessions per licence
        await self.mapping.close()
        if self._session is not None:
            await self._session.close()
            self._session = None
            self._transport = None
        if self._resolver is not None:
            await self._resolver.close()
            self._resolver = None

    @property
    def erp_calls_made(self) -> int:
        """Outbound HTTP attempts made, token fetches included."""
        return self._calls_made

    def breaker_state(self, store_id: UUID | None, endpoint: Endpoint) -> BreakerState:
        return self.breakers.state(store_id, endpoint)

    def reset_breakers(self, store_id: UUID | None = None) -> None:
        self.breakers.reset(store_id)

    async def read(
        self, target: ErpTarget, call: ErpCall[T], *, coalesce: bool = True
    ) -> Outcome[T]:
        """Call one endpoint; never raises an ErpError (the outcome carries it)."""
        if target.refusal is not None:
            refused = Outcome(target, call, self._now(), error=target.refusal)
            return await self._settle(refused)
        breaker = self.breakers.get(target.store_id, target.endpoint, target.store_slug)
        if breaker.refusing():  # the cheap way out during an outage: no task, no I/O
            return await self._settle(Outcome(target, call, self._now(), error=breaker.refusal()))
        if not coalesce:
            return await self._call(target, call)
        key = (target, call.body, call.answer_model)
        outcome: Outcome[T] = await self._coalescer.run(key, lambda: self._call(target, call))
        return outcome

    async def _call(self, target: ErpTarget, call: ErpCall[T]) -> Outcome[T]:
        breaker = self.breakers.get(target.store_id, target.endpoint, target.store_slug)
        if not breaker.admit():
            return await self._settle(Outcome(target, call, self._now(), error=breaker.refusal()))
        outcome = Outcome(target, call, self._now())
        began = time.perf_counter()
        try:
            outcome.value = await self._within_deadline(target, call, outcome.attempts)
        except ErpError as exc:
            outcome.error = exc
        except BaseException:
            breaker.abandon()  # cancelled: no verdict on the ERP
            raise
        outcome.duration_ms = (time.perf_counter() - began) * 1000.0
        breaker.record(outcome.error, call.actor.customer_code)
        return await self._settle(outcome)

    async def _settle(self, outcome: Outcome[T]) -> Outcome[T]:
        self.metrics.observe(outcome)
        pending = self.sink.accept(outcome)
        if pending is not None:
            try:
                async with asyncio.timeout(self.options.durable_wait_seconds):
                    await pending
            except TimeoutError:
                # The buyer still gets the reference; the writer keeps trying in the background.
                log.warning(
                    "outcome_not_confirmed",
                    trace_id=outcome.trace_id,
                    waited_seconds=self.options.durable_wait_seconds,
                )
        # Refusals are counted, not logged one by one; the checker's probes (no store) report
        # their findings themselves.
        if outcome.failed and outcome.attempts and outcome.target.store_id is not None:
            _log_failure(outcome)
        return outcome

    async def _within_deadline(
        self, target: ErpTarget, call: ErpCall[T], attempts: list[AttemptRecord]
    ) -> T:
        deadline = asyncio.get_running_loop().time() + target.timeout_seconds
        try:
            async with asyncio.timeout_at(deadline):
                return await self._attempts(target, call, attempts, deadline)
        except TimeoutError:
            raise ErpTimeoutError(
                f"ERP did not answer within {target.timeout_seconds:.1f} s"
            ) from None

    async def _attempts(
        self,
        target: ErpTarget,
        call: ErpCall[T],
        attempts: list[AttemptRecord],
        deadline: float,
    ) -> T:
        loop = asyncio.get_running_loop()
        retried = reauthorized = False
        rejected_token: str | None = None
        while True:
            token: str | None = None
            sent = False
            try:
                if target.credentials.auth_style == "oauth2":
                    token = await self._access_token(
                        target, call, attempts, deadline, rejected_token
                    )
                sent = True
                return await self._send(target, call, attempts, deadline, token)
            except ErpUnreachableError as exc:
                pause = None if retried else _retry_pause(exc, deadline - loop.time())
                if pause is None:
                    raise
                retried = True
            except ErpUnauthorizedError as exc:
                if not (sent and token and exc.status == 401 and not reauthorized):
                    raise
                reauthorized = True
                rejected_token = token
                pause = 0.0
            if pause:
                await asyncio.sleep(pause)

    def _headers(self, trace_id: str, request_id: str, content_type: str) -> CIMultiDict[str]:
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
        target: ErpTarget,
        call: ErpCall[T],
        attempts: list[AttemptRecord],
        deadline: float,
        access_token: str | None,
    ) -> T:
        request_id = new_request_id()
        headers = self._headers(call.trace_id, request_id, "application/json")
        headers.extend(call.headers)
        if access_token is not None:
            headers.extend(bearer_header(access_token))
            secrets = (*target.secrets, access_token)
        else:
            headers.extend(target.auth_headers)
            secrets = target.secrets
        by_id = target.endpoint in BY_ID_ENDPOINTS
        if target.adapter is not None:
            return await self._adapted(
                target, target.adapter, call, attempts, deadline, access_token
            )
        context = _context(
            target,
            call,
            request_id,
            attempts,
            deadline,
            secrets=secrets,
            secret_header_names=target.secret_header_names,
            by_id=by_id,
            reads_rejection=target.endpoint is Endpoint.SUBMIT_ORDER,
        )
        model, expected = call.answer_model, call.expected_customer_code

        def interpret(answer: Answer) -> T:
            return validate_answer(answer.body, model, by_id=by_id, expected_customer_code=expected)

        outbound = Outbound(target.url, headers, call.body)
        return await self._exchange(outbound, context, attempts, interpret)

    async def _adapted(
        self,
        target: ErpTarget,
        plan: AdapterPlan,
        call: ErpCall[T],
        attempts: list[AttemptRecord],
        deadline: float,
        access_token: str | None,
    ) -> T:
        """An endpoint served by the store's adapter profile: the ERP's own requests, each one
        an attempt of this call, then its mapped answer validated like a contract answer."""
        by_id = target.endpoint in BY_ID_ENDPOINTS
        secrets = (*target.secrets, access_token) if access_token else target.secrets
        auth_headers = tuple(bearer_header(access_token)) if access_token else plan.static_headers

        def sender(kept: list[AttemptRecord]) -> Any:
            async def send(outbound: Outbound, subject: str, masked: tuple[str, ...]) -> Answer:
                request_id = new_request_id()
                headers = self._headers(call.trace_id, request_id, "application/json")
                for name in outbound.headers.keys() | {"Content-Type"}:
                    headers.popall(name, None)
                headers.extend(outbound.headers)
                outbound.headers = headers
                context = _context(
                    target,
                    call,
                    request_id,
                    kept,
                    deadline,
                    secrets=masked,
                    secret_header_names=target.secret_header_names,
                    by_id=by_id and subject == "ERP",
                    subject=subject,
                )
                return await self._exchange(outbound, context, kept, lambda answer: answer)

            return send

        def add_secrets(values: tuple[str, ...]) -> None:
            if attempts:
                attempts[-1].secrets = (*attempts[-1].secrets, *values)

        run = AdapterRun(
            plan,
            sender(attempts),
            self.sessions,
            self.mapping,
            deadline,
            secrets,
            {"key": target.credentials.key, "token": target.credentials.token},
            auth_headers=auth_headers,
            detached_send=sender([]),
            attempt_secrets=add_secrets,
        )
        body = await run.answer(call.body)
        return validate_answer(
            body, call.answer_model, by_id=by_id, expected_customer_code=call.expected_customer_code
        )

    async def _access_token(
        self,
        target: ErpTarget,
        call: ErpCall[Any],
        attempts: list[AttemptRecord],
        deadline: float,
        rejected: str | None,
    ) -> str:
        credentials = target.credentials
        token_url = credentials.token_url or ""

        async def fetch() -> AccessToken:
            refusal = url_refusal(token_url, self.options, target.store_id)
            if refusal is not None:
                raise ErpSsrfError(f"Token URL: {refusal}")
            request_id = new_request_id()
            headers = self._headers(call.trace_id, request_id, "application/x-www-form-urlencoded")
            context = _context(
                target,
                call,
                request_id,
                attempts,
                deadline,
                secrets=target.secrets,
                subject="Token URL",
                token_answer=True,
            )
            outbound = Outbound(token_url, headers, token_request_body(credentials))
            return await self._exchange(
                outbound,
                context,
                attempts,
                lambda answer: parse_token_answer(parse_json(answer.body)),
            )

        return await self._tokens.get(credentials, fetch, rejected=rejected)

    async def _exchange(
        self,
        outbound: Outbound,
        context: AttemptContext,
        attempts: list[AttemptRecord],
        interpret: Callable[[Answer], R],
    ) -> R:
        if self._transport is None:
            raise RuntimeError("ErpGateway.start() was not awaited")
        self._calls_made += 1
        attributes = {
            "http.request.method": "POST",
            "url.full": outbound.url,
            "erp.endpoint": context.endpoint,
            "erp.attempt": context.attempt,
            "erp.trace_id": context.trace_id,
        }
        with tracing.client_span(f"ERP {context.subject} {context.endpoint}", attributes) as span:
            if span is not None:
                # The ERP sees this attempt's span as its parent.
                outbound.headers["traceparent"] = span.traceparent
            try:
                return await exchange(
                    self._transport,
                    outbound,
                    context,
                    cap=self.options.response_cap_bytes,
                    attempts=attempts,
                    interpret=interpret,
                )
            finally:
                if span is not None and attempts and attempts[-1].status is not None:
                    span.set("http.response.status_code", attempts[-1].status)


def _log_failure(outcome: Outcome[Any]) -> None:
    """One line per failed ERP call, with the reference the buyer was given."""
    error = outcome.error
    assert error is not None
    target = outcome.target
    log.warning(
        "erp_call_failed",
        store=target.store_slug or None,
        endpoint=target.endpoint.value,
        kind=error.kind,
        error=error.human,
        status=error.status,
        reference=outcome.reference,
        trace_id=outcome.trace_id,
        customer_code=outcome.call.actor.customer_code,
        source=outcome.call.actor.source,
        attempts=len(outcome.attempts),
        duration_ms=round(outcome.duration_ms, 1),
    )


def _context(
    target: ErpTarget,
    call: ErpCall[Any],
    request_id: str,
    attempts: list[AttemptRecord],
    deadline: float,
    **details: Any,
) -> AttemptContext:
    """The attempt's record header: which call, which attempt of it, and its masking needs."""
    return AttemptContext(
        trace_id=call.trace_id,
        store_id=target.store_id,
        endpoint=target.endpoint.value,
        request_id=request_id,
        attempt=len(attempts) + 1,
        deadline=deadline,
        timeout_seconds=target.timeout_seconds,
        **details,
    )


def _retry_pause(exc: ErpUnreachableError, remaining: float) -> float | None:
    """How long to wait before the one retry, or None when it must not happen."""
    if not exc.retryable:
        return None
    pause = exc.retry_after if exc.retry_after is not None else RETRY_PAUSE_SECONDS
    if pause + MIN_ATTEMPT_SECONDS >= remaining:
        return None
    return pause
