"""The store's product catalog, its pages at the buyer's own prices and stock, and loading it
from CSV with a per-row error report."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import repository
from erpgate.db.engine import release_connection
from erpgate.erp.contract import PriceBreak, StockRow
from erpgate.integration.service import LiveIntegration
from erpgate.kit.money import CENT, MoneyError, parse_money
from erpgate.models.catalog_product import CatalogProduct
from erpgate.pricing.service import LivePrices, Offers, PriceAsker, Wanted

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


PAGE_SIZE = 50  # products per catalog page: one ERP prices call and one inventory call
MAX_PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """A product as this buyer sees it: their price (the ERP's or the catalog's) and stock."""

    sku: str
    name: str
    uom: str
    catalog_price: Decimal
    price: Decimal
    price_source: str  # erp | catalog
    list_price: Decimal | None = None
    breaks: tuple[PriceBreak, ...] = ()
    stock: StockRow | None = None  # None: not known (no Inventory URL, or the ERP failed)

    @property
    def list_price_shown(self) -> Decimal | None:
        """The list price struck out beside the buyer's, when it is higher."""
        if self.list_price is not None and self.list_price > self.price:
            return self.list_price
        return None


@dataclass
class CatalogPage:
    items: list[CatalogItem]
    page: int
    page_size: int
    total: int
    offers: Offers

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def shown_price(price: Decimal) -> Decimal:
    """Stored with 4 decimals; show 16.80, not 16.8000, unless the price really has more."""
    return price.quantize(CENT) if price == price.quantize(CENT) else price


def catalog_item(product: CatalogProduct, offers: Offers) -> CatalogItem:
    catalog_price = shown_price(product.unit_price)
    row = offers.price(product.sku)
    return CatalogItem(
        sku=product.sku,
        name=product.name,
        uom=product.uom,
        catalog_price=catalog_price,
        price=row.unit_price if row else catalog_price,
        price_source="erp" if row else "catalog",
        list_price=row.list_price if row else None,
        breaks=tuple(sorted(row.price_breaks, key=lambda b: b.min_quantity)) if row else (),
        stock=offers.stock_of(product.sku),
    )


async def catalog_page(
    db: AsyncSession,
    live_prices: LivePrices,
    integration: LiveIntegration,
    asker: PriceAsker,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> CatalogPage:
    """One page of products at the buyer's prices, with stock: one ERP call per endpoint."""
    total = await repository.count_products(db, asker.store_id)
    products = await repository.list_products(
        db, asker.store_id, offset=(page - 1) * page_size, limit=page_size
    )
    # The catalog is read: the connection goes back to the pool before the ERP is asked.
    await release_connection(db)
    offers = await live_prices.offers(integration, asker, [Wanted(p.sku) for p in products])
    items = [catalog_item(product, offers) for product in products]
    return CatalogPage(items, page, page_size, total, offers)


async def product_offer(
    db: AsyncSession,
    live_prices: LivePrices,
    integration: LiveIntegration,
    asker: PriceAsker,
    sku: str,
) -> CatalogPage | None:
    """One product at the buyer's price with its stock per warehouse; None when unknown."""
    if "\x00" in sku:
        return None
    product = (await repository.products_by_sku(db, asker.store_id, [sku])).get(sku)
    if product is None:
        return None
    await release_connection(db)
    offers = await live_prices.offers(integration, asker, [Wanted(product.sku)])
    return CatalogPage([catalog_item(product, offers)], 1, 1, 1, offers)
