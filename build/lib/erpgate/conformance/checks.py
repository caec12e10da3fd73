"""Pure judgments the rules make on answers: paging arithmetic and raw JSON formats."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from erpgate.erp.contract import InvoiceSummary, OrderSummary, PageMeta, parse_erp_date

Row = OrderSummary | InvoiceSummary

MONEY_FIELDS = frozenset(
    {
        "total",
        "balance",
        "subtotal",
        "tax_total",
        "shipping_total",
        "unit_price",
        "line_total",
        "amount",
        "credit_limit",
        "available_credit",
        "past_due",
        "salestax_amount",
        "tax_amount",
        "fixed_rate",
        "quantity",
        "quantity_shipped",
        "quantity_backordered",
        "total_price",
        "line_amount",
        "list_price",
        "min_quantity",
        "available",
    }
)
DATE_FIELDS = frozenset({"date", "due_date", "ship_date", "valid_until", "next_available_date"})
# The contract's published pattern for money strings: no thousands separator, no currency sign.
MONEY_TEXT = re.compile(r"-?\d+(\.\d+)?")
MAX_FINDINGS = 3


def row_id(row: Row) -> str:
    return row.order_id if isinstance(row, OrderSummary) else row.invoice_id


def row_number(row: Row) -> str:
    number = row.order_number if isinstance(row, OrderSummary) else row.invoice_number
    return number or row_id(row)


def search_keys(row: Row) -> list[str]:
    """What the contract's search matches: the number and PO number (invoices: the order id too)."""
    keys = [row_id(row), row_number(row), row.po_number or ""]
    if isinstance(row, InvoiceSummary):
        keys.append(row.order_id or "")
    return keys


def matches_search(row: Row, text: str) -> bool:
    wanted = text.casefold()
    return any(wanted in key.casefold() for key in search_keys(row))


def fingerprint(row: Row) -> tuple[str, str, str, str]:
    """A row by content (number, date, total, PO), to know it again under another id."""
    return (row_number(row), row.date.isoformat(), str(row.total), row.po_number or "")


def listed(values: Sequence[str], separator: str = ", ") -> str:
    """The first few values, and how many more there are: "a, b, c (and 4 more)"."""
    shown = separator.join(values[:MAX_FINDINGS])
    more = len(values) - MAX_FINDINGS
    return shown + (f" (and {more} more)" if more > 0 else "")


def more_pages(rows: int, meta: PageMeta | None, page_size: int) -> bool:
    """Whether page 1 says another page exists (total, has_more, or a full page without meta)."""
    if meta is not None and meta.total is not None:
        return meta.total > rows
    if meta is not None and meta.has_more is not None:
        return meta.has_more
    return rows >= page_size


def page_problems(
    rows: int, meta: PageMeta | None, *, page: int, page_size: int, last: bool = False
) -> list[str]:
    """Ways one page's meta disagrees with its rows; ``last`` marks a page known to be the last."""
    problems: list[str] = []
    if rows > page_size:
        problems.append(f"page {page} has {rows} rows for page_size {page_size}")
    if meta is None:
        return problems
    if meta.page is not None and meta.page != page:
        problems.append(f"meta.page is {meta.page} on page {page}")
    if meta.page_size is not None and rows > meta.page_size:
        problems.append(f"page {page} has {rows} rows but meta.page_size is {meta.page_size}")
    seen = (page - 1) * page_size + rows
    if meta.total is not None:
        if rows and meta.total < seen:
            problems.append(f"total is {meta.total}, fewer than the {seen} rows up to page {page}")
        if meta.has_more is True and meta.total <= seen:
            problems.append(
                f"has_more is true on page {page} although total {meta.total} is reached"
            )
        if meta.has_more is False and meta.total > seen:
            problems.append(f"has_more is false on page {page} although total is {meta.total}")
    if meta.has_more is True and rows < page_size:
        problems.append(
            f"has_more is true on page {page}, which has only {rows} of {page_size} rows"
        )
    if last and meta.has_more is True:
        problems.append(f"has_more is true on the last page ({page})")
    return problems


def overlap_problem(first: Sequence[Row], second: Sequence[Row]) -> str | None:
    """None when page 2 shares no row with page 1, else the sentence saying how they overlap."""
    ids1 = [row_id(row) for row in first]
    ids2 = [row_id(row) for row in second]
    if ids2 and ids1 == ids2:
        return f"page 2 repeats page 1 ({len(ids2)} identical rows): the page field is ignored"
    repeated = [value for value in ids2 if value in set(ids1)]
    if repeated:
        return f"page 2 repeats {len(repeated)} row(s) of page 1 ({listed(repeated)})"
    return None


def _walk(node: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) for every object member, skipping list metadata (meta.total is a count)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "meta" and not path:
                continue
            here = f"{path}.{key}" if path else str(key)
            yield here, str(key), value
            yield from _walk(value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, f"{path}[{index}]")


def _parsed(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None  # not JSON at all: the shape rule reports that


def _money_ok(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and MONEY_TEXT.fullmatch(value) is not None


def _date_problem(value: Any) -> str | None:
    """The contract's own date reading (erp.contract.parse_erp_date): shape and format agree."""
    if value is None:
        return None
    if not isinstance(value, str):
        return "is not a date string"
    try:
        parse_erp_date(value)
    except ValueError:
        return "is not an ISO 8601 date (YYYY-MM-DD, or a date-time starting with one)"
    return None


def money_findings(bodies: Sequence[bytes]) -> list[str]:
    """Money fields written in a way the contract does not allow, e.g. "data.total is \"1,234.50\""."""
    findings: list[str] = []
    for body in bodies:
        for path, key, value in _walk(_parsed(body), ""):
            if key in MONEY_FIELDS and not isinstance(value, dict | list) and not _money_ok(value):
                findings.append(f"{path} is {orjson.dumps(value).decode()[:40]}")
    return findings


def date_findings(bodies: Sequence[bytes]) -> list[str]:
    findings: list[str] = []
    for body in bodies:
        for path, key, value in _walk(_parsed(body), ""):
            if key in DATE_FIELDS and not isinstance(value, dict | list):
                problem = _date_problem(value)
                if problem is not None:
                    shown = orjson.dumps(value).decode()[:40]
                    findings.append(f"{path} {shown} {problem}")
    return findings


def summarize(findings: Sequence[str]) -> str:
    return listed(findings, "; ")
