"""The bounds of every list's paging, search and date parameters, in one place.

Every list (admin customers, users and audit log, events, the storefront's orders and invoices)
takes its page number, search text and dates through these types, so no value reaches SQL or an
ERP request that SQLite cannot hold as an integer, a LIKE pattern too long for it to compile, or a
date whose next day is past the calendar. Out of bounds is 422 naming the field for the JSON API
and a page saying so for a browser (``app._validation_error_handler``), never a 500.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from annotated_types import Ge, Le, MaxLen

from erpgate.errors import ValidationFailed

MAX_PAGE = 10_000
MAX_SEARCH_LENGTH = 100
# One-value filters: an audit action, an order status, a customer code.
MAX_FILTER_LENGTH = 100
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(9998, 12, 31)

PageNumber = Annotated[int, Ge(1), Le(MAX_PAGE)]
SearchText = Annotated[str, MaxLen(MAX_SEARCH_LENGTH)]
FilterText = Annotated[str, MaxLen(MAX_FILTER_LENGTH)]
Day = Annotated[date, Ge(FIRST_DAY), Le(LAST_DAY)]


def offset(page: int, per_page: int) -> int:
    """The rows before ``page``; a page outside the bounds counts as the nearest one."""
    return (min(max(1, page), MAX_PAGE) - 1) * per_page


def parse_day(text: str | None, field: str) -> date | None:
    """A YYYY-MM-DD filter typed as text (None when empty), within FIRST_DAY..LAST_DAY."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationFailed(
            f"Dates are written YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}.",
            fields={field: f"Use a date from {FIRST_DAY} to {LAST_DAY}."},
        )
    return day
