"""Real erpgate processes for the crash and scale-out tests: the mock ERP, `erpgate serve`,
`erpgate worker`, a prepared database, and a buyer driving the storefront API over loopback.

Everything here is synchronous (subprocesses, urllib/httpx sync), so the tests using it are plain
functions and stay out of any event loop; database checks run in their own ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Row

from erpgate.demo import DEMO_ERP_TOKEN, DEMO_STORE
from erpgate.models.event import Event
from erpgate.models.notification import Notification
from tests.plugins.live_server import free_port, wait_for

CLI = [sys.executable, "-m", "erpgate.cli"]
BUYER = ("buyer@example.com", "demo-buyer")
READ_PATHS = {
    "orders": "/api/v1/storefront/orders",
    "order": "/api/v1/storefront/orders/SO-1",
    "invoices": "/api/v1/storefront/invoices",
    "invoice": "/api/v1/storefront/invoices/INV-1",
    "balance": "/api/v1/storefront/balance",
}

# Migrate, empty every table (PostgreSQL is shared by the suite's run), seed the demo data: in a
# fresh interpreter, so the test process's own event loop and engine are never involved.
_PREPARE = """
import asyncio, sys
from sqlalchemy import text
from erpgate.config import load_settings
from erpgate.db.base import Base
from erpgate.db.engine import create_engine, create_session_factory, is_postgresql, transaction
from erpgate.db.migrate import upgrade_to_head
from erpgate.db.model_registry import import_all_models
from erpgate.demo import mock_erp_urls, seed_demo

settings = load_settings()
url = settings.database_url
import_all_models()
upgrade_to_head(url)

async def prepare():
    engine = create_engine(url)
    try:
        if is_postgresql(url):
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        async with transaction(create_session_factory(engine)) as db:
            await seed_demo(db, settings, mock_erp_urls(int(sys.argv[1])))
    finally:
        await engine.dispose()

asyncio.run(prepare())
"""


def base_env(database_url: str, workdir: Path, **settings: str) -> dict[str, str]:
    env = {
        **os.environ,
        "ERPGATE_DATABASE_URL": database_url,
        "ERPGATE_ALLOWED_PRIVATE_HOSTS": "127.0.0.1,localhost",
        "ERPGATE_MAIL_DIR": str(workdir / "mail"),
        "ERPGATE_LOG_LEVEL": "WARNING",
        # Every buyer request must reach the ERP and write its own event.
        "ERPGATE_ERP_SHARE_WINDOW_MS": "0",
        # Stopped by the tests at once: no load balancer to drain for.
        "ERPGATE_SHUTDOWN_DRAIN_SECONDS": "0",
    }
    env.update({f"ERPGATE_{name.upper()}": value for name, value in settings.items()})
    return env


def prepare_database(env: dict[str, str], erp_port: int) -> None:
    subprocess.run(
        [sys.executable, "-c", _PREPARE, str(erp_port)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=120,
    )


def start_mock_erp(
    env: dict[str, str], faults: Sequence[str]
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    args = [*CLI, "mock-erp", "--port", str(port), "--token", DEMO_ERP_TOKEN]
    for fault in faults:
        args += ["--fault", fault]
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/", process)
    except BaseException:
        stop(process)
        raise
    return process, port


def app_log_path(env: dict[str, str], port: int) -> Path:
    return Path(env["ERPGATE_MAIL_DIR"]).parent / f"app-{port}.log"


def start_app(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """An ``erpgate serve`` process; its output goes to ``app-<port>.log`` beside the mail
    folder, which ``reference_of`` quotes when an answer is not the calm 503."""
    port = free_port()
    app_env = {**env, "ERPGATE_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    log = app_log_path(env, port)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [*CLI, "serve", "--port", str(port)],
            env=app_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    _logs[f"127.0.0.1:{port}"] = log
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base_url}/healthz", process)
    except BaseException:
        stop(process)
        raise
    return process, base_url


def start_worker(env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*CLI, "worker", *extra], env=env)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate, then kill if it does not go; a process already gone is fine."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def stopping(processes: list[subprocess.Popen[bytes]]) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Stops every process in the (growing) list on the way out, whatever happened."""
    try:
        yield processes
    finally:
        for process in reversed(processes):
            stop(process)


@contextlib.contextmanager
def signed_in_buyer(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        response = client.post(
            "/api/v1/auth/login",
            json={"email": BUYER[0], "password": BUYER[1], "store": DEMO_STORE},
        )
        response.raise_for_status()
        yield client


_logs: dict[str, Path] = {}  # host:port of an app started here -> its log file


def reference_of(response: httpx.Response) -> str:
    """The reference of a calm 503; anything else is a failure of the test (with the app's
    log, which says why)."""
    if response.status_code != 503:
        log = _logs.get(f"{response.url.host}:{response.url.port}")
        tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
        raise AssertionError((response.status_code, response.text, tail))
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "reference"} and body["error"] == "erp_unavailable", body
    reference: str = body["reference"]
    return reference


def load_problems(database_url: str) -> list[Row[Any]]:
    """The problem rows as they are in the database now."""
    from erpgate.db.engine import create_engine
    from erpgate.models.problem import Problem

    async def read() -> list[Row[Any]]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                return list((await conn.execute(select(Problem.__table__))).all())
        finally:
            await engine.dispose()

    return asyncio.run(read())


def load_rows(database_url: str) -> tuple[list[Row[Any]], list[Row[Any]]]:
    """(events, notifications) as they are in the database now."""
    from erpgate.db.engine import create_engine

    async def read() -> tuple[list[Row[Any]], list[Row[Any]]]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                events = list((await conn.execute(select(Event.__table__))).all())
                notes = list((await conn.execute(select(Notification.__table__))).all())
                return events, notes
        finally:
            await engine.dispose()

    return asyncio.run(read())
