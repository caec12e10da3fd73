"""Catalog CSV import: per-row error report, all-or-nothing, and the command line."""

from __future__ import annotations

import asyncio
import os
import sys
from decimal import Decimal
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import catalog
from erpgate.store import service as store_service

GOOD = 'sku,name,unit_price,uom\nA-1,Anvil,199.00,EA\nB-2,"Bolts, box",9.5,bx\n'
BAD = (
    "sku,name,unit_price\n"
    "A-1,Anvil,199.00\n"
    ",No sku,1.00\n"
    'C-3,Comma price,"1,234.50"\n'
    "D-4,Negative,-1\n"
    "A-1,Again,2.00\n"
)


async def test_import_creates_then_updates_by_sku(db: AsyncSession) -> None:
    store = await store_service.create_store(db, slug="s1", name="S1")
    first = await catalog.import_catalog(db, store.id, GOOD)
    assert (first.created, first.updated, first.errors) == (2, 0, [])
    second = await catalog.import_catalog(db, store.id, GOOD.replace("199.00", "189.00"))
    assert (second.created, second.updated) == (0, 2)
    products = await catalog.list_products(db, store.id)
    assert [(p.sku, p.name, p.unit_price, p.uom) for p in products] == [
        ("A-1", "Anvil", Decimal("189.00"), "EA"),
        ("B-2", "Bolts, box", Decimal("9.5"), "BX"),
    ]


async def test_bad_rows_are_reported_by_line_and_nothing_is_written(db: AsyncSession) -> None:
    store = await store_service.create_store(db, slug="s2", name="S2")
    report = await catalog.import_catalog(db, store.id, BAD)
    assert [line for line, _message in report.errors] == [3, 4, 5, 6]
    assert "sku is required" in report.errors[0][1]
    assert "not a number" in report.errors[1][1]
    assert "between 0 and" in report.errors[2][1]
    assert "first on line 2" in report.errors[3][1]
    assert await catalog.list_products(db, store.id) == []


async def test_missing_columns_are_named(db: AsyncSession) -> None:
    store = await store_service.create_store(db, slug="s3", name="S3")
    report = await catalog.import_catalog(db, store.id, "sku,title\nA,B\n")
    assert report.errors == [
        (1, "missing column(s): name, unit_price; expected sku,name,unit_price,uom")
    ]


async def _erpgate(database_url: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "ERPGATE_DATABASE_URL": database_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "erpgate.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_import_catalog_and_create_api_key_commands(
    db: AsyncSession, database_url: str, tmp_path: Path
) -> None:
    store = await store_service.create_store(db, slug="cli", name="CLI")
    await db.commit()
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, "utf-8")
    code, _out, err = await _erpgate(database_url, "import-catalog", "--store", "cli", str(bad))
    assert code == 1
    assert "line 3: sku is required" in err
    assert "4 row(s) with errors; nothing was imported" in err
    good = tmp_path / "good.csv"
    good.write_text(GOOD, "utf-8")
    code, out, _err = await _erpgate(database_url, "import-catalog", "--store", "cli", str(good))
    assert (code, out.strip()) == (0, "imported: 2 new, 0 updated")
    assert len(await catalog.list_products(db, store.id)) == 2

    code, out, _err = await _erpgate(
        database_url, "create-api-key", "--store", "cli", "--name", "shop"
    )
    assert code == 0
    key = out.split("key: ")[1].split()[0]
    assert key.startswith("egk_")
    code, out, _err = await _erpgate(database_url, "list-api-keys", "--store", "cli")
    assert f"{key[:12]}…  shop  active" in out
