"""`erpgate worker`: the background loops in their own process (run several at scale).

A composition root, like ``erpgate.app``: the notification outbox, the order deliveries to the
ERP (with this process's own ERP gateway and outcome writer, so each delivery attempt is an
event and its failures fold into problems) and the retention job.
"""

from __future__ import annotations

import asyncio
import signal

import click

from erpgate.config import ConfigError, load_settings


async def run_worker(*, once: bool, metrics_port: int | None = None) -> None:
    from erpgate.db.engine import create_engine, create_session_factory
    from erpgate.delivery.figures import delivery_families
    from erpgate.delivery.worker import DeliveryWorker
    from erpgate.erp.gateway import ErpClientOptions, ErpGateway
    from erpgate.erp.outcome import NullSink
    from erpgate.event.retention import RetentionJob
    from erpgate.kit.clock import Clock
    from erpgate.kit.crypto import SecretBox
    from erpgate.kit.metrics import Families, exposition
    from erpgate.logging import configure_logging, get_logger
    from erpgate.notification.backends import backend_from_settings
    from erpgate.notification.figures import outbox_families
    from erpgate.notification.webhooks import webhook_delivery
    from erpgate.notification.worker import OutboxWorker
    from erpgate.outcomes.lifecycle import build_writer
    from erpgate.web.probes import database_figures, serve_probes

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    log = get_logger("erpgate.worker")
    engine = create_engine(settings.database_url)
    factory = create_session_factory(engine)
    clock = Clock()
    outbox = OutboxWorker(
        engine,
        factory,
        backend_from_settings(settings),
        clock,
        webhooks=webhook_delivery(settings),
    )
    writer = build_writer(settings, factory, clock)
    gateway = ErpGateway(ErpClientOptions.from_settings(settings), writer, now=clock.now)
    deliveries = DeliveryWorker(
        engine, factory, gateway, SecretBox(settings.encryption_keys), clock
    )
    retention = RetentionJob(factory, settings, clock)
    await writer.open()
    await gateway.start()
    try:
        if once:
            await retention.run_once()
            while await outbox.run_once():
                pass
            while await deliveries.run_once():
                pass
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        log.info("worker started", backend=settings.mail_backend)
        poll = settings.worker_poll_seconds
        loops = [outbox.run(stop, poll), deliveries.run(stop, poll), retention.run(stop)]
        port = settings.worker_metrics_port if metrics_port is None else metrics_port
        if port:

            def alive() -> str | None:
                stuck = outbox.stuck_for(poll)
                if stuck is not None:
                    return f"the outbox loop is stuck ({stuck:.0f} s)"
                stuck = deliveries.stuck_for(poll)
                return None if stuck is None else f"the delivery loop is stuck ({stuck:.0f} s)"

            async def metrics() -> bytes:
                figures = await database_figures(
                    factory,
                    [
                        lambda db: outbox_families(db, clock.now()),
                        lambda db: delivery_families(db, clock.now()),
                    ],
                    1.5,
                )
                return exposition([Families(figures)])

            probes = serve_probes(
                settings.worker_metrics_host, port, alive=alive, metrics=metrics, stop=stop
            )
            loops.append(probes)
        await asyncio.gather(*loops)
        log.info("worker stopped", sent=outbox.sent, orders_sent=deliveries.sent)
    finally:
        if outbox.webhooks is not None:
            await outbox.webhooks.sender.close()
        await gateway.close()
        gateway.sink = NullSink()
        await writer.close()  # what the last deliveries produced is stored before exiting
        await engine.dispose()


@click.command()
@click.option("--once", is_flag=True, help="Drain what is due now and exit.")
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Serve /healthz and /metrics on this port (default ERPGATE_WORKER_METRICS_PORT; 0: off).",
)
def worker(once: bool, metrics_port: int | None) -> None:
    """Send queued notifications and placed orders, purge expired events (outside the web
    process)."""
    try:
        load_settings()
    except ConfigError as exc:
        from erpgate.startup import refuse_start

        refuse_start(str(exc))
    asyncio.run(run_worker(once=once, metrics_port=metrics_port))
