"""SSRF guard: which addresses the ERP client may call, checked on the URL and at connect time.

The URL check refuses bad schemes, userinfo and private IP literals before any I/O. The resolver
check runs inside aiohttp's connector on the very answers the socket will connect to, so a DNS
name that resolves to a public address at save time and to 127.0.0.1 at call time (DNS rebinding)
is still refused. aiohttp skips the resolver for IP literals, which is why the URL check covers
those.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from uuid import UUID

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from erpgate.erp.options import ErpClientOptions, normalize_host

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
DNS_CHECK_TIMEOUT_SECONDS = 3.0


class SsrfRefused(OSError):
    """Every address of a host is forbidden. An OSError so aiohttp wraps it in its DNS error."""

    def __init__(self, human: str) -> None:
        super().__init__(human)
        self.human = human


def forbidden_reason(address: str | IPAddress) -> str | None:
    """Why an IP address may not be called ("private address", ...), or None when it is public."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return forbidden_reason(ip.ipv4_mapped)
        if ip.scope_id:
            return "link-local address"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_loopback:
        return "loopback address"
    if ip.is_link_local:
        return "link-local address"
    if ip.version == 4 and ip in _CGNAT:
        return "shared (CGNAT) address"
    if ip.is_multicast:
        return "multicast address"
    if ip.is_reserved:
        return "reserved address"
    if ip.is_private:
        return "private address"
    if not ip.is_global:
        # Documentation, benchmarking, 6to4 relays and similar ranges no ERP lives in.
        return "non-public address"
    return None


def url_refusal(url: str, options: ErpClientOptions, store_id: UUID | None = None) -> str | None:
    """A human sentence when the URL must not be called by ``store_id`` (None: no store, so
    only allowlist entries naming no store apply), judged without any I/O; else None."""
    text = url.strip()
    if not text:
        return "The address is empty"
    if any(ch.isspace() for ch in url) or any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return "The address contains spaces or control characters"
    try:
        parsed = URL(text)
        port = parsed.port
    except (ValueError, TypeError):
        return _port_or_syntax_problem(text)
    scheme = (parsed.scheme or "").lower()
    if scheme not in ("http", "https"):
        shown = scheme or "a relative address"
        return f"Only http and https addresses can be called, not {shown}"
    if parsed.user is not None or parsed.password is not None or "@" in (parsed.raw_authority):
        return "Addresses with a user name or password are refused; use the Key and Token settings"
    host = parsed.raw_host
    if not host:
        return "The address has no host name"
    if port is None or not 0 < port < 65536:
        return f"Port {port} is not a valid port"
    allowlisted = options.is_allowlisted(host, port, store_id)
    if options.require_https and scheme != "https" and not allowlisted:
        return "Only https addresses can be called in production"
    if allowlisted:
        return None
    literal = _ip_literal(host)
    if literal is not None:
        reason = forbidden_reason(literal)
        if reason is not None:
            return f"Refused to call {host}: {reason}"
    elif options.is_listed(host, port):
        # Listed for other stores only. Refused here, before any I/O: the resolver lets a listed
        # name through for every store (it cannot tell them apart, and its answers and the
        # connections they open are shared between stores).
        return f"Refused to call {host}: it is a private host this store may not call"
    return None


async def check_url(
    url: str, options: ErpClientOptions, store_id: UUID | None = None
) -> str | None:
    """Validate a URL for the settings form: the URL rules plus a DNS look-up; None when fine."""
    refusal = url_refusal(url, options, store_id)
    if refusal is not None:
        return refusal
    parsed = URL(url.strip())
    host = parsed.raw_host or ""
    if _ip_literal(host) is not None:
        return None
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(DNS_CHECK_TIMEOUT_SECONDS):
            infos = await loop.getaddrinfo(
                host, parsed.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
    except TimeoutError:
        return f"Host {host} did not resolve within {DNS_CHECK_TIMEOUT_SECONDS:.0f} s"
    except OSError:
        return f"Host {host} could not be resolved"
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        return f"Host {host} could not be resolved"
    if options.is_allowlisted(host, parsed.port, store_id):
        return None
    for address in addresses:
        reason = forbidden_reason(address)
        if reason is not None:
            return f"Refused to call {host}: it resolves to {address}, a {reason}"
    return None


class GuardedResolver(AbstractResolver):
    """Wraps aiohttp's default resolver and drops every forbidden answer, at connect time."""

    def __init__(self, options: ErpClientOptions, inner: AbstractResolver | None = None) -> None:
        self._options = options
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        if self._options.is_listed(host, port):
            return answers
        allowed: list[ResolveResult] = []
        refused: list[tuple[str, str]] = []
        for answer in answers:
            reason = forbidden_reason(answer["host"])
            if reason is None:
                allowed.append(answer)
            else:
                refused.append((answer["host"], reason))
        if not allowed:
            if refused:
                address, reason = refused[0]
                raise SsrfRefused(f"Refused to call {host}: it resolves to {address}, a {reason}")
            raise SsrfRefused(f"Refused to call {host}: it resolves to no address")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(normalize_host(host).split("%", 1)[0])
    except ValueError:
        return None


def _port_or_syntax_problem(text: str) -> str:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
        port: Any = parts.port
    except ValueError:
        raw = text.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)
        if len(raw) == 2 and raw[1].lstrip("-").isdigit():
            return f"Port {raw[1]} is not a valid port"
        return "The address is not a valid URL"
    return f"The address is not a valid URL (port {port})"
