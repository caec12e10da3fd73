"""One error tree for everything that can go wrong talking to an ERP; the class is the classification.

Each class states once what its failures mean for the rest of the product, so no code downstream
compares slugs to decide anything:

- ``kind``: the stable slug stored with events and problems, shown in filters and e-mails;
- ``scope``: whose problem it is. ``"endpoint"``: every customer of the store is affected (the ERP
  is down or refuses our credentials); ``"customer"``: the ERP answered, but this one account's
  answer is unusable (a contract break, a 500 for that account);
- ``counts_for_breaker``: a failure of the ERP itself (transport, timeout, 5xx) that the circuit
  breaker counts. One customer's contract break never trips the breaker for everyone;
- ``retryable``: worth the one retry inside the call's deadline.

Each error carries ``human``: one short sentence a person can act on (the event's ``error``).
Buyers see neither; they see a calm message and a reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

if TYPE_CHECKING:
    from erpgate.erp.contract import RejectionReason

Scope = Literal["endpoint", "customer"]


class ErpError(Exception):
    kind: ClassVar[str] = "erp_error"
    scope: ClassVar[Scope] = "endpoint"
    counts_for_breaker: ClassVar[bool] = False
    retryable: ClassVar[bool] = False

    def __init__(self, human: str, *, status: int | None = None) -> None:
        super().__init__(human)
        self.human = human
        self.status = status


# -- the ERP could not be reached, or did not answer in time ---------------------------------


class ErpUnreachableError(ErpError):
    """Nothing usable came back because of the ERP or the network: worth one retry."""

    kind = "unreachable"
    counts_for_breaker = True
    retryable = True

    def __init__(
        self, human: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(human, status=status)
        self.retry_after = retry_after


class ErpTimeoutError(ErpUnreachableError):
    kind = "timeout"
    retryable = False  # the deadline is spent: there is no time left for a retry


class ErpConnectError(ErpUnreachableError):
    kind = "connect"


class ErpDnsError(ErpUnreachableError):
    kind = "dns"


class ErpResetError(ErpUnreachableError):
    kind = "reset"


class ErpBusyError(ErpUnreachableError):
    """502, 503 or 504: a proxy or the ERP says it cannot serve right now."""

    kind = "unavailable"


class ErpRateLimitedError(ErpUnreachableError):
    kind = "rate_limited"


# -- the ERP gave a final answer we cannot use -----------------------------------------------


class ErpRejectedError(ErpError):
    """A final answer: never retried."""

    kind = "rejected"


class ErpUnauthorizedError(ErpRejectedError):
    kind = "unauthorized"


class ErpRedirectError(ErpRejectedError):
    kind = "redirect"


class ErpClientStatusError(ErpRejectedError):
    """A 4xx other than 401/403/429 (and 404 on a by-id endpoint): usually a wrong URL."""

    kind = "status_4xx"


class ErpServerStatusError(ErpRejectedError):
    """500 and the other final 5xx: often one account's data breaks the ERP's own code."""

    kind = "status_5xx"
    scope: ClassVar[Scope] = "customer"
    counts_for_breaker = True


class ErpOrderRejectedError(ErpRejectedError):
    """A 422 from submit_order: the ERP's own rules refuse this order (blocked account, unknown
    SKU, credit hold). Final: the order is never sent again. One customer's answer, not an ERP
    failure; ``reasons`` are the ERP's, each with its optional buyer-facing sentence."""

    kind = "order_rejected"
    scope: ClassVar[Scope] = "customer"

    def __init__(
        self, human: str, *, status: int | None = 422, reasons: tuple[RejectionReason, ...] = ()
    ) -> None:
        super().__init__(human, status=status)
        self.reasons = reasons


class ErpTlsError(ErpRejectedError):
    kind = "tls"
    counts_for_breaker = True


class ErpBadHttpError(ErpRejectedError):
    kind = "bad_http"
    counts_for_breaker = True


# -- the ERP answered, but not as the contract says ------------------------------------------


class ErpContractError(ErpError):
    kind = "contract"
    scope: ClassVar[Scope] = "customer"


class ErpNotJsonError(ErpContractError):
    kind = "not_json"


class ErpCrossCustomerError(ErpContractError):
    kind = "cross_customer"


class ErpErrorAnswerError(ErpContractError):
    """A 2xx whose body is an error object (``{"error": ...}``) instead of the contract's data."""

    kind = "error_answer"


class ErpOversizedError(ErpContractError):
    """Over the size cap: the ERP answered, but beyond the contract's limits; not retried."""

    kind = "oversized"


class ErpTokenAnswerError(ErpContractError):
    """The OAuth2 token URL answered without a usable access token: every call of the store fails."""

    kind = "token"
    scope: ClassVar[Scope] = "endpoint"


class ErpLoginAnswerError(ErpTokenAnswerError):
    """An adapter's login call answered without the session cookies it must set."""

    kind = "login_answer"


class ErpMappingError(ErpContractError):
    """An adapter profile's mapping failed on this answer (threw, overran, or was unreadable)."""

    kind = "mapping"


# -- the by-id endpoints' documented "not found": not a failure ------------------------------


class ErpNotFoundError(ErpError):
    """404 or ``{"data": null}`` from a by-id endpoint: the record is not this customer's."""

    kind = "not_found"


# -- we refused to call ----------------------------------------------------------------------


class ErpBlockedError(ErpError):
    kind = "blocked"


class ErpSsrfError(ErpBlockedError):
    kind = "ssrf"


class ErpCredentialsError(ErpBlockedError):
    kind = "credentials"


class ErpNotConfiguredError(ErpBlockedError):
    kind = "not_configured"


class ErpBreakerOpenError(ErpBlockedError):
    """The breaker refused the call. ``cause`` is the failure class that opened it, so the refusal
    folds into the problem of that failure rather than opening a problem of its own."""

    kind = "breaker_open"

    def __init__(self, human: str, *, cause: type[ErpError]) -> None:
        super().__init__(human)
        self.cause = cause


def error_classes() -> list[type[ErpError]]:
    """Every concrete class of the tree, for docs, filters and tests."""
    found: list[type[ErpError]] = []
    pending: list[type[ErpError]] = [ErpError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found
