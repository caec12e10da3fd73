"""Options of the ERP client, built from settings; shared by the client and the SSRF guard."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

from erpgate import PRODUCT, __version__

if TYPE_CHECKING:
    from erpgate.config import Settings

# The store slug rule (store.service.SLUG); repeated here because erp/ sits below store/.
STORE_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$")
ENTRY_FORMS = "write host, host:port or host:port@store"


def normalize_host(host: str) -> str:
    """Lower-cased, IDNA-encoded, without the trailing dot: the form hosts are compared in."""
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


@dataclass(frozen=True, slots=True)
class PrivateHost:
    """One ERPGATE_ALLOWED_PRIVATE_HOSTS entry: a host the SSRF guard lets through although it is
    private, on one port (None: any) for one store (None: every store), named by its slug."""

    host: str
    port: int | None = None
    store: str | None = None

    @classmethod
    def parse(cls, entry: str) -> PrivateHost:
        """``host``, ``host:port``, ``[v6]:port``, each optionally ``@store``; a ValueError says
        what is wrong."""
        text, at, store = entry.strip().partition("@")
        if "/" in text:
            raise ValueError("write a host, not a URL")
        host, port = _host_and_port(text.strip())
        if at and not STORE_SLUG.match(store.strip()):
            raise ValueError(
                f"{store.strip()!r} is not a store slug (lower-case letters, digits and dashes)"
            )
        return cls(host, port, store.strip() if at else None)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port is not None else ""
        store = f"@{self.store}" if self.store is not None else ""
        return host + port + store

    def covers(self, host: str, port: int | None) -> bool:
        return self.host == host and (self.port is None or self.port == port)


def _host_and_port(text: str) -> tuple[str, int | None]:
    port_text: str | None = None
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket:
            raise ValueError("an IPv6 address in brackets needs its closing ]")
        if not _is_ipv6(host):
            raise ValueError(f"{host!r} in brackets is not an IPv6 address")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"{text!r} is not a host name or an IP address")
            port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host = text  # a bare IPv6 address has several colons and no port
    normalized = normalize_host(host)
    if not (_HOST_NAME.match(normalized) or _is_ipv6(normalized)):
        raise ValueError(f"{host!r} is not a host name or an IP address")
    if port_text is None:
        return normalized, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"port {port_text!r} is not a port number (1-65535)")
    return normalized, int(port_text)


def _is_ipv6(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).version == 6
    except ValueError:
        return False


def split_private_hosts(value: str) -> list[str]:
    """A comma-separated setting as entries, one store each: in ``127.0.0.1:8100@demo,acme`` the
    bare store slugs after an entry naming a store belong to that entry."""
    entries: list[str] = []
    for item in (piece.strip() for piece in value.split(",")):
        if not item:
            continue
        if entries and "@" in entries[-1] and STORE_SLUG.match(item):
            entries.append(entries[-1].rpartition("@")[0] + "@" + item)
        else:
            entries.append(item)
    return entries


@dataclass(slots=True)
class ErpClientOptions:
    response_cap_bytes: int = 5 * 1024 * 1024
    connections_per_host: int = 100
    # ERPGATE_ALLOWED_PRIVATE_HOSTS entries (see PrivateHost); kept in their canonical form.
    allowed_private_hosts: frozenset[str] = frozenset()
    # The id of each store an entry names (bound at start-up from the database).
    store_slugs: Mapping[UUID, str] = field(default_factory=dict)
    require_https: bool = False  # True in production (allowlisted hosts exempt)
    # The failure-rate breaker (erp.breaker explains the defaults).
    breaker_window_seconds: float = 60.0
    breaker_min_calls: int = 10
    breaker_failure_rate: float = 0.5
    breaker_min_customers: int = 3
    breaker_open_seconds: float = 30.0
    # How long a buyer waits for the first failure of a new problem to be stored.
    durable_wait_seconds: float = 2.0
    share_window_seconds: float = 0.0  # identical calls finishing this close share the answer
    user_agent: str = f"{PRODUCT}/{__version__}"
    private_hosts: tuple[PrivateHost, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        self.private_hosts = tuple(
            PrivateHost.parse(entry) for entry in self.allowed_private_hosts if entry.strip()
        )
        self.allowed_private_hosts = frozenset(str(entry) for entry in self.private_hosts)

    @classmethod
    def from_settings(cls, settings: Settings) -> ErpClientOptions:
        return cls(
            response_cap_bytes=settings.erp_response_cap_bytes,
            connections_per_host=settings.erp_connections_per_host,
            allowed_private_hosts=frozenset(settings.allowed_private_hosts),
            require_https=settings.is_production,
            breaker_window_seconds=settings.erp_breaker_window_seconds,
            breaker_min_calls=settings.erp_breaker_min_calls,
            breaker_failure_rate=settings.erp_breaker_failure_rate,
            breaker_min_customers=settings.erp_breaker_min_customers,
            breaker_open_seconds=settings.erp_breaker_open_seconds,
            durable_wait_seconds=settings.durable_wait_seconds,
            share_window_seconds=settings.erp_share_window_ms / 1000,
        )

    @property
    def named_stores(self) -> frozenset[str]:
        """The slugs of the stores that entries are restricted to."""
        return frozenset(entry.store for entry in self.private_hosts if entry.store)

    def bind_stores(self, ids: Iterable[tuple[str, UUID]]) -> None:
        """Tell the guard which store id each named slug belongs to."""
        self.store_slugs = {store_id: slug for slug, store_id in ids}

    def is_allowlisted(self, host: str, port: int | None, store_id: UUID | None = None) -> bool:
        """Whether ``store_id`` (None: no store) may call this private host on this port."""
        slug = self.store_slugs.get(store_id) if store_id is not None else None
        host = normalize_host(host)
        return any(
            entry.covers(host, port) and entry.store in (None, slug) for entry in self.private_hosts
        )

    def is_listed(self, host: str, port: int | None) -> bool:
        """Whether any store may call this private host on this port (the connect-time check;
        the URL check before it has refused the stores an entry does not name)."""
        host = normalize_host(host)
        return any(entry.covers(host, port) for entry in self.private_hosts)
