"""CSV upload over HTTP (size cap, per-row report) and the integration health figures."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.kit.clock import Clock
from erpgate.models.audit_log import AuditLog
from tests.admin.conftest import World, erp_event, sign_in


async def test_upload_reports_bad_rows_and_refuses_oversized_files(
    world: World, client: httpx.AsyncClient
) -> None:
    csrf = await sign_in(client, "support@alpha.example")
    bad = b"customer_code,account_name,email\nC9,,x@nine.example\n"
    page = await client.post(
        "/admin/customers/import",
        data={"csrf_token": csrf},
        files={"file": ("customers.csv", bad, "text/csv")},
    )
    assert page.status_code == 422
    assert "Nothing was imported" in page.text
    assert "New customer code C9 needs an account name." in page.text

    api = await client.post(
        "/api/v1/admin/customers/import",
        content=b"customer_code,account_name\nC9,Nine\n",
        headers={"x-csrf-token": csrf, "content-type": "text/csv"},
    )
    assert api.status_code == 200
    assert api.json() == {
        "ok": True,
        "rows": 1,
        "accounts_created": 1,
        "users_created": 0,
        "errors": [],
        "more_errors": 0,
    }
    huge = await client.post(
        "/api/v1/admin/customers/import",
        content=b"customer_code\n" + b"C1\n" * (2 * 1024 * 1024),
        headers={"x-csrf-token": csrf, "content-type": "text/csv"},
    )
    assert huge.status_code == 413
    assert huge.json()["message"] == "The file is larger than 5 MB; split it."


async def test_imports_are_audited_from_the_form_and_the_api_alike(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    csrf = await sign_in(client, "support@alpha.example")
    form = await client.post(
        "/admin/customers/import",
        data={"csrf_token": csrf},
        files={"file": ("north.csv", b"customer_code,account_name\nC1,One\n", "text/csv")},
    )
    assert form.status_code == 200
    for query in ("?dry_run=true", ""):
        api = await client.post(
            f"/api/v1/admin/customers/import{query}",
            content=b"customer_code,account_name,email\nC2,Two,pat@two.example\n",
            headers={"x-csrf-token": csrf, "content-type": "text/csv"},
        )
        assert api.json()["ok"] is True
    rows = (
        await db.execute(
            select(
                AuditLog.action, AuditLog.admin_email, AuditLog.subject, AuditLog.details
            ).order_by(AuditLog.subject)
        )
    ).all()
    # The dry run changed nothing and is not in the log.
    assert rows == [
        ("customers.imported", "support@alpha.example", "API upload", {"accounts": 1, "users": 1}),
        ("customers.imported", "support@alpha.example", "north.csv", {"accounts": 1, "users": 0}),
    ]


async def test_health_counts_errors_and_p95_per_endpoint_over_24_hours(
    world: World, client: httpx.AsyncClient, db: AsyncSession, clock: Clock
) -> None:
    now = clock.now().replace(minute=30, second=0, microsecond=0)
    clock.freeze(now)
    store_id = world.a.store.id
    rows = [erp_event(store_id, "invoices", "success", now, float(ms), ms) for ms in range(1, 20)]
    rows.append(erp_event(store_id, "invoices", "error", now - timedelta(hours=2), 5000.0, 100))
    # Outside the window and in another store: not counted.
    rows.append(erp_event(store_id, "invoices", "error", now - timedelta(hours=30), 1.0, 101))
    rows.append(erp_event(world.b.store.id, "invoices", "error", now, 1.0, 102))
    db.add_all(rows)
    await db.commit()
    await sign_in(client, "developer@alpha.example")
    body = (await client.get("/api/v1/admin/health")).json()
    invoices = next(e for e in body["endpoints"] if e["endpoint"] == "invoices")
    assert (invoices["calls_24h"], invoices["errors_24h"]) == (20, 1)
    assert invoices["error_rate_24h"] == 0.05
    assert invoices["p95_ms_24h"] == 19.0
    assert invoices["breaker"] == "closed" and invoices["enabled"] is False
    assert invoices["last_error"] == "The ERP did not answer in time"
    assert invoices["last_success_at"] == now.isoformat()
    assert invoices["hours"][-1]["calls"] == 19 and invoices["hours"][-3]["errors"] == 1
    assert len(invoices["hours"]) == 24
    page = await client.get("/admin/health")
    assert 'href="/admin/events?endpoint=invoices&amp;outcome=error"' in page.text
    # Each chart has its axes: the scale's top and zero, a visible zero line, the window's ends.
    card = page.text.split('id="health-invoices"', 1)[1].split("</section>", 1)[0]
    charts = card.split('<div class="hour-chart">')[1:]
    assert len(charts) == 2
    for chart in charts:
        assert chart.count("<rect ") == 24
        assert 'class="zero-line"' in chart and "<span>0</span>" in chart
        assert "<span>24 h ago</span><span>now</span>" in chart
    assert "<span>100%</span>" in charts[0] and "<span>5000 ms</span>" in charts[1]
    assert "failed</title>" in charts[0] and ": 1 of 1 failed" in charts[0]


async def test_hourly_p95_is_the_nearest_rank_in_each_hour(
    world: World, client: httpx.AsyncClient, db: AsyncSession, clock: Clock
) -> None:
    now = clock.now().replace(minute=10, second=0, microsecond=0)
    clock.freeze(now)
    store_id = world.a.store.id
    earlier = now - timedelta(hours=5)
    rows = [erp_event(store_id, "orders", "success", now, float(ms), ms) for ms in range(1, 101)]
    rows += [erp_event(store_id, "orders", "success", earlier, 7.0, 200 + n) for n in range(3)]
    db.add_all(rows)
    await db.commit()
    await sign_in(client, "developer@alpha.example")
    body = (await client.get("/api/v1/admin/health")).json()
    orders = next(e for e in body["endpoints"] if e["endpoint"] == "orders")
    assert orders["hours"][-1]["p95_ms"] == 95.0
    assert orders["hours"][-6]["p95_ms"] == 7.0 and orders["hours"][-6]["calls"] == 3
    assert orders["hours"][-2]["p95_ms"] is None and orders["hours"][-2]["calls"] == 0
    assert orders["p95_ms_24h"] == 95.0
