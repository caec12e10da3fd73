"""The CSV of the orders placed in the store: one row per order with its lines joined, this
store's orders only, formulas defused, dates chosen, and each export on the audit log."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout.export import COLUMNS, safe_cell
from erpgate.kit.clock import Clock
from erpgate.models.audit_log import AuditLog
from tests.admin.conftest import World, sign_in, world
from tests.delivery.helpers import NOW, add_delivery, add_order, settings_without_worker

# The fixtures this module uses: the admin's two stores, an app without a delivery worker.
__all__ = ["settings_without_worker", "world"]

EXPORT = "/admin/orders-placed/export.csv"


def rows_of(response: httpx.Response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets then read it as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


async def test_one_row_per_order_with_its_lines_and_delivery(
    client: httpx.AsyncClient, world: World, db: AsyncSession, clock: Clock
) -> None:
    clock.freeze(NOW)
    store, account = world.a.store.id, world.a.account.id
    sent = await add_order(
        db,
        store,
        account,
        "W-AAA1",
        placed_at=NOW - timedelta(hours=2),
        lines=(("5620", "Schraubenschlüssel 13 mm", "2", "16.80"), ("TST03", "Tape", "1", "0.6")),
        po_number="PO-1",
        notes="Ring the bell\nDock 3",
        tax_estimated=False,
    )
    await add_delivery(
        db, store, "W-AAA1", "sent", order_id=sent.id, erp_order_id="SO-77", erp_order_number="77"
    )
    await add_order(db, store, account, "W-AAA2", placed_at=NOW - timedelta(hours=1))
    await add_order(db, world.b.store.id, world.b.account.id, "W-BETA")
    await db.commit()
    await sign_in(client, "support@alpha.example")  # viewers may export

    response = await client.get(EXPORT)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="orders-placed-20261130-1200.csv"'
    )
    assert response.headers["cache-control"] == "no-store"
    assert rows_of(response) == [
        list(COLUMNS),
        [
            "W-AAA2",
            "2026-11-30T11:00:00+00:00",
            "C-ALPHA",
            "",
            "",
            "Dock 3, 1200 Front St, Toledo, 43605, US",
            "2 EA 5620 Wrench 13 mm @ 16.80 = 33.60",
            "USD",
            "33.60",
            "9.95",
            "2.50",
            "yes",
            "46.05",
            "local",
            "",
        ],
        [
            "W-AAA1",
            "2026-11-30T10:00:00+00:00",
            "C-ALPHA",
            "PO-1",
            "Ring the bell\nDock 3",
            "Dock 3, 1200 Front St, Toledo, 43605, US",
            "2 EA 5620 Schraubenschlüssel 13 mm @ 16.80 = 33.60\n1 EA TST03 Tape @ 0.60 = 0.60",
            "USD",
            "34.20",
            "9.95",
            "2.50",
            "no",
            "46.65",
            "sent",
            "77",
        ],
    ]
    entry = (await db.execute(select(AuditLog))).scalar_one()
    assert (entry.action, entry.admin_email, entry.subject, entry.details) == (
        "placed_orders.exported",
        "support@alpha.example",
        "2 order(s)",
        {},
    )


async def test_cells_a_spreadsheet_would_run_start_with_an_apostrophe(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    await add_order(
        db,
        world.a.store.id,
        world.a.account.id,
        "W-EVIL",
        po_number='=HYPERLINK("http://evil.example","x")',
        notes="+1 call me",
        ship_to={"name": "@SUM(A1:A9)", "address1": "-2+3", "city": "Toledo", "country": "US"},
        lines=(("=cmd", "\tTab", "1", "1.00"),),
    )
    await db.commit()
    await sign_in(client, "developer@alpha.example")

    row = rows_of(await client.get(EXPORT))[1]

    cells = dict(zip(COLUMNS, row, strict=True))
    assert cells["po_number"] == '\'=HYPERLINK("http://evil.example","x")'
    assert cells["notes"] == "'+1 call me"
    assert cells["ship_to"] == "'@SUM(A1:A9), -2+3, Toledo, US"
    assert cells["lines"] == "1 EA =cmd \tTab @ 1.00 = 1.00"  # starts with a digit: inert
    assert [safe_cell(v) for v in ("-5", "@a", "\rx", "a=b", "")] == [
        "'-5",
        "'@a",
        "'\rx",
        "a=b",
        "",
    ]


async def test_dates_choose_the_orders(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    store, account = world.a.store.id, world.a.account.id
    for number, days_ago in (("W-OLD", 10), ("W-MID", 5), ("W-NEW", 0)):
        await add_order(db, store, account, number, placed_at=NOW - timedelta(days=days_ago))
    await db.commit()
    await sign_in(client, "support@alpha.example")

    chosen = await client.get(EXPORT, params={"since": "2026-11-20", "until": "2026-11-25"})
    assert [row[0] for row in rows_of(chosen)[1:]] == ["W-MID", "W-OLD"]  # newest first
    empty_fields = await client.get(EXPORT, params={"since": "", "until": ""})
    assert [row[0] for row in rows_of(empty_fields)[1:]] == ["W-NEW", "W-MID", "W-OLD"]
    bad = await client.get(EXPORT, params={"since": "yesterday"})
    assert bad.status_code == 422
    assert "Dates are written YYYY-MM-DD" in bad.text
    entry = (await db.execute(select(AuditLog).order_by(AuditLog.occurred_at))).scalars().first()
    assert entry is not None and entry.details == {"since": "2026-11-20", "until": "2026-11-25"}


async def test_the_export_needs_a_signed_in_admin_of_the_store(
    client: httpx.AsyncClient, world: World
) -> None:
    answer = await client.get(EXPORT, headers={"Accept": "application/json"})
    assert answer.status_code == 401
