"""The mutable state of a running mock ERP: faults, paging style, tokens, the call log and the
Idempotency-Keys of submitted orders."""

from __future__ import annotations

import random
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from erpgate.mock_erp.auth import TokenIssuer
from erpgate.mock_erp.config import (
    FAULT_TARGETS,
    HANDLER_MISTAKES,
    Fault,
    FaultSpecError,
    MockErpConfig,
    parse_fault_spec,
)
from erpgate.mock_erp.data import MockDataset, build_dataset

RECENT_LIMIT = 200

STATE_KEY: web.AppKey[MockErpState] = web.AppKey("mock_erp_state")


@dataclass(slots=True)
class Submission:
    """One Idempotency-Key as the ERP remembers it: the answer it gave and what it created."""

    key: str
    customer_code: str
    status: int  # 201 created, 422 rejected
    body: bytes
    # One id, or none for a rejection; more only while "ignore_idempotency_key" is in force.
    order_ids: list[str] = field(default_factory=list)
    seen: int = 1

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "customer_code": self.customer_code,
            "status": self.status,
            "order_ids": list(self.order_ids),
            "seen": self.seen,
        }


@dataclass(slots=True)
class MockErpState:
    """Everything a running mock ERP keeps and tests may change at runtime."""

    config: MockErpConfig
    data: MockDataset
    paging_style: str
    tokens: TokenIssuer
    rng: random.Random
    faults: dict[str, Fault] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    recent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT_LIMIT))
    # Idempotency-Key -> its submission, in the order first seen.
    submissions: dict[str, Submission] = field(default_factory=dict)

    def set_fault(self, endpoint: str, fault: str, **params: Any) -> Fault:
        if endpoint not in FAULT_TARGETS:
            raise FaultSpecError(f"unknown endpoint {endpoint!r}")
        built = Fault.build(fault, **params)
        self.faults[endpoint] = built
        return built

    def clear_faults(self, endpoint: str | None = None) -> None:
        if endpoint is None:
            self.faults.clear()
        else:
            self.faults.pop(endpoint, None)

    def fault_for(self, endpoint: str) -> Fault | None:
        fault = self.faults.get(endpoint)
        if fault is None and endpoint not in ("token", "login"):
            fault = self.faults.get("*")
        return fault

    def mistake(self, endpoint: str) -> Fault | None:
        """The fault in force when it is one the handlers commit (a list ignoring search...)."""
        fault = self.fault_for(endpoint)
        return fault if fault is not None and fault.kind in HANDLER_MISTAKES else None

    def calls_json(self) -> dict[str, Any]:
        return {"counts": dict(self.counts), "recent": list(self.recent)}

    def submissions_json(self) -> dict[str, Any]:
        return {"submitted": [s.as_json() for s in self.submissions.values()]}

    def reset_calls(self) -> None:
        self.counts.clear()
        self.recent.clear()


def new_state(config: MockErpConfig) -> MockErpState:
    state = MockErpState(
        config=config,
        data=build_dataset(config.seed, config.today),
        paging_style=config.paging_style,
        tokens=TokenIssuer(config.token_expires_in),
        # Its own RNG, so error_rate draws never disturb the seeded data.
        rng=random.Random(config.seed + 1),
    )
    for spec in config.faults:
        target, fault = parse_fault_spec(spec)
        state.faults[target] = fault
    return state


def record_call(state: MockErpState, name: str, request: web.Request, raw: bytes) -> Any:
    """Count the call and keep its body and headers; return the parsed JSON (or None)."""
    try:
        parsed: Any = orjson.loads(raw) if raw else None
        shown: Any = parsed
    except orjson.JSONDecodeError:
        parsed = None
        shown = raw.decode("utf-8", "replace")
    state.counts[name] += 1
    state.recent.append(
        {
            "endpoint": name,
            "method": request.method,
            "path": request.path,
            "headers": {str(name): value for name, value in request.headers.items()},
            "body": shown,
        }
    )
    return parsed
