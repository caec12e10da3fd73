"""Options of the ERP client, built from settings; shared by the client and the SSRF guard."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from erpgate import PRODUCT, __version__

if TYPE_CHECKING:
    from erpgate.config import Settings


def normalize_host(host: str) -> str:
    """Lower-cased, IDNA-encoded, without the trailing dot: the form hosts are compared in."""
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


@dataclass(slots=True)
class ErpClientOptions:
    response_cap_bytes: int = 5 * 1024 * 1024
    connections_per_host: int = 100
    allowed_private_hosts: frozenset[str] = frozenset()
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

    def __post_init__(self) -> None:
        self.allowed_private_hosts = frozenset(
            normalize_host(host) for host in self.allowed_private_hosts if host.strip()
        )

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

    def is_allowlisted(self, host: str) -> bool:
        return normalize_host(host) in self.allowed_private_hosts
