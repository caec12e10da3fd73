"""One error tree for everything that can go wrong talking to an ERP.

Each error carries ``human``: one short sentence a person can act on (it becomes the event's
``error``); and ``kind``: a stable slug used for notification throttling and filtering. Buyers never
see either; they see a calm message and the reference code.
"""

from __future__ import annotations


class ErpError(Exception):
    kind: str = "erp_error"
    retryable: bool = False

    def __init__(self, human: str, *, kind: str | None = None, status: int | None = None) -> None:
        super().__init__(human)
        self.human = human
        self.status = status
        if kind is not None:
            self.kind = kind


class ErpTransientError(ErpError):
    """Timeouts, refused or reset connections, 502/503/504, 429: worth one retry."""

    kind = "transient"
    retryable = True

    def __init__(
        self,
        human: str,
        *,
        kind: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(human, kind=kind, status=status)
        self.retry_after = retry_after


class ErpTimeoutError(ErpTransientError):
    kind = "timeout"


class ErpRejectedError(ErpError):
    """A final answer we cannot use: 401/403, 4xx, 500, a redirect. Never retried."""

    kind = "rejected"


class ErpNotFoundError(ErpError):
    """The by-id endpoints' documented 'not found' (404 or {"data": null}); not an integration error."""

    kind = "not_found"


class ErpContractError(ErpError):
    """The ERP answered, but not in the shape the contract demands (incl. cross-customer data)."""

    kind = "contract"


class ErpBlockedError(ErpError):
    """We refused to call: SSRF guard, circuit breaker open, endpoint not configured."""

    kind = "blocked"
