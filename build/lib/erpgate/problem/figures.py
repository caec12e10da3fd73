"""Problems on /metrics: how many are open (or acknowledged) per store and endpoint, read from
the database when scraped, so every instance reports the same figures."""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.problem import repository


async def problem_families(db: AsyncSession) -> list[Metric]:
    family = GaugeMetricFamily(
        "erpgate_problems_open",
        "Unresolved problems by store, endpoint and state (open, acknowledged)",
        labels=["store", "endpoint", "state"],
    )
    for slug, endpoint, state, count in await repository.count_unresolved_by_store(db):
        family.add_metric([slug, endpoint, state], count)
    return [family]
