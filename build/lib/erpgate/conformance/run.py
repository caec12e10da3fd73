"""One conformance run's state: results so far, every exchange per endpoint, and what the list
rules learned for the by-id rules (known ids, another customer's ids, lists that failed)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from erpgate.conformance.caller import Caller, Exchange, Headers
from erpgate.conformance.evidence import shown_answer
from erpgate.conformance.payloads import CheckPlan
from erpgate.conformance.results import RuleResult, ShownAnswer, Status
from erpgate.conformance.wording import Wording
from erpgate.erp.contract import OrderDetail
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpNotFoundError, ErpSsrfError, ErpUnauthorizedError

T = TypeVar("T", bound=BaseModel)

LIST_OF = {Endpoint.ORDER: Endpoint.ORDERS, Endpoint.INVOICE: Endpoint.INVOICES}
BY_ID_OF = {Endpoint.ORDERS: Endpoint.ORDER, Endpoint.INVOICES: Endpoint.INVOICE}
WRONG_URL_STATUSES = (404, 405)


@dataclass(frozen=True, slots=True)
class KnownId:
    """An id the by-id rules ask for, and where it came from (for their messages)."""

    value: str
    origin: str  # "given", or e.g. "the first row of the orders list"
    from_list: bool = False

    @property
    def described(self) -> str:
        """The id, and where it came from unless the user gave it: for messages."""
        return self.value if self.origin == "given" else f"{self.value} ({self.origin})"


class RuleRun:
    def __init__(self, caller: Caller, plan: CheckPlan) -> None:
        self.caller = caller
        self.plan = plan
        self.results: list[RuleResult] = []
        self.seen: dict[Endpoint, list[Exchange[Any]]] = {}
        self.known_ids: dict[Endpoint, KnownId] = {}
        self.other_ids: dict[Endpoint, KnownId] = {}
        # A list whose rows cannot be trusted, and the rule that says why (by-id rules point at it).
        self.list_trouble: dict[Endpoint, str] = {}
        for endpoint, value in (
            (Endpoint.ORDER, plan.order_id),
            (Endpoint.INVOICE, plan.invoice_id),
        ):
            if value:
                self.known_ids[endpoint] = KnownId(value, "given")
        for endpoint, value in (
            (Endpoint.ORDER, plan.other_order_id),
            (Endpoint.INVOICE, plan.other_invoice_id),
        ):
            if value:
                self.other_ids[endpoint] = KnownId(value, "given")

    @property
    def wording(self) -> Wording:
        return self.caller.wording

    @property
    def endpoints(self) -> frozenset[Endpoint]:
        """The endpoints the rules call: submit_order only where the caller may place orders."""
        available = self.caller.endpoints
        if self.caller.places_orders:
            return available
        return available - {Endpoint.SUBMIT_ORDER}

    async def call(
        self,
        endpoint: Endpoint,
        payload: dict[str, Any],
        model: type[T],
        customer_code: str | None = None,
        headers: Headers = (),
    ) -> Exchange[T]:
        """A credentialed call for this customer, or for ``customer_code`` (another one)."""
        code = customer_code or self.plan.customer_code
        exchange = await self.caller.call(endpoint, payload, model, code, headers)
        self.seen.setdefault(endpoint, []).append(exchange)
        return exchange

    def ours(self, endpoint: Endpoint) -> list[Exchange[Any]]:
        """Every exchange of ``endpoint`` made for this customer."""
        code = self.plan.customer_code
        return [
            exchange for exchange in self.seen.get(endpoint, []) if exchange.customer_code == code
        ]

    def known_order(self) -> OrderDetail | None:
        """The first order with lines the order by id rules read for this customer: where the
        test order and the price and stock rules take SKUs from when none is given."""
        for exchange in self.ours(Endpoint.ORDER):
            order = exchange.value.data if exchange.value is not None else None
            if isinstance(order, OrderDetail) and order.lines:
                return order
        return None

    def add(
        self,
        rule: str,
        endpoint: Endpoint,
        status: Status,
        message: str,
        exchanges: Iterable[Exchange[Any]] = (),
        *,
        evidence: Exchange[Any] | None = None,
        focus: str | None = None,
    ) -> RuleResult:
        """Record a result; a failure also shows the answer of ``evidence`` (by default the last
        failed exchange, else the last one), around ``focus`` when given."""
        used = list(exchanges)
        answer = None
        if status == "fail":
            if evidence is None:
                candidates = [exchange for exchange in used if exchange.error is not None] or used
                evidence = candidates[-1] if candidates else None
            answer = _answer_of(evidence, focus)
        result = RuleResult(
            rule=rule,
            endpoint=endpoint.value,
            status=status,
            message=message,
            trace_ids=[exchange.trace_id for exchange in used],
            event_trace_ids=[exchange.trace_id for exchange in used if exchange.event_recorded],
            requests=[request for exchange in used for request in exchange.requests],
            answer=answer,
        )
        self.results.append(result)
        return result

    def shape(self, endpoint: Endpoint, exchange: Exchange[Any], passed: str) -> bool:
        """Record shape.<endpoint> from an exchange; True when the answer is usable."""
        if exchange.ok:
            self.add(f"shape.{endpoint.value}", endpoint, "pass", passed, [exchange])
            return True
        self.add(f"shape.{endpoint.value}", endpoint, "fail", self.hint(exchange), [exchange])
        return False

    def hint(self, exchange: Exchange[Any]) -> str:
        """The client's sentence, plus what to change when the cause is a usual one."""
        error = exchange.error
        if isinstance(error, ErpSsrfError):
            return f"{exchange.human} (for a local ERP, {self.wording.allow_private})"
        if isinstance(error, ErpUnauthorizedError):
            return f"{exchange.human}: {self.wording.credentials}"
        status = error.status if error is not None else None
        if status in WRONG_URL_STATUSES and not isinstance(error, ErpNotFoundError):
            return f"{exchange.human}: {self.url_hint(exchange.endpoint)}"
        return exchange.human

    def url_hint(self, endpoint: Endpoint) -> str:
        return f"a wrong URL is the usual cause; {self.wording.urls[endpoint]}"

    def skip_all(self, endpoint: Endpoint, rules: Sequence[str], reason: str) -> None:
        for rule in rules:
            self.add(rule, endpoint, "skip", reason)


def _answer_of(exchange: Exchange[Any] | None, focus: str | None) -> ShownAnswer | None:
    if exchange is None or not exchange.attempts:
        return None  # refused before any I/O: the message says why
    return shown_answer(exchange.attempts[-1], focus)
