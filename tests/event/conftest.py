"""The events pages' browser tests run on the shared live server (tests/plugins/live_server.py:
the app, the mock ERP and the demo data, admin admin@example.com / demo-admin). One event and its
related request are written straight into its database so the pages have something to show and
replay.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.live_server import LiveServer


@dataclass
class LiveSite:
    url: str
    event_id: str
    request_id: str


async def _seed_event(database_url: str, orders_url: str) -> tuple[str, str]:
    from sqlalchemy import select

    from erpgate.db.engine import create_engine, create_session_factory, transaction
    from erpgate.erp.attempts import AttemptRecord
    from erpgate.event.repository import insert_events, insert_requests
    from erpgate.models.store import Store
    from erpgate.outcomes.rows import request_row
    from tests.event.helpers import outcome_row

    engine = create_engine(database_url)
    try:
        async with transaction(create_session_factory(engine)) as db:
            store = (await db.execute(select(Store).where(Store.slug == "demo"))).scalar_one()
            trace = "ab12" * 8
            now = datetime.now(UTC)
            event: dict[str, Any] = outcome_row(store.id, trace_id=trace, at=now)
            await insert_events(db, [event])
            record = AttemptRecord(
                request_id="req_browser0001",
                trace_id=trace,
                store_id=store.id,
                endpoint="orders",
                method="POST",
                url=orders_url,
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
def live_site(live_server: LiveServer) -> LiveSite:
    """The shared live server with one seeded event; seeded in a fresh interpreter, because the
    sync Playwright of this process may already be running an event loop."""
    script = (
        "import asyncio, json, sys\n"
        "from tests.event.conftest import _seed_event\n"
        "print(json.dumps(asyncio.run(_seed_event(sys.argv[1], sys.argv[2]))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, live_server.database_url, live_server.erp_urls["orders"]],
        cwd=str(Path(__file__).resolve().parents[2]),
        env={**os.environ, "ERPGATE_DATABASE_URL": live_server.database_url},
        check=True,
        capture_output=True,
        text=True,
    )
    event_id, request_id = json.loads(done.stdout.strip().splitlines()[-1])
    return LiveSite(live_server.base_url, event_id, request_id)
