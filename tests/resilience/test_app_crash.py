"""kill -9 of `erpgate serve` during an outage: every reference a buyer received resolves after
the crash, to its event or, for a repeat whose event was still in memory, to its problem and the
moment it happened; every problem's e-mail is still queued, and the restarted app's worker sends
each exactly once.

The ERP fails on every read. The first failure of each problem (endpoint and kind, and customer
for a customer's problem) is stored with its e-mail before the buyer's 503 goes out; repeats are
written by the outcome writer within a second, so the crash may lose the last second of them.
"""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import cycle
from pathlib import Path

import httpx
import pytest

from erpgate.kit.references import parse_reference
from tests.plugins.mail import SmtpSink
from tests.resilience.processes import (
    READ_PATHS,
    base_env,
    load_problems,
    load_rows,
    prepare_database,
    reference_of,
    signed_in_buyer,
    start_app,
    start_mock_erp,
    stopping,
)

pytestmark = pytest.mark.deadlines

FAULTS = [
    "orders=status:500",
    "order=html_error:500",
    "invoices=malformed_json",
    "invoice=contract_break",
    "balance=status:503",
]
THREADS = 6
ACKNOWLEDGED_BEFORE_KILL = 40
RUN_SECONDS = 3.0
# What a crash may lose: the writer's last flush interval (1 s by default), plus a margin for
# the flush that was running and the clocks of two processes.
LOSS_WINDOW = timedelta(seconds=2)


def _drive(base_url: str, cookies: httpx.Cookies, seen: list[tuple[str, str]]) -> int:
    """Ask the failing reads round-robin until the app is gone; returns requests answered."""
    answered = 0
    with httpx.Client(base_url=base_url, cookies=cookies, timeout=10) as client:
        for endpoint, path in cycle(READ_PATHS.items()):
            try:
                response = client.get(path)
            except httpx.TransportError:
                return answered
            seen.append((endpoint, reference_of(response)))
            answered += 1
    raise AssertionError("unreachable")


def test_app_killed_under_load_loses_no_acknowledged_event_or_queued_email(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    database_url = os.environ.get("ERPGATE_TEST_DATABASE_URL") or (
        f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
    )
    env = base_env(
        database_url,
        tmp_path,
        run_worker_in_process="false",  # the e-mails stay queued until after the crash
        mail_backend="smtp",
        smtp_host=smtp_sink.host,
        smtp_port=str(smtp_sink.port),
        worker_poll_seconds="0.05",
    )
    with stopping([]) as processes:
        erp, erp_port = start_mock_erp(env, FAULTS)
        processes.append(erp)
        prepare_database(env, erp_port)
        app, base_url = start_app(env)
        processes.append(app)

        seen: list[tuple[str, str]] = []
        with signed_in_buyer(base_url) as buyer, ThreadPoolExecutor(THREADS) as pool:
            drivers = [pool.submit(_drive, base_url, buyer.cookies, seen) for _ in range(THREADS)]
            started = time.monotonic()
            deadline = started + 60
            # Long enough for the writer to have flushed a few times before the kill.
            while (
                len(seen) < ACKNOWLEDGED_BEFORE_KILL or time.monotonic() < started + RUN_SECONDS
            ) and time.monotonic() < deadline:
                if any(d.done() for d in drivers):
                    break  # a driver failed: its exception surfaces below
                time.sleep(0.01)
            killed_at = datetime.now(UTC)
            os.kill(app.pid, signal.SIGKILL)
            app.wait(10)
            answered = sum(d.result() for d in drivers)
        assert len(seen) == answered >= ACKNOWLEDGED_BEFORE_KILL

        events, notifications = load_rows(database_url)
        problems = {p.code: p for p in load_problems(database_url)}
        problems_by_id = {p.id: p for p in problems.values()}
        by_reference = {e.reference: e for e in events if e.reference}
        lost: set[str] = set()
        for endpoint, reference in seen:
            parsed = parse_reference(reference)
            assert parsed is not None, reference
            problem = problems.get(parsed[0])
            assert problem is not None, f"acknowledged {reference} ({endpoint}) names no problem"
            assert problem.endpoint == endpoint
            event = by_reference.get(reference)
            if event is None:
                # A repeat still in the writer's memory at the kill: only the last moments.
                lost.add(reference)
                assert parsed[1] >= killed_at - LOSS_WINDOW, (reference, parsed[1], killed_at)
            else:
                assert (event.endpoint, event.outcome, event.problem_id) == (
                    endpoint,
                    "error",
                    problem.id,
                )
        assert len(lost) < len({reference for _, reference in seen})  # not everything
        # Each problem's e-mail is decided within a second of its opening: those written before
        # the kill are queued, one per problem; the others are decided after the restart.
        announced = [n.problem_id for n in notifications]
        assert len(announced) == len(set(announced)) and set(announced) <= set(problems_by_id)
        assert {n.kind for n in notifications} <= {"opened"}
        assert {n.status for n in notifications} <= {"queued"}

        # Restarted with its worker on: it serves again and sends every queued e-mail.
        restarted, base_url = start_app({**env, "ERPGATE_RUN_WORKER_IN_PROCESS": "true"})
        processes.append(restarted)
        with signed_in_buyer(base_url) as buyer:
            after = reference_of(buyer.get(READ_PATHS["orders"]))
        deadline = time.monotonic() + 60
        events, notifications = load_rows(database_url)
        while time.monotonic() < deadline and (
            len(smtp_sink.messages) < len(problems) or {n.status for n in notifications} != {"sent"}
        ):
            time.sleep(0.05)
            events, notifications = load_rows(database_url)
        time.sleep(1.0)  # a duplicate would be sent by now
        received = [str(m["Message-ID"]) for m in smtp_sink.messages]
        assert sorted(received) == sorted(n.message_id for n in notifications)
        assert sorted(n.problem_id for n in notifications) == sorted(problems_by_id)
        assert {(n.kind, n.status) for n in notifications} == {("opened", "sent")}
        after_code = parse_reference(after)
        assert after_code is not None and after_code[0] in problems  # the same, still open
