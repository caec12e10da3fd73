"""What the gateway tells Prometheus about ERP calls, and the breakers' state per scrape.

Labels stay bounded whatever buyers send: the store's slug (never a customer code or anything a
request carries), one of the ten endpoints, one of four outcomes and the error class's kind.

- ``erpgate_erp_calls_total{store, endpoint, outcome, kind}``: every ``ErpGateway.read`` that
  reached a verdict of its own (coalesced callers share the one call they joined). ``outcome``:
  ``success``, ``not_found``, ``error`` (the ERP failed: ``kind`` says how) or ``refused``
  (nothing left the process: breaker open, a refused URL or credentials); ``kind`` is ``none``
  for a success.
- ``erpgate_erp_call_duration_seconds{store, endpoint}``: the duration of calls that went out,
  retries and the token fetch included.
- ``erpgate_erp_breaker_state{store, endpoint}``: 0 closed, 1 half-open, 2 open (or forced open
  by an operator), for the breakers this process has used, read when scraped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from erpgate.erp.breaker import BreakerBoard
from erpgate.erp.errors import ErpBlockedError, ErpNotFoundError
from erpgate.erp.outcome import Outcome
from erpgate.kit.metrics import LabelCache

NO_STORE = "none"  # calls made for no store (the conformance checker)
BREAKER_VALUES = {"closed": 0, "half-open": 1, "open": 2, "forced-open": 2}

ERP_CALLS = Counter(
    "erpgate_erp_calls_total",
    "ERP calls by store, endpoint, outcome (success, not_found, error, refused) and error kind",
    ["store", "endpoint", "outcome", "kind"],
)
ERP_DURATION = Histogram(
    "erpgate_erp_call_duration_seconds",
    "Duration of ERP calls that went out (all attempts of one call)",
    ["store", "endpoint"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def verdict(outcome: Outcome[Any]) -> tuple[str, str]:
    """(outcome, kind) labels of an outcome."""
    error = outcome.error
    if error is None:
        return "success", "none"
    if isinstance(error, ErpNotFoundError):
        return "not_found", error.kind
    if isinstance(error, ErpBlockedError) and not outcome.attempts:
        return "refused", error.kind
    return "error", error.kind


class ErpCallMetrics:
    """Counts outcomes on cached label children: a dict look-up and an increment per call."""

    def __init__(self) -> None:
        self._calls: LabelCache[Any] = LabelCache(ERP_CALLS)
        self._durations: LabelCache[Any] = LabelCache(ERP_DURATION)

    def observe(self, outcome: Outcome[Any]) -> None:
        target = outcome.target
        store = target.store_slug or NO_STORE
        endpoint = target.endpoint.value
        result, kind = verdict(outcome)
        self._calls.get(store, endpoint, result, kind).inc()
        if outcome.attempts:
            self._durations.get(store, endpoint).observe(outcome.duration_ms / 1000.0)


class BreakerStateCollector:
    """``erpgate_erp_breaker_state`` from this process's breakers, computed when scraped (the
    half-open state is a matter of time, not of an event a gauge could be set on)."""

    def __init__(self, board: BreakerBoard) -> None:
        self.board = board

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "erpgate_erp_breaker_state",
            "Circuit breaker per store and endpoint: 0 closed, 1 half-open, 2 open or forced open",
            labels=["store", "endpoint"],
        )
        for label, endpoint, state in self.board.states():
            family.add_metric([label or NO_STORE, endpoint.value], BREAKER_VALUES[state])
        yield family
