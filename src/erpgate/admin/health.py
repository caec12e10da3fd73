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
class EndpointHealth:
    endpoint: Endpoint
    enabled: bool
    breaker: str
    breaker_changed_at: datetime | None
    breaker_changed_by: str
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str
    last_error_trace_id: str | None
    last_error_event_id: uuid.UUID | None
    calls: int
    errors: int
    p95_ms: float | None
    hours: list[HourBucket]

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0


async def integration_health(
    gateway: ErpGateway, box: SecretBox, now: datetime, db: AsyncSession, store_id: uuid.UUID
) -> list[EndpointHealth]:
    # Whole hours, so a bar always covers the same clock hour however often the page reloads.
    first_hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=WINDOW_HOURS - 1)
    live = await integration_service.load_live_integration(db, store_id, box, gateway.options)
    successes = await repository.last_success_per_endpoint(db, store_id)
    buckets: dict[str, list[HourBucket]] = {
        e.value: [HourBucket(first_hour + timedelta(hours=i)) for i in range(WINDOW_HOURS)]
        for e in Endpoint
    }
    p95s = await repository.hourly_p95(db, store_id, first_hour)
    for endpoint, hour, calls, errors in await repository.hourly_counts(db, store_id, first_hour):
        hours = buckets.get(endpoint)
        index = int((hour - first_hour).total_seconds() // 3600)
        if hours is None or not 0 <= index < WINDOW_HOURS:
            continue
        bucket = hours[index]
        bucket.calls, bucket.errors = calls, errors
        bucket.p95_ms = p95s.get((endpoint, hour))
    p95_day = await repository.p95_per_endpoint(db, store_id, first_hour)
    report = []
    for endpoint in Endpoint:
        hours = buckets[endpoint.value]
        last_error = await repository.last_error(db, store_id, endpoint.value)
        breaker = breaker_service.view(gateway.breakers, store_id, endpoint)
        success_at = successes.get(endpoint.value)
        report.append(
            EndpointHealth(
                endpoint=endpoint,
                enabled=live.is_enabled(endpoint),
                breaker=breaker.state,
                breaker_changed_at=breaker.changed_at,
                breaker_changed_by=breaker.changed_by,
                last_success_at=ensure_utc(success_at) if success_at else None,
                last_error_at=ensure_utc(last_error.occurred_at) if last_error else None,
                last_error=last_error.error if last_error else "",
                last_error_trace_id=last_error.trace_id if last_error else None,
                last_error_event_id=last_error.id if last_error else None,
                calls=sum(h.calls for h in hours),
                errors=sum(h.errors for h in hours),
                p95_ms=p95_day.get(endpoint.value),
                hours=hours,
            )
        )
    return report
