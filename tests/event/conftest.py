"""A live server for the browser tests (tests/plugins/live_server.py did not exist yet).

`erpgate demo` in a subprocess on free ports: a fresh SQLite file, the mock ERP, demo data (admin
admin@example.com / demo-admin). One event and its related request are then written straight into
the database so the pages have something to show and replay.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.mail import free_port

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


@dataclass
class LiveSite:
    url: str
    event_id: str
    request_id: str


def _wait(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (loopback test server)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


async def _seed_event(database_url: str, erp_port: int) -> tuple[str, str]:
    from sqlalchemy import select

    from erpgate.db.engine import create_engine, create_session_factory, transaction
    from erpgate.erp.attempts import AttemptRecord
    from erpgate.erp.endpoints import Endpoint
    from erpgate.event.gateway import Actor, CallRecord
    from erpgate.event.recorder import event_row
    from erpgate.event.repository import insert_events, insert_requests
    from erpgate.event.writer import request_row
    from erpgate.models.store import Store

    engine = create_engine(database_url)
    try:
        async with transaction(create_session_factory(engine)) as db:
            store = (await db.execute(select(Store).where(Store.slug == "demo"))).scalar_one()
            trace = "ab12" * 8
            now = datetime.now(UTC)
            call = CallRecord(
                store_id=store.id,
                endpoint=Endpoint.ORDERS,
                actor=Actor(
                    source="storefront", customer_account_id=None, customer_code="C0004935"
                ),
                trace_id=trace,
                occurred_at=now,
            )
            event: dict[str, Any] = event_row(call)
            await insert_events(db, [event])
            record = AttemptRecord(
                request_id="req_browser0001",
                trace_id=trace,
                store_id=store.id,
                endpoint="orders",
                method="POST",
                url=f"http://127.0.0.1:{erp_port}/erp/orders",
                started_at=now,
                duration_ms=10.0,
                request_headers=[("Content-Type", "application/json"), ("Authorization", "••••")],
                request_body=b'{"customer_code":"C0004935","page":1,"page_size":20}',
                status=200,
                response_headers=[("Content-Type", "text/html")],
                response_body=b"<script>document.title='pwned'</script>",
            )
            row = request_row(record, 65536)
            await insert_requests(db, [row])
        return str(event["id"]), str(row["id"])
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    root = tmp_path_factory.mktemp("live")
    port, erp_port = free_port(), free_port()
    database_url = f"sqlite+aiosqlite:///{root / 'live.db'}"
    env = dict(
        os.environ,
        ERPGATE_DATABASE_URL=database_url,
        ERPGATE_MAIL_DIR=str(root / "mail"),
        ERPGATE_STATE_DIR=str(root),
        ERPGATE_PUBLIC_URL=f"http://127.0.0.1:{port}",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "erpgate.cli",
            "demo",
            "--port",
            str(port),
            "--erp-port",
            str(erp_port),
        ],
        env=env,
        cwd=str(Path(__file__).resolve().parents[2]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        event_id, request_id = asyncio.run(_seed_event(database_url, erp_port))
        yield LiveSite(f"http://127.0.0.1:{port}", event_id, request_id)
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": CHROMIUM_ARGS,
    }
