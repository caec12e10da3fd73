"""The outbox on /metrics: what waits to be sent and for how long, read when scraped.

Read from the database, so every process (web or worker) reports the same figures; a query on an
index (status, next_attempt_at) per scrape.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.notification import repository

CHANNELS = ("email", "webhook")

DELIVERIES = Counter(
    "erpgate_outbox_deliveries_total",
    "Outbox deliveries by channel and result (sent, retry, failed)",
    ["channel", "result"],
)


async def outbox_families(db: AsyncSession, now: datetime) -> list[Metric]:
    backlog = GaugeMetricFamily(
        "erpgate_outbox_backlog",
        "Notifications waiting to be sent (queued or being sent), by channel",
        labels=["channel"],
    )
    oldest = GaugeMetricFamily(
        "erpgate_outbox_oldest_age_seconds",
        "Age of the oldest notification waiting to be sent, by channel (0 when none waits)",
        labels=["channel"],
    )
    waiting = {channel: (count, first) for channel, count, first in await repository.backlog(db)}
    for channel in CHANNELS:
        count, first = waiting.get(channel, (0, None))
        backlog.add_metric([channel], count)
        oldest.add_metric([channel], max(0.0, (now - first).total_seconds()) if first else 0.0)
    return [backlog, oldest]
