"""`erpgate worker`: the outbox and retention loops in their own process (run several at scale)."""

from __future__ import annotations

import asyncio
import signal

import click

from erpgate.config import ConfigError, load_settings


async def run_worker(*, once: bool) -> None:
    from erpgate.db.engine import create_engine, create_session_factory
    from erpgate.event.retention import RetentionJob
    from erpgate.kit.clock import Clock
    from erpgate.logging import configure_logging, get_logger
    from erpgate.notification.backends import backend_from_settings
    from erpgate.notification.worker import OutboxWorker

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    log = get_logger("erpgate.worker")
    engine = create_engine(settings.database_url)
    factory = create_session_factory(engine)
    clock = Clock()
    outbox = OutboxWorker(engine, factory, backend_from_settings(settings), clock)
    retention = RetentionJob(factory, settings, clock)
    try:
        if once:
            await retention.run_once()
            while await outbox.run_once():
                pass
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        log.info("worker started", backend=settings.mail_backend)
        await asyncio.gather(outbox.run(stop, settings.worker_poll_seconds), retention.run(stop))
        log.info("worker stopped", sent=outbox.sent)
    finally:
        await engine.dispose()


@click.command()
@click.option("--once", is_flag=True, help="Drain what is due now and exit.")
def worker(once: bool) -> None:
    """Send queued e-mails and purge expired events (outside the web process)."""
    try:
        load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    asyncio.run(run_worker(once=once))


COMMANDS = [worker]
