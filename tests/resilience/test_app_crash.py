"""kill -9 of `erpgate serve` under load: every error event the app acknowledged (every reference
code a buyer received) is in the database after the crash, every e-mail queued with those events
is still queued, and the restarted app's worker sends each of them exactly once.

The ERP fails on every read, so each buyer request writes its error event (and, once per endpoint
and error kind, its e-mail) in its own transaction before the 503 goes out.
"""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle
from pathlib import Path

import httpx

from tests.plugins.mail import SmtpSink
from tests.resilience.processes import (
    READ_PATHS,
    base_env,
    load_rows,
    prepare_database,
    reference_of,
    signed_in_buyer,
    start_app,
    start_mock_erp,
    stopping,
)

FAULTS = [
    "orders=status:500",
    "order=html_error:500",
    "invoices=malformed_json",
    "invoice=contract_break",
    "balance=status:503",
]
THREADS = 6
ACKNOWLEDGED_BEFORE_KILL = 40


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
            deadline = time.monotonic() + 60
            while len(seen) < ACKNOWLEDGED_BEFORE_KILL and time.monotonic() < deadline:
                if any(d.done() for d in drivers):
                    break  # a driver failed: its exception surfaces below
                time.sleep(0.01)
            os.kill(app.pid, signal.SIGKILL)
            app.wait(10)
            answered = sum(d.result() for d in drivers)
        assert len(seen) == answered >= ACKNOWLEDGED_BEFORE_KILL

        events, notifications = load_rows(database_url)
        by_trace = {e.trace_id: e for e in events}
        for endpoint, reference in seen:
            assert reference in by_trace, f"acknowledged {reference} ({endpoint}) is missing"
            assert (by_trace[reference].endpoint, by_trace[reference].outcome) == (
                endpoint,
                "error",
            )
        assert len({reference for _, reference in seen}) == len(seen)
        # One e-mail per (endpoint, error kind) among the written error events (the kinds: each
        # endpoint's fault, then "the breaker is open" once it trips), each tied to its event.
        kinds = {e.id: (e.endpoint, e.error_kind) for e in events if e.outcome == "error"}
        assert sorted(kinds[n.event_id] for n in notifications) == sorted(set(kinds.values()))
        assert {n.status for n in notifications} == {"queued"}
        expected_ids = {n.message_id for n in notifications}

        # Restarted with its worker on: it serves again and sends every queued e-mail.
        restarted, base_url = start_app({**env, "ERPGATE_RUN_WORKER_IN_PROCESS": "true"})
        processes.append(restarted)
        with signed_in_buyer(base_url) as buyer:
            after = reference_of(buyer.get(READ_PATHS["orders"]))
        deadline = time.monotonic() + 30
        while len(smtp_sink.messages) < len(expected_ids) and time.monotonic() < deadline:
            time.sleep(0.05)
        events, notifications = load_rows(database_url)
        while {n.status for n in notifications} != {"sent"} and time.monotonic() < deadline:
            time.sleep(0.05)
            events, notifications = load_rows(database_url)
        received = [str(m["Message-ID"]) for m in smtp_sink.messages]
        assert sorted(received) == sorted(expected_ids)
        assert after in {e.trace_id for e in events}
        assert {n.status for n in notifications} == {"sent"}
        assert len(notifications) == len(expected_ids)  # the new failure was held back
