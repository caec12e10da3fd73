"""Prometheus metrics of one process, and of every worker of `erpgate serve --workers N`.

Each domain declares its metrics at module level on prometheus_client's default registry. One
process: ``/metrics`` exposes that registry. Several uvicorn workers: ``erpgate serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh directory before the workers start, every worker writes
its values there, and whichever worker answers a scrape sums them (counters, histograms; gauges
by their ``multiprocess_mode``). Figures that are the same in every process (read from the
database, or from state every instance shares) come from collectors built per scrape
(``extra``), so they are never summed over workers.

``LabelCache`` keeps the child of each label combination once looked up: ``labels()`` takes a
lock and builds a tuple on every call, which the storefront's hot path should not pay per request.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
M = TypeVar("M")


def is_multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def prepare_multiprocess_dir(directory: Path) -> None:
    """Empty (or create) the directory the workers will write to: values left by an earlier run
    would otherwise be added to this one's."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True, mode=0o700)
    os.environ[MULTIPROC_ENV] = str(directory)


def process_exited(pid: int) -> None:
    """Drop a stopped worker's live gauges (its counters stay summed in)."""
    if is_multiprocess():
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """The text format of every metric of this process (or of all workers), plus ``extra``."""
    collectors = list(extra)
    if is_multiprocess():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        for collector in collectors:
            registry.register(collector)
        return generate_latest(registry)
    text = generate_latest(REGISTRY)
    if collectors:
        registry = CollectorRegistry()
        for collector in collectors:
            registry.register(collector)
        text += generate_latest(registry)
    return text


class Families:
    """A collector of metric families computed beforehand (by async code, before the scrape)."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        yield from self.families


class LabelCache(Generic[M]):
    """The children of one labelled metric, by label values. Callers keep the key bounded."""

    __slots__ = ("_children", "_metric")

    def __init__(self, metric: Any) -> None:
        self._metric = metric
        self._children: dict[tuple[str, ...], M] = {}

    def get(self, *labels: str) -> M:
        child = self._children.get(labels)
        if child is None:
            child = self._children[labels] = self._metric.labels(*labels)
        return child
