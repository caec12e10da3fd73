"""Order deliveries on /metrics: attempts by result, and what waits to reach the ERP.

The backlog is read from the database when scraped, so every process (web or worker) reports
the same figures: one query on the (state, next_attempt_at) index.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.delivery import repository

DELIVERIES = Counter(
    "erpgate_order_delivery_attempts_total",
    "Attempts to send a placed order to the ERP, by the state they left it in "
    "(sent, queued for a retry, rejected, failed)",
    ["result"],
)


async def delivery_families(db: AsyncSession, now: datetime) -> list[Metric]:
    count, first = await repository.backlog(db)
    backlog = GaugeMetricFamily(
        "erpgate_order_delivery_backlog",
        "Placed orders waiting to reach the ERP (queued or being sent)",
        value=count,
    )
    oldest = GaugeMetricFamily(
        "erpgate_order_delivery_oldest_age_seconds",
        "Age of the oldest placed order waiting to reach the ERP (0 when none waits)",
        value=max(0.0, (now - first).total_seconds()) if first else 0.0,
    )
    return [backlog, oldest]
