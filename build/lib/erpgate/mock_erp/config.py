"""Configuration of the reference mock ERP and the fault specs it understands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from erpgate.erp.endpoints import Endpoint

AUTH_STYLES = ("bearer", "header", "basic", "oauth2")
PAGING_STYLES = ("total", "has_more", "none")

# "*" is every contract endpoint; "token" is the oauth2 token URL; "login" is the session login
# of the ERP twins (SAP Business One's Login).
FAULT_TARGETS = frozenset({*(e.value for e in Endpoint), "*", "token", "login"})

# Fault kind -> the parameter a positional argument fills ("orders=status:500").
FAULT_KINDS: dict[str, str | None] = {
    "latency": "seconds",
    "error_rate": "rate",
    "status": "status",
    "html_error": "status",
    "malformed_json": None,
    "contract_break": None,
    "cross_customer": None,
    "slow_drip": "interval_ms",
    "reset": None,
    "oversized": "bytes",
    "redirect": "location",
    "echo_credentials": None,
    # Free text holding markup, as an ERP's users may type it; pages must show it as text.
    "markup_text": None,
    # Mistakes of the lists a first-time ERP developer makes; the lists answer, but wrongly.
    "ignore_search": None,
    "ignore_status": None,
    "ignore_customer": None,
    "date_to_exclusive": None,
    "total_on_page": None,
    "unstable_sort": None,
    "page_size_cap": "rows",
    # By id: another customer's id answered 403, or not found answered 200 {"error": ...},
    # where the contract asks for 404 or {"data": null}.
    "forbid_other_customer": None,
    "not_found_as_200": None,
    # Taxes, shipping, prices, inventory: 404 for a customer code the ERP does not know (a new
    # account).
    "refuse_unknown_customer": None,
    # Submit order: the order is created and its key remembered, then the answer never comes
    # in time (a stall of `seconds`) or the connection drops: the retry must get that order.
    "accept_then_stall": "seconds",
    "accept_then_reset": None,
    # Submit order: every call creates an order, the Idempotency-Key unread (a retry duplicates).
    "ignore_idempotency_key": None,
    # Submit order: a 422 with 50 reasons, each with a buyer_message; nothing is created.
    "reject_many": None,
    # Prices and inventory: a 404 for the whole request when one SKU is unknown; or a row for
    # every SKU asked, those it does not price (stock) at 0; rows for two SKUs nobody asked for;
    # each row twice, the copy disagreeing (unit_price or available one higher).
    "refuse_unknown_sku": None,
    "zero_for_unknown_sku": None,
    "unasked_rows": None,
    "duplicate_rows": None,
    # Prices: the first row's unit_price 0, the second's below zero; every row in EUR.
    "nonpositive_price": None,
    "other_currency": None,
    # Inventory: quantities as text ("12") and as JSON floats (12.5), row by row: both are valid.
    "stock_as_text": None,
    # A 429 with Retry-After: <seconds> (30 unless given), as vendors throttle.
    "rate_limit": "seconds",
    # Kinds only the ERP twins commit (the mock answers normally): every session of the SAP
    # twin invalid from now on; a list of `rows` rows (20000 unless given) whatever the page
    # size asked; an OData next link pointing at a cloud metadata address.
    "expire_sessions": None,
    "huge_page": "rows",
    "foreign_next_link": None,
}
TWIN_MISTAKES = frozenset({"expire_sessions", "huge_page", "foreign_next_link"})
# Faults the handlers commit themselves, instead of replacing the answer.
LIST_MISTAKES = frozenset(
    {
        "ignore_search",
        "ignore_status",
        "ignore_customer",
        "date_to_exclusive",
        "total_on_page",
        "unstable_sort",
        "page_size_cap",
    }
)
SUBMIT_MISTAKES = frozenset({"accept_then_stall", "accept_then_reset", "ignore_idempotency_key"})
PRICE_MISTAKES = frozenset(
    {
        "refuse_unknown_sku",
        "zero_for_unknown_sku",
        "unasked_rows",
        "duplicate_rows",
        "nonpositive_price",
        "other_currency",
        "stock_as_text",
    }
)
HANDLER_MISTAKES = (
    LIST_MISTAKES
    | SUBMIT_MISTAKES
    | PRICE_MISTAKES
    | TWIN_MISTAKES
    | {
        "forbid_other_customer",
        "not_found_as_200",
        "refuse_unknown_customer",
    }
)

DEFAULT_OVERSIZED_BYTES = 6 * 1024 * 1024
DEFAULT_REDIRECT = "http://169.254.169.254/latest/meta-data/"
# Longer than any deadline erpgate gives submit_order (10 s by default), so the caller gives up.
DEFAULT_STALL_SECONDS = 120.0
# A fixed "today" keeps the seeded data (due dates, aging) identical on every run.
DEFAULT_TODAY = dt.date(2026, 11, 15)
DEFAULT_RETRY_AFTER_SECONDS = 30.0
DEFAULT_HUGE_PAGE_ROWS = 20000


class FaultSpecError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected misbehaviour for one endpoint (or "*")."""

    kind: str
    status: int = 500
    seconds: float = 1.0
    rate: float = 0.5
    retry_after: str | None = None
    bytes: int = DEFAULT_OVERSIZED_BYTES
    location: str = DEFAULT_REDIRECT
    interval_ms: float = 200.0
    rows: int = 50  # page_size_cap: the most rows a page carries

    @classmethod
    def build(cls, kind: str, **params: Any) -> Fault:
        """A fault from a kind and loosely typed params (CLI text or control JSON)."""
        if kind not in FAULT_KINDS:
            raise FaultSpecError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        values: dict[str, Any] = {}
        try:
            for name, raw in params.items():
                if raw is None:
                    continue
                if name in ("status", "bytes", "rows"):
                    values[name] = int(raw)
                elif name in ("seconds", "rate", "interval_ms"):
                    values[name] = float(raw)
                elif name in ("retry_after", "location"):
                    values[name] = str(raw)
                else:
                    raise FaultSpecError(f"unknown fault parameter {name!r}")
        except (TypeError, ValueError) as exc:
            if isinstance(exc, FaultSpecError):
                raise
            raise FaultSpecError(f"bad fault parameter: {exc}") from exc
        if kind == "html_error" and "status" not in values:
            values["status"] = 500
        if kind == "accept_then_stall" and "seconds" not in values:
            values["seconds"] = DEFAULT_STALL_SECONDS
        if kind == "rate_limit" and "seconds" not in values:
            values["seconds"] = DEFAULT_RETRY_AFTER_SECONDS
        if kind == "huge_page" and "rows" not in values:
            values["rows"] = DEFAULT_HUGE_PAGE_ROWS
        return cls(kind=kind, **values)

    def as_json(self) -> dict[str, Any]:
        return {
            "fault": self.kind,
            "status": self.status,
            "seconds": self.seconds,
            "rate": self.rate,
            "retry_after": self.retry_after,
            "bytes": self.bytes,
            "location": self.location,
            "interval_ms": self.interval_ms,
            "rows": self.rows,
        }


