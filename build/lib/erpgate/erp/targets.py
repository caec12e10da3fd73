"""Where and how to call one endpoint, checked once when a store's integration snapshot is built.

The URL rules (scheme, userinfo, private literals, https in production), the credentials and the
static auth headers are judged here, not on every call: a target that must not be called carries
its ``refusal`` and the gateway answers with it at once. The connect-time half of the SSRF guard
(the resolver) still runs on every new connection, so DNS rebinding cannot slip past.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

from erpgate.erp.auth import static_auth_headers
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpBlockedError, ErpCredentialsError, ErpSsrfError
from erpgate.erp.options import ErpClientOptions
from erpgate.erp.ssrf import url_refusal

if TYPE_CHECKING:
    from erpgate.erp.adapters.outgoing import AdapterPlan


@dataclass(frozen=True, slots=True)
class ErpTarget:
    store_id: UUID | None
    endpoint: Endpoint
    url: str
    timeout_seconds: float
    credentials: Credentials
    # Derived at build time; not part of the identity that coalescing compares.
    refusal: ErpBlockedError | None = field(default=None, compare=False)
    auth_headers: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    store_slug: str = field(default="", compare=False)  # the store's label on /metrics
    # Set when the store's adapter profile serves this endpoint (erp.adapters.targets).
    adapter: AdapterPlan | None = field(default=None, compare=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.credentials.secrets()

    @property
    def secret_header_names(self) -> tuple[str, ...]:
        credentials = self.credentials
        return (credentials.key,) if credentials.auth_style == "header" else ()


def build_target(
    options: ErpClientOptions,
    *,
    store_id: UUID | None,
    endpoint: Endpoint,
    url: str,
    timeout_seconds: float,
    credentials: Credentials,
    store_slug: str = "",
) -> ErpTarget:
    """A target with its refusal (if any) and its auth headers worked out."""
    refusal: ErpBlockedError | None = None
    reason = url_refusal(url, options, store_id)
    if reason is not None:
        refusal = ErpSsrfError(reason)
    else:
        try:
            credentials.validate()
        except ValueError as exc:
            refusal = ErpCredentialsError(str(exc))
    headers = () if refusal is not None else tuple(static_auth_headers(credentials))
    return ErpTarget(
        store_id=store_id,
        endpoint=endpoint,
        url=url,
        timeout_seconds=timeout_seconds,
        credentials=credentials,
        refusal=refusal,
        auth_headers=headers,
        store_slug=store_slug,
    )
