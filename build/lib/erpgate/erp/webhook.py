"""The hardened outbound client of alert webhooks (here because only erp/ speaks HTTP).

Its own aiohttp session and its own SSRF guard, with the ERP client's rules (``erp.ssrf``): http
or https only, no user info in the URL, no private, loopback or link-local address (checked on
the URL, and again at connect time on every address the name resolves to, so DNS rebinding is
refused too) unless ``ERPGATE_WEBHOOK_ALLOWED_PRIVATE_HOSTS`` lists the host. Redirects are not
followed; each POST has one deadline; the answer's body is read only up to a small cap.

``post`` never raises: it says whether the receiver took the alert, and if not, whether trying
again later could help (a timeout, a refused connection, 408, 429, 5xx) or not (any other 4xx,
a refused address).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver

from erpgate.erp.options import ErpClientOptions
from erpgate.erp.reading import read_capped, status_phrase
from erpgate.erp.ssrf import GuardedResolver, SsrfRefused, url_refusal

WEBHOOK_TIMEOUT_SECONDS = 10.0
ANSWER_CAP_BYTES = 4096
RETRYABLE_STATUSES = frozenset({408, 429})


@dataclass(frozen=True, slots=True)
class Delivery:
    delivered: bool
    status: int | None = None
    error: str | None = None
    retryable: bool = False


class WebhookSender:
    def __init__(
        self,
        options: ErpClientOptions,
        *,
        timeout_seconds: float = WEBHOOK_TIMEOUT_SECONDS,
        dns_resolver: AbstractResolver | None = None,
        user_agent: str | None = None,
    ) -> None:
        self.options = options
        self.timeout_seconds = timeout_seconds
        self._dns_resolver = dns_resolver
        self._user_agent = user_agent or options.user_agent
        self._session: aiohttp.ClientSession | None = None
        self._resolver: GuardedResolver | None = None

    def refusal(self, url: str) -> str | None:
        """Why this URL may not be called (no I/O), or None."""
        return url_refusal(url, self.options)

    async def start(self) -> None:
        if self._session is not None:
            return
        self._resolver = GuardedResolver(self.options, self._dns_resolver)
        connector = aiohttp.TCPConnector(limit=20, resolver=self._resolver, ttl_dns_cache=10)
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None),
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._resolver is not None:
            await self._resolver.close()
            self._resolver = None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Delivery:
        refusal = self.refusal(url)
        if refusal is not None:
            return Delivery(False, error=f"refused: {refusal}")
        await self.start()
        assert self._session is not None
        sent = {"Content-Type": "application/json", "User-Agent": self._user_agent, **headers}
        try:
            async with asyncio.timeout(self.timeout_seconds):
                async with self._session.post(
                    url, data=body, headers=sent, allow_redirects=False
                ) as response:
                    await read_capped(response, ANSWER_CAP_BYTES)
                    status = response.status
        except TimeoutError:
            seconds = f"{self.timeout_seconds:g}"
            return Delivery(False, error=f"no answer within {seconds} s", retryable=True)
        except aiohttp.ClientConnectorDNSError as exc:
            if isinstance(exc.os_error, SsrfRefused):
                return Delivery(False, error=f"refused: {exc.os_error.human}")
            return Delivery(False, error="the host name could not be resolved", retryable=True)
        except aiohttp.ClientError as exc:
            return Delivery(
                False, error=f"could not connect ({type(exc).__name__})", retryable=True
            )
        if 200 <= status < 300:
            return Delivery(True, status=status)
        retryable = status >= 500 or status in RETRYABLE_STATUSES
        return Delivery(
            False, status=status, error=f"answered {status_phrase(status)}", retryable=retryable
        )
