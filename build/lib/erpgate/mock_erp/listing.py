"""Filtering and paging of the mock ERP's orders and invoices lists, and the mistakes it can make.

The correct list is sorted newest first with the id as tie-breaker, filters on search (number or
PO, case-insensitive substring), status (case-insensitive) and dates (both bounds inclusive), and
pages by ``page_size`` up to ``MAX_PAGE_SIZE``. ``mistake`` names one of the ways a first-time
ERP developer gets it wrong (``config.LIST_MISTAKES``), for the conformance checker's tests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import orjson

from erpgate.mock_erp.config import Fault
from erpgate.mock_erp.data import ListRow

MAX_PAGE_SIZE = 100


def select_rows(rows: list[ListRow], req: Any, mistake: str | None = None) -> list[ListRow]:
    """Rows matching search, status and the date range (as ``mistake`` gets them wrong)."""
    search = "" if mistake == "ignore_search" else (req.search or "").strip().lower()
    status = "" if mistake == "ignore_status" else (req.status or "").strip().lower()
    date_from, date_to = req.date_from, req.date_to
    if date_to is not None and mistake == "date_to_exclusive":
        date_to -= dt.timedelta(days=1)  # "date < date_to": an order on that very day is lost
    if not (search or status or date_from or date_to):
        return rows
    return [
        row
        for row in rows
        if (not search or search in row.search_keys)
        and (not status or row.status == status)
        and (date_from is None or row.day >= date_from)
        and (date_to is None or row.day <= date_to)
    ]


def everyones_rows(lists: dict[str, list[ListRow]]) -> list[ListRow]:
    """Every customer's rows in one list, without their customer_code (``ignore_customer``)."""
    merged = [
        dataclasses.replace(
            row, row={key: value for key, value in row.row.items() if key != "customer_code"}
        )
        for rows in lists.values()
        for row in rows
    ]
    return sorted(merged, key=_newest_first, reverse=True)


def _row_id(row: ListRow) -> str:
    # An invoice row also names its order: its own id comes first.
    return str(row.row.get("invoice_id") or row.row["order_id"])


def _newest_first(row: ListRow) -> tuple[dt.date, str]:
    return row.day, _row_id(row)


def _ties_by_page(rows: list[ListRow], page: int) -> list[ListRow]:
    """Sorted by date only, rows of the same day in an order that changes with the page, as a
    database gives them without a tie-breaker: at a page boundary a row repeats and one is lost."""
    by_id = sorted(rows, key=_row_id, reverse=page % 2 == 1)
    return sorted(by_id, key=lambda row: row.day, reverse=True)


def list_body(
    rows: list[ListRow],
    req: Any,
    paging_style: str,
    fault: Fault | None = None,
    statuses: list[str] | None = None,
) -> bytes:
    """One page of a list response; meta per paging style ("total", "has_more" or "none")."""
    mistake = fault.kind if fault is not None else None
    selected = select_rows(rows, req, mistake)
    if mistake == "unstable_sort":
        selected = _ties_by_page(selected, req.page)
    size = min(req.page_size, MAX_PAGE_SIZE)
    if mistake == "page_size_cap":
        size = min(size, fault.rows if fault is not None else size)
    start = (req.page - 1) * size
    page = [row.row for row in selected[start : start + size]]
    body: dict[str, Any] = {"data": page}
    if paging_style == "total":
        total = len(page) if mistake == "total_on_page" else len(selected)
        body["meta"] = {"page": req.page, "page_size": size, "total": total}
    elif paging_style == "has_more":
        more = start + size < len(selected) and mistake != "total_on_page"
        body["meta"] = {"page": req.page, "page_size": size, "has_more": more}
    if statuses is not None:
        body["statuses"] = statuses
    return orjson.dumps(body)
