"""kill -9 of `erpgate worker` mid-run: after a restart every queued e-mail arrives, matched on
its Message-ID.

SMTP cannot tell a sender whether a message it was handing over when it died arrived (the outbox
worker documents this), so the one e-mail in flight at the kill may arrive twice, with the same
Message-ID so the receiver can drop it; every other e-mail arrives exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.kit.clock import utcnow
from erpgate.models.notification import Notification
from erpgate.store import service as store_service
from tests.plugins.mail import SmtpSink

pytestmark = pytest.mark.deadlines

QUEUED = 60


def _worker(
    database_url: str, sink: SmtpSink, workdir: Path, *extra: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ERPGATE_DATABASE_URL": database_url,
        "ERPGATE_MAIL_BACKEND": "smtp",
        "ERPGATE_SMTP_HOST": sink.host,
        "ERPGATE_SMTP_PORT": str(sink.port),
        "ERPGATE_WORKER_POLL_SECONDS": "0.05",
        "ERPGATE_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "erpgate.cli", "worker", *extra], env=env, cwd=workdir
    )


async def _queue(db: AsyncSession) -> set[str]:
    store = await store_service.create_store(
        db, slug="crash", name="Crash Test", currency="USD", fallback_tax_rate="0"
    )
    ids = set()
    for n in range(QUEUED):
        message_id = f"<crash-{n}-{uuid.uuid4().hex}@erpgate.test>"
        ids.add(message_id)
        db.add(
            Notification(
                store_id=store.id,
                kind="error",
                endpoint="orders",
                sender="alerts@example.com",
                receivers=["it@example.com"],
                subject=f"ERP error {n}",
                body="The ERP did not answer.",
                status="queued",
                next_attempt_at=utcnow(),
                message_id=message_id,
            )
        )
    await db.commit()
    return ids


async def test_worker_killed_mid_run_delivers_everything_after_restart(
    database_url: str, db: AsyncSession, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    expected = await _queue(db)
    worker = _worker(database_url, smtp_sink, tmp_path)
    deadline = time.monotonic() + 60
    while len(smtp_sink.messages) < QUEUED // 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    received_before_kill = len(smtp_sink.messages)
    assert 0 < received_before_kill < QUEUED  # the kill really landed mid-run

    # The rows the dead worker had claimed stay leased for 5 minutes; stand for that wait.
    await db.execute(
        update(Notification)
        .where(Notification.status == "sending")
        .values(lease_expires_at=utcnow() - timedelta(seconds=1))
    )
    await db.commit()
    restarted = _worker(database_url, smtp_sink, tmp_path, "--once")
    assert restarted.wait(60) == 0

    received = [str(m["Message-ID"]) for m in smtp_sink.messages]
    assert set(received) == expected
    assert len(received) - len(set(received)) <= 1
    db.expire_all()
    statuses = (await db.execute(Notification.__table__.select())).all()
    assert {row.status for row in statuses} == {"sent"}
