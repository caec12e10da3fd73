"""What a conformance run produces: one result per (rule, endpoint), with the requests behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from erpgate.erp.attempts import AttemptRecord
from erpgate.kit.redaction import mask_url

Status = Literal["pass", "fail", "skip"]

# Stable rule ids and what each one promises; the ids are part of the CLI's JSON and JUnit output.
RULES: dict[str, str] = {
    "auth.required": "Called without credentials, the endpoint answers 401 or 403",
    "shape": "The answer validates against the ERP contract",
    "by_id.found": "A known id returns that record",
    "by_id.unknown": "An unknown id is answered as not found",
    "by_id.other_customer": "Another customer's id is answered as not found",
    "paging.distinct": "Page 2 differs from page 1",
    "paging.consistent": "total, has_more and page_size agree with the rows every page returns",
    "paging.stable": "Walking every page returns each row once: none twice, none lost",
    "filters.status": "A status filter returns only rows of that status",
    "filters.search": "A search returns the row searched for and no row that does not match",
    "filters.dates": "date_from and date_to bound the rows, both inclusive",
    "filters.customer": "No row of another customer appears in this customer's list",
    "taxes.amount": "salestax_amount is a non-negative number",
    "shipping.methods": "Every shipping method has a label and a non-negative total",
    "checkout.unknown_customer": "Taxes and shipping answer a customer code the ERP does not know",
    "submit_order.idempotent": "The test order sent again with its Idempotency-Key answers the "
    "same order_id, creating no second order",
    "submit_order.rejection": "An order refused for good (an unknown customer code) is a 422 "
    'carrying {"errors": [...]}',
    "prices.unknown_sku": "A SKU no ERP sells is left out of the prices answer, not an error",
    "prices.only_asked": "Prices come for the SKUs asked only, one row per SKU",
    "prices.currency": "Every price is in the currency asked",
    "prices.positive": "Prices and price breaks are above zero; breaks start above a quantity "
    "of 1 and ascend",
    "inventory.unknown_sku": "A SKU no ERP stocks is left out of the inventory answer, not an "
    "error",
    "inventory.only_asked": "Stock comes for the SKUs asked only, one row per SKU",
    "latency.budget": "Every answer arrives within the endpoint's budget",
    "format.money": "Money fields are decimal strings or JSON numbers",
    "format.dates": "Date fields are ISO 8601 dates or date-times",
}


def rule_family(rule: str) -> str:
    """``shape.orders`` belongs to the ``shape`` family; other ids are their own family."""
    return "shape" if rule.startswith("shape.") else rule


@dataclass(frozen=True, slots=True)
class RequestRef:
    """One outbound HTTP attempt behind a result, as the admin page and the reports link it."""

    request_id: str
    trace_id: str
    url: str
    status: int | None
    duration_ms: float
    error: str | None = None

    @classmethod
    def from_attempt(cls, attempt: AttemptRecord) -> RequestRef:
        return cls(
            request_id=attempt.request_id,
            trace_id=attempt.trace_id,
            url=mask_url(attempt.url),
            status=attempt.status,
            duration_ms=attempt.duration_ms,
            error=attempt.error,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "trace_id": self.trace_id,
            "url": self.url,
            "status": self.status,
            "duration_ms": self.duration_ms,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class ShownAnswer:
    """What the ERP answered behind a failure: its status and body, masked and capped."""

    request_id: str
    status: int | None
    body: str  # the excerpt shown; "" for no body
    size: int  # bytes of the whole body as received
    error: str | None = None  # for no answer at all: why

    def as_text(self) -> str:
        got = f"HTTP {self.status}" if self.status is not None else "no answer"
        if self.status is None and self.error:
            got += f" ({self.error})"
        body = self.body or "(empty body)"
        if self.status is None and not self.size:
            body = ""
        return f"{got}, request {self.request_id}" + (f": {body}" if body else "")

    def as_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "status": self.status,
            "body": self.body,
            "size": self.size,
            "error": self.error,
        }


@dataclass(slots=True)
class RuleResult:
    rule: str
    endpoint: str
    status: Status
    message: str
    trace_ids: list[str] = field(default_factory=list)
    event_trace_ids: list[str] = field(default_factory=list)  # those kept as the store's events
    requests: list[RequestRef] = field(default_factory=list)
    answer: ShownAnswer | None = None  # a failure's evidence: what the ERP sent back

    @property
    def passed(self) -> bool:
        """A skip is not a failure: the rule could not apply to this ERP or these settings."""
        return self.status != "fail"

    @property
    def trace_id(self) -> str | None:
        """The first call's trace id (the CLI's report names it)."""
        return self.trace_ids[0] if self.trace_ids else None

    @property
    def event_trace_id(self) -> str | None:
        """The first call kept as an event: the only kind a page can link to."""
        return self.event_trace_ids[0] if self.event_trace_ids else None

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "endpoint": self.endpoint,
            "status": self.status,
            "message": self.message,
            "trace_ids": list(self.trace_ids),
            "requests": [request.as_json() for request in self.requests],
            "answer": self.answer.as_json() if self.answer is not None else None,
        }


@dataclass(slots=True)
class ConformanceReport:
    customer_code: str
    started_at: datetime
    duration_ms: float = 0.0
    results: list[RuleResult] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> list[RuleResult]:
        return [result for result in self.results if result.status == "fail"]

    @property
    def summary(self) -> str:
        passed, failed, skipped = self.count("pass"), self.count("fail"), self.count("skip")
        verdict = "All rules passed" if failed == 0 else f"{failed} rule(s) failed"
        return f"{verdict}: {passed} passed, {failed} failed, {skipped} skipped"

    def find(self, rule: str, endpoint: str | None = None) -> list[RuleResult]:
        return [
            result
            for result in self.results
            if result.rule == rule and (endpoint is None or result.endpoint == endpoint)
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "customer_code": self.customer_code,
            "started_at": self.started_at.isoformat(),
            "duration_ms": round(self.duration_ms, 1),
            "passed": self.passed,
            "summary": self.summary,
            "counts": {
                "pass": self.count("pass"),
                "fail": self.count("fail"),
                "skip": self.count("skip"),
            },
            "results": [result.as_json() for result in self.results],
        }
