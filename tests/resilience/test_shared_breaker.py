"""Two `erpgate serve` instances on one PostgreSQL share their breakers: one opening reaches the
other, and an operator's reset or forced open on one is obeyed by the other within seconds."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.resilience.processes import (
    base_env,
    prepare_database,
    signed_in_buyer,
    start_app,
    start_mock_erp,
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
ORDERS = "/api/v1/storefront/orders"


@contextlib.contextmanager
def signed_in_admin(base_url: str) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        answer = client.post(
            "/api/v1/admin/auth/login",
            json={"email": "admin@example.com", "password": "demo-admin"},
        )
        answer.raise_for_status()
        yield client, answer.json()["csrf_token"]


def breaker_of(admin: httpx.Client) -> str:
    endpoints = admin.get("/api/v1/admin/health").json()["endpoints"]
    state: str = next(e for e in endpoints if e["endpoint"] == "orders")["breaker"]
    return state


def eventually(check: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.1)


def erp_calls(erp_url: str) -> int:
    counts: dict[str, int] = httpx.get(f"{erp_url}/_control/calls", timeout=5).json()["counts"]
    return counts.get("orders", 0)


def test_a_reset_on_one_instance_is_obeyed_by_the_other(tmp_path: Path) -> None:
    env = base_env(
        DATABASE_URL,
        tmp_path,
        breaker_sync_seconds="0.2",
        shutdown_drain_seconds="0",
        erp_breaker_min_calls="3",
        erp_breaker_min_customers="1",
        erp_breaker_open_seconds="300",  # no probe during the test: only people close it
    )
    with stopping([]) as processes:
        erp, erp_port = start_mock_erp(env, ["orders=status:500"])
        processes.append(erp)
        erp_url = f"http://127.0.0.1:{erp_port}"
        prepare_database(env, erp_port)
        a, url_a = start_app(env)
        processes.append(a)
        b, url_b = start_app(env)
        processes.append(b)
        with (
            signed_in_buyer(url_a) as buyer,
            signed_in_admin(url_a) as (admin_a, csrf_a),
            signed_in_admin(url_b) as (admin_b, csrf_b),
            httpx.Client(base_url=url_b, cookies=buyer.cookies, timeout=10) as buyer_b,
        ):
            for _ in range(3):
                assert buyer.get(ORDERS).status_code == 503
            assert breaker_of(admin_a) == "open"
            eventually(lambda: breaker_of(admin_b) == "open")  # A's breaker reached B
            calls = erp_calls(erp_url)
            assert buyer_b.get(ORDERS).status_code == 503
            assert erp_calls(erp_url) == calls  # refused on B without asking the ERP

            reset = admin_a.post(
                "/api/v1/admin/health/orders/breaker",
                json={"action": "reset"},
                headers={"X-CSRF-Token": csrf_a},
            )
            assert reset.status_code == 200 and reset.json()["breaker"] == "closed"
            eventually(lambda: breaker_of(admin_b) == "closed")
            assert buyer_b.get(ORDERS).status_code == 503
            assert erp_calls(erp_url) == calls + 1  # B asks the ERP again

            paused = admin_b.post(
                "/api/v1/admin/health/orders/breaker",
                json={"action": "force_open"},
                headers={"X-CSRF-Token": csrf_b},
            )
            assert paused.json()["breaker"] == "forced-open"
            eventually(lambda: breaker_of(admin_a) == "forced-open")
            calls = erp_calls(erp_url)
            assert buyer.get(ORDERS).status_code == 503
            assert erp_calls(erp_url) == calls
            health = admin_a.get("/api/v1/admin/health").json()["endpoints"]
            orders = next(e for e in health if e["endpoint"] == "orders")
            assert orders["breaker_changed_by"] == "admin@example.com"
            assert orders["breaker_changed_at"] is not None
