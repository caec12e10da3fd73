"""Two `erpgate serve` instances and two `erpgate worker` processes on one PostgreSQL.

Buyers hit both instances at once with reads the ERP fails. The instances race to open the same
problems and the workers for the same outbox rows; still exactly one e-mail goes out per problem
(endpoint and error kind; Message-IDs unique), and every failed ERP call leaves one error event,
under the reference its buyers received.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

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
    start_worker,
    stopping,
)

DATABASE_URL = os.environ.get("ERPGATE_TEST_DATABASE_URL", "")
pytestmark = [
    pytest.mark.deadlines,
    pytest.mark.skipif(
        not DATABASE_URL.startswith("postgresql"),
        reason="needs PostgreSQL: run under scripts/with-postgres.sh (ERPGATE_TEST_DATABASE_URL)",
    ),
]

FAULTS = {
    "orders": ("orders=status:500", "status_5xx"),
    "invoices": ("invoices=malformed_json", "not_json"),
    "balance": ("balance=html_error:502", "unavailable"),
    "invoice": ("invoice=contract_break", "contract"),
}
REQUESTS_PER_ENDPOINT_PER_INSTANCE = 8


def _ask(base_url: str, cookies: httpx.Cookies, endpoint: str) -> tuple[str, str]:
    with httpx.Client(base_url=base_url, cookies=cookies, timeout=10) as client:
        return endpoint, reference_of(client.get(READ_PATHS[endpoint]))


def test_two_instances_and_two_workers_send_each_email_once_and_keep_every_event(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    env = base_env(
        DATABASE_URL,
        tmp_path,
        run_worker_in_process="false",
        mail_backend="smtp",
        smtp_host=smtp_sink.host,
        smtp_port=str(smtp_sink.port),
        worker_poll_seconds="0.05",
        # Every request must reach the ERP: no breaker refusals in this count.
        erp_breaker_min_calls="1000",
    )
    with stopping([]) as processes:
        erp, erp_port = start_mock_erp(env, [spec for spec, _ in FAULTS.values()])
        processes.append(erp)
        prepare_database(env, erp_port)
        instances = []
        for _ in range(2):
            app, base_url = start_app(env)
            processes.append(app)
            instances.append(base_url)
        processes.extend(start_worker(env) for _ in range(2))
        # One sign-in serves both: sessions live in the shared database.
        with signed_in_buyer(instances[0]) as buyer:
            cookies = buyer.cookies

        jobs = [
            (base_url, cookies, endpoint)
            for _ in range(REQUESTS_PER_ENDPOINT_PER_INSTANCE)
            for endpoint in FAULTS
            for base_url in instances
        ]
        with ThreadPoolExecutor(8) as pool:
            seen = list(pool.map(lambda job: _ask(*job), jobs))

        deadline = time.monotonic() + 30
        events, notifications = load_rows(DATABASE_URL)
        while time.monotonic() < deadline and (
            len(smtp_sink.messages) < len(FAULTS)
            or {n.status for n in notifications} != {"sent"}
            # written within a second
            or not set(seen) <= {(e.endpoint, e.reference) for e in events}
        ):
            time.sleep(0.05)
            events, notifications = load_rows(DATABASE_URL)
        time.sleep(1.0)  # both workers poll many times over: a duplicate would be sent by now

        received = [str(m["Message-ID"]) for m in smtp_sink.messages]
        assert len(received) == len(set(received)) == len(FAULTS)
        assert set(received) == {n.message_id for n in notifications}
        assert {n.status for n in notifications} == {"sent"}
        problems = {p.id: p for p in load_problems(DATABASE_URL)}
        assert sorted(
            (problems[n.problem_id].endpoint, problems[n.problem_id].kind) for n in notifications
        ) == sorted((endpoint, kind) for endpoint, (_, kind) in FAULTS.items())

        errors = [e for e in events if e.outcome == "error"]
        # Identical reads in flight together on one instance share one ERP call, so its buyers
        # share its event and reference: every reference handed out names a stored event, and
        # every stored event was handed to a buyer (a lost batch would leave references unnamed).
        assert {(e.endpoint, e.reference) for e in errors} == set(seen)
        assert len(set(seen)) <= len(errors) <= len(jobs)
