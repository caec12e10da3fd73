"""Integration health: per endpoint on/off, breaker state, last success and error, 24 h charts.

Computed from the events table, in SQL: counts per endpoint and hour, and the p95 duration
(``percentile_cont`` on PostgreSQL, the nearest rank by a window function on SQLite,
``erpgate.db.aggregates``), so no window of durations is loaded into Python.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin import repository
from erpgate.breaker import service as breaker_service
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.gateway import ErpGateway
from erpgate.integration import service as integration_service
from erpgate.kit.clock import ensure_utc
from erpgate.kit.crypto import SecretBox

WINDOW_HOURS = 24


@dataclass(slots=True)
class HourBucket:
    start: datetime
    calls: int = 0
    errors: int = 0
    p95_ms: float | None = None

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0


@dataclass(slots=True)
class EndpointState:
    """What the admin home and the health page both show of an endpoint: on or off, its breaker,
    and its calls and errors per hour of the window."""

    endpoint: Endpoint
    enabled: bool
    breaker: str
    breaker_changed_at: datetime | None
    breaker_changed_by: str
    hours: list[HourBucket]

    @property
    def calls(self) -> int:
        return sum(h.calls for h in self.hours)

    @property
    def errors(self) -> int:
        return sum(h.errors for h in self.hours)

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0


@dataclass(slots=True)
class EndpointHealth(EndpointState):
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str
    last_error_trace_id: str | None
    last_error_event_id: uuid.UUID | None
    p95_ms: float | None


def window_start(now: datetime) -> datetime:
    """The first hour of the window: whole hours, so a bar always covers the same clock hour
    however often the page reloads."""
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=WINDOW_HOURS - 1)


async def endpoint_states(
    gateway: ErpGateway, box: SecretBox, now: datetime, db: AsyncSession, store_id: uuid.UUID
) -> list[EndpointState]:
    """Every endpoint's on/off, breaker and hourly calls and errors: two queries (the settings,
    the counts per endpoint and hour); the breakers are this instance's shared copy."""
    first_hour = window_start(now)
    live = await integration_service.load_live_integration(db, store_id, box, gateway.options)
    buckets: dict[str, list[HourBucket]] = {
        e.value: [HourBucket(first_hour + timedelta(hours=i)) for i in range(WINDOW_HOURS)]
        for e in Endpoint
    }
    for endpoint, hour, calls, errors in await repository.hourly_counts(db, store_id, first_hour):
        hours = buckets.get(endpoint)
        index = int((hour - first_hour).total_seconds() // 3600)
        if hours is None or not 0 <= index < WINDOW_HOURS:
            continue
        hours[index].calls, hours[index].errors = calls, errors
    states = []
    for endpoint in Endpoint:
        breaker = breaker_service.view(gateway.breakers, store_id, endpoint)
        states.append(
            EndpointState(
                endpoint=endpoint,
                enabled=live.is_enabled(endpoint),
                breaker=breaker.state,
                breaker_changed_at=breaker.changed_at,
                breaker_changed_by=breaker.changed_by,
                hours=buckets[endpoint.value],
            )
        )
    return states


async def integration_health(
    gateway: ErpGateway, box: SecretBox, now: datetime, db: AsyncSession, store_id: uuid.UUID
) -> list[EndpointHealth]:
    """The states, with each endpoint's p95 durations, last success and last error."""
    first_hour = window_start(now)
    states = await endpoint_states(gateway, box, now, db, store_id)
    successes = await repository.last_success_per_endpoint(db, store_id)
    p95s = await repository.hourly_p95(db, store_id, first_hour)
    p95_day = await repository.p95_per_endpoint(db, store_id, first_hour)
    report = []
    for state in states:
        endpoint = state.endpoint
        for bucket in state.hours:
            bucket.p95_ms = p95s.get((endpoint.value, bucket.start))
        last_error = await repository.last_error(db, store_id, endpoint.value)
        success_at = successes.get(endpoint.value)
        report.append(
            EndpointHealth(
                endpoint=endpoint,
                enabled=state.enabled,
                breaker=state.breaker,
                breaker_changed_at=state.breaker_changed_at,
                breaker_changed_by=state.breaker_changed_by,
                hours=state.hours,
                last_success_at=ensure_utc(success_at) if success_at else None,
                last_error_at=ensure_utc(last_error.occurred_at) if last_error else None,
                last_error=last_error.error if last_error else "",
                last_error_trace_id=last_error.trace_id if last_error else None,
                last_error_event_id=last_error.id if last_error else None,
                p95_ms=p95_day.get(endpoint.value),
            )
        )
    return report
