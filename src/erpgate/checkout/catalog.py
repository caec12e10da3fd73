"""The store's product catalog, and loading it from CSV with a per-row error report."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import repository
from erpgate.kit.money import MoneyError, parse_money
from erpgate.models.catalog_product import CatalogProduct

REQUIRED_COLUMNS = ("sku", "name", "unit_price")
MAX_PRICE = Decimal("10000000")


@dataclass
class ImportReport:
    """What an import did; with any error nothing was written (all-or-nothing)."""

    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (CSV line number, message)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Row:
    sku: str
    name: str
    unit_price: Decimal
    uom: str


def _check_row(raw: dict[str, str | None]) -> _Row | str:
    sku = (raw.get("sku") or "").strip()
    name = (raw.get("name") or "").strip()
    uom = (raw.get("uom") or "").strip().upper() or "EA"
    if not sku or len(sku) > 64 or any(c.isspace() for c in sku):
        return "sku is required: 1-64 characters, no spaces"
    if not name or len(name) > 300:
        return "name is required (at most 300 characters)"
    if len(uom) > 16:
        return "uom is at most 16 characters"
    try:
        price = parse_money(raw.get("unit_price") or "")
    except MoneyError:
        return f"unit_price {raw.get('unit_price')!r} is not a number (write 16.80, no separators)"
    if price < 0 or price > MAX_PRICE:
        return "unit_price must be between 0 and 10,000,000"
    return _Row(sku, name, price, uom)


def parse_catalog_csv(text: str) -> tuple[list[_Row], list[tuple[int, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return [], [
            (1, f"missing column(s): {', '.join(missing)}; expected sku,name,unit_price,uom")
        ]
    reader.fieldnames = columns
    rows: list[_Row] = []
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        checked = _check_row(raw)
        if isinstance(checked, str):
            errors.append((line, checked))
        elif checked.sku in seen:
            errors.append(
                (line, f"sku {checked.sku} appears again (first on line {seen[checked.sku]})")
            )
        else:
            seen[checked.sku] = line
            rows.append(checked)
    if not rows and not errors:
        errors.append((1, "the file has no product rows"))
    return rows, errors


async def import_catalog(db: AsyncSession, store_id: uuid.UUID, text: str) -> ImportReport:
    """Create or update products by sku; any bad row means nothing is written."""
    rows, errors = parse_catalog_csv(text)
    report = ImportReport(errors=errors)
    if errors:
        return report
    existing = await repository.products_by_sku(db, store_id, (r.sku for r in rows))
    for row in rows:
        product = existing.get(row.sku)
        if product is None:
            await repository.add(
                db,
                CatalogProduct(
                    store_id=store_id,
                    sku=row.sku,
                    name=row.name,
                    unit_price=row.unit_price,
                    uom=row.uom,
                ),
            )
            report.created += 1
        else:
            product.name, product.unit_price, product.uom = row.name, row.unit_price, row.uom
            report.updated += 1
    await db.flush()
    return report


async def list_products(db: AsyncSession, store_id: uuid.UUID) -> list[CatalogProduct]:
    return await repository.list_products(db, store_id)
