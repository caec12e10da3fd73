"""Liveness, readiness and draining: what load balancers and Kubernetes ask a process.

- ``/healthz`` (liveness): the process answers. Nothing else is checked, so a database outage
  never gets healthy processes restarted.
- ``/readyz`` (readiness): the database answers within ``ERPGATE_READY_TIMEOUT_SECONDS`` and is
  migrated to this version (``db.migrate.schema_problem``), and the process is not shutting down.
  Otherwise 503 with the reason.
- Draining: on SIGTERM under uvicorn, ``/readyz`` turns 503 at once while requests keep being
  served for ``ERPGATE_SHUTDOWN_DRAIN_SECONDS``, so the load balancer takes the instance out of
  rotation before it stops accepting connections; then uvicorn's own graceful shutdown lets the
  requests in flight finish. A second SIGTERM stops at once.

``serve_probes`` gives a process without a web app (``erpgate worker``) the same ``/healthz`` and
a ``/metrics`` on a port of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from erpgate.db.engine import SessionFactory
from erpgate.db.migrate import schema_problem
from erpgate.logging import get_logger

log = get_logger(__name__)


@dataclass(slots=True)
class Draining:
    """Whether this process is shutting down (``/readyz`` answers 503 from then on)."""

    active: bool = False
    reason: str = ""

    def begin(self, reason: str) -> None:
        if not self.active:
            self.active, self.reason = True, reason


async def database_problem(engine: AsyncEngine, within: float) -> str | None:
    """Why this process cannot serve from its database, or None; never waits past ``within``."""
    try:
        async with asyncio.timeout(within):
            return await schema_problem(engine)
    except TimeoutError:
        return f"the database did not answer within {within:g} s"


FigureReader = Callable[[AsyncSession], Awaitable[list[Metric]]]


async def database_figures(
    session_factory: SessionFactory, readers: Sequence[FigureReader], within: float
) -> list[Metric]:
    """The figures read from the database for a scrape, and ``erpgate_database_up``: during an
    outage the scrape answers at once with ``erpgate_database_up 0`` instead of hanging."""
    families: list[Metric] = []
    try:
        async with asyncio.timeout(within), session_factory() as db:
            for reader in readers:
                families.extend(await reader(db))
        up = 1.0
    except (TimeoutError, OSError, SQLAlchemyError) as exc:
        log.warning("metrics_database_unavailable", error=type(exc).__name__)
        families, up = [], 0.0
    families.append(
        GaugeMetricFamily(
            "erpgate_database_up",
            "1 when the database answered this scrape's queries in time, else 0",
            value=up,
        )
    )
    return families


def install_drain_on_sigterm(draining: Draining, seconds: float) -> bool:
    """Under uvicorn: make SIGTERM start draining, and hand it to uvicorn ``seconds`` later.
    Returns False (and changes nothing) when SIGTERM is not uvicorn's: tests, other servers."""
    try:
        current = signal.getsignal(signal.SIGTERM)
    except ValueError:  # not the main thread
        return False
    owner = getattr(current, "__self__", None)
    if not callable(current) or not type(owner).__module__.startswith("uvicorn"):
        return False
    uvicorn_exit: Callable[[int, FrameType | None], Any] = current
    loop = asyncio.get_running_loop()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if draining.active:  # asked twice: stop now
            uvicorn_exit(signum, frame)
            return
        draining.begin("shutting down")
        log.info("draining", seconds=seconds)
        loop.call_soon_threadsafe(loop.call_later, seconds, uvicorn_exit, signum, None)

    signal.signal(signal.SIGTERM, on_sigterm)
    return True


async def serve_probes(
    host: str,
    port: int,
    *,
    alive: Callable[[], str | None],
    metrics: Callable[[], Awaitable[bytes]],
    stop: asyncio.Event,
) -> None:
    """``/healthz`` (200, or 503 with what ``alive`` says is wrong) and ``/metrics`` on
    ``host:port`` until ``stop`` is set."""
    import uvicorn
    from prometheus_client import CONTENT_TYPE_LATEST
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    async def healthz(_request: Request) -> Response:
        problem = alive()
        if problem is not None:
            return PlainTextResponse(problem, status_code=503)
        return PlainTextResponse("ok")

    async def metrics_page(_request: Request) -> Response:
        return Response(await metrics(), media_type=CONTENT_TYPE_LATEST)

    class ProbeServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield  # the process's own handlers decide when it stops

    app = Starlette(routes=[Route("/healthz", healthz), Route("/metrics", metrics_page)])
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False)
    server = ProbeServer(config)
    task = asyncio.create_task(server.serve(), name="probe-server")
    try:
        await stop.wait()
    finally:
        server.should_exit = True
        await task