def parse_fault_spec(spec: str) -> tuple[str, Fault]:
    """Parse ``ENDPOINT=KIND[:ARG][,name=value...]``, e.g. ``orders=status:429,retry_after=3``."""
    target, sep, rest = spec.partition("=")
    target = target.strip()
    if not sep or target not in FAULT_TARGETS:
        raise FaultSpecError(
            f"bad fault {spec!r}: expected ENDPOINT=KIND[:ARG], e.g. orders=status:500"
        )
    head, *extras = rest.split(",")
    kind, has_arg, arg = head.partition(":")
    kind = kind.strip()
    params: dict[str, Any] = {}
    if has_arg:
        primary = FAULT_KINDS.get(kind)
        if primary is None:
            raise FaultSpecError(f"fault {kind!r} takes no argument")
        params[primary] = arg
    for extra in extras:
        name, eq, value = extra.partition("=")
        if not eq:
            raise FaultSpecError(f"bad fault parameter {extra!r}: expected name=value")
        params[name.strip()] = value.strip()
    return target, Fault.build(kind, **params)


@dataclass(slots=True)
class MockErpConfig:
    """How a mock ERP instance behaves; everything has a test-friendly default."""

    token: str = "mock-token"  # noqa: S105 - the mock's documented test credential
    key: str = ""
    auth_style: str = "bearer"
    faults: list[str] = field(default_factory=list)
    paging_style: str = "total"
    seed: int = 4935
    today: dt.date = DEFAULT_TODAY
    token_expires_in: int = 3600

    def __post_init__(self) -> None:
        if self.auth_style not in AUTH_STYLES:
            raise ValueError(f"auth_style must be one of {', '.join(AUTH_STYLES)}")
        if self.paging_style not in PAGING_STYLES:
            raise ValueError(f"paging_style must be one of {', '.join(PAGING_STYLES)}")
        if self.auth_style == "header" and not self.key:
            raise ValueError("auth_style 'header' needs a key: the header name")
        for spec in self.faults:
            parse_fault_spec(spec)
