"""Real processes as an operator runs them: every log line JSON in production (a 500 and its
traceback included, and a refusal to start), an access log line per request, /readyz turning
503 on SIGTERM while a request in flight still finishes, and the worker's probes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.plugins.live_server import free_port, wait_for
from tests.resilience.processes import base_env, prepare_database, start_mock_erp, stopping

# The app as `erpgate serve` builds it, plus one route with a bug, served by uvicorn the way
# serve runs it (erpgate's log setup for uvicorn's lines too).
_APP_WITH_A_BUG = """
import sys, uvicorn
from erpgate.app import create_app
from erpgate.config import load_settings

settings = load_settings()
app = create_app(settings)

async def boom() -> None:
    raise RuntimeError("a bug in a route")

app.add_api_route("/boom", boom)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None, access_log=False,
            log_level="warning")
"""


def _json_lines(stderr: str) -> list[dict[str, Any]]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON line: {line!r}") from None
    return parsed


def test_every_line_is_json_in_production_a_500_included(tmp_path: Path, database_url: str) -> None:
    env = base_env(database_url, tmp_path, log_format="json", log_level="INFO")
    with stopping([]) as processes:
        erp, erp_port = start_mock_erp(env, [])
        processes.append(erp)
        prepare_database(env, erp_port)
        port = free_port()
        app = subprocess.Popen(
            [sys.executable, "-c", _APP_WITH_A_BUG, str(port)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(app)  # type: ignore[arg-type]
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", app)  # type: ignore[arg-type]
        failed = httpx.get(f"{base}/boom", headers={"Accept": "application/json"})
        assert failed.status_code == 500
        reference = failed.json()["reference"]
        assert failed.json()["error"] == "internal_error"
        assert httpx.get(f"{base}/api/v1/storefront/orders/SO-9").status_code == 401
        app.send_signal(signal.SIGINT)
        _, stderr = app.communicate(timeout=30)

    lines = _json_lines(stderr)
    [failure] = [line for line in lines if line["event"] == "http_request_failed"]
    assert failure["trace_id"] == reference
    assert (failure["route"], failure["status"], failure["level"]) == ("/boom", 500, "error")
    assert "RuntimeError: a bug in a route" in failure["exception"]
    [access] = [
        line for line in lines if line.get("route") == "/api/v1/storefront/orders/{order_id}"
    ]
    assert (access["event"], access["method"], access["status"]) == ("http_request", "GET", 401)
    assert {"duration_ms", "trace_id", "store", "timestamp"} <= access.keys()
    assert not any("Traceback" in line.get("event", "") for line in lines)


def test_a_refusal_to_start_is_one_json_line(tmp_path: Path) -> None:
    env = base_env(f"sqlite+aiosqlite:///{tmp_path}/empty.db", tmp_path, log_format="json")
    result = subprocess.run(
        [sys.executable, "-m", "erpgate.cli", "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    [line] = _json_lines(result.stderr)
    assert (line["event"], line["level"]) == ("startup_failed", "error")
    assert line["reason"] == "the database has no erpgate tables yet: run `erpgate migrate` first"


def test_sigterm_turns_readyz_503_while_requests_in_flight_finish(
    tmp_path: Path, database_url: str
) -> None:
    env = base_env(database_url, tmp_path, shutdown_drain_seconds="1.5")
    with stopping([]) as processes:
        erp, erp_port = start_mock_erp(env, ["orders=latency:2.5"])
        processes.append(erp)
        prepare_database(env, erp_port)
        port = free_port()
        app = subprocess.Popen(
            [sys.executable, "-m", "erpgate.cli", "serve", "--port", str(port)], env=env
        )
        processes.append(app)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", app)
        assert httpx.get(f"{base}/readyz").json() == {"status": "ready"}
        with httpx.Client(base_url=base, timeout=20) as buyer:
            login = {"email": "buyer@example.com", "password": "demo-buyer", "store": "demo"}
            buyer.post("/api/v1/auth/login", json=login).raise_for_status()
            slow: dict[str, httpx.Response] = {}
            reader = threading.Thread(
                target=lambda: slow.update(answer=buyer.get("/api/v1/storefront/orders"))
            )
            reader.start()
            time.sleep(0.5)  # the ERP is answering it slowly
            app.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            draining = httpx.get(f"{base}/readyz")
            assert draining.status_code == 503
            assert draining.json() == {"status": "unavailable", "reason": "shutting down"}
            assert httpx.get(f"{base}/healthz").status_code == 200  # still serving meanwhile
            reader.join(timeout=20)
        assert slow["answer"].status_code == 200  # the request in flight finished
        # uvicorn ends by re-raising the SIGTERM it handled.
        assert app.wait(timeout=30) in (0, -signal.SIGTERM)


def test_the_worker_serves_healthz_and_metrics(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    env = base_env(database_url, tmp_path, worker_poll_seconds="0.1")
    with stopping([]) as processes:
        erp, erp_port = start_mock_erp(env, [])
        processes.append(erp)
        prepare_database(env, erp_port)
        worker = subprocess.Popen(
            [sys.executable, "-m", "erpgate.cli", "worker", "--metrics-port", str(port)], env=env
        )
        processes.append(worker)
        wait_for(f"http://127.0.0.1:{port}/healthz", worker)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").text == "ok"
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert 'erpgate_outbox_backlog{channel="email"}' in metrics
        assert "erpgate_database_up 1.0" in metrics
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0


def test_serve_with_two_workers_reports_the_sum_of_both(tmp_path: Path, database_url: str) -> None:
    env = base_env(database_url, tmp_path, shutdown_drain_seconds="0")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with stopping([]) as processes:
        erp, erp_port = start_mock_erp(env, [])
        processes.append(erp)
        prepare_database(env, erp_port)
        port = free_port()
        app = subprocess.Popen(
            [sys.executable, "-m", "erpgate.cli", "serve", "--port", str(port), "--workers", "2"],
            env=env,
        )
        processes.append(app)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", app)
        for _ in range(40):  # new connections: the kernel spreads them over both workers
            httpx.get(f"{base}/healthz")
        line = 'erpgate_http_requests_total{method="GET",route="/healthz",status="200"}'
        for _ in range(4):  # whichever worker answers the scrape, it reports both
            text = httpx.get(f"{base}/metrics").text
            [value] = [float(row.split()[-1]) for row in text.splitlines() if row.startswith(line)]
            assert value >= 41
            assert text.count("# TYPE erpgate_writer_queue_depth gauge") == 1
