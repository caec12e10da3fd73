"""Filtering and paging of the mock ERP's orders and invoices lists."""

from __future__ import annotations

from typing import Any

import orjson

from erpgate.mock_erp.data import ListRow

MAX_PAGE_SIZE = 100


def select_rows(rows: list[ListRow], req: Any) -> list[ListRow]:
    """Rows matching search (number or PO, case-insensitive substring), status and date range."""
    search = (req.search or "").strip().lower()
    status = (req.status or "").strip().lower()
    date_from, date_to = req.date_from, req.date_to
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


def list_body(rows: list[ListRow], req: Any, paging_style: str) -> bytes:
    """One page of a list response; meta per paging style ("total", "has_more" or "none")."""
    selected = select_rows(rows, req)
    size = min(req.page_size, MAX_PAGE_SIZE)
    start = (req.page - 1) * size
    body: dict[str, Any] = {"data": [row.row for row in selected[start : start + size]]}
    if paging_style == "total":
        body["meta"] = {"page": req.page, "page_size": size, "total": len(selected)}
    elif paging_style == "has_more":
        body["meta"] = {
            "page": req.page,
            "page_size": size,
            "has_more": start + size < len(selected),
        }
    return orjson.dumps(body)
