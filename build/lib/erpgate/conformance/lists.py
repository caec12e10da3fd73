"""Rules on the orders and invoices lists: the shape of page 1, then paging, filters and the
customer guard (``paging``, ``filters``, ``customers``), sharing the pages asked so far."""

from __future__ import annotations

from typing import TYPE_CHECKING

from erpgate.conformance import customers, filters, paging
from erpgate.conformance.checks import row_id
from erpgate.conformance.pages import ListPages, rows_of
from erpgate.conformance.run import BY_ID_OF, KnownId
from erpgate.erp.endpoints import Endpoint

if TYPE_CHECKING:
    from erpgate.conformance.run import RuleRun

DEPENDENT_RULES = (
    "paging.distinct",
    "paging.consistent",
    "paging.stable",
    "filters.status",
    "filters.search",
    "filters.dates",
    "filters.customer",
)
FILTER_RULES = ("filters.status", "filters.search", "filters.dates")


async def check_list(run: RuleRun, endpoint: Endpoint) -> None:
    pages = ListPages(endpoint)
    first = await pages.get(run, 1)
    rows = rows_of(first)
    if not run.shape(endpoint, first, f"Page 1 ({len(rows)} rows) matches the contract"):
        run.list_trouble[endpoint] = f"shape.{endpoint.value}"
        run.skip_all(endpoint, DEPENDENT_RULES, f"No usable answer: see shape.{endpoint.value}")
        return
    await paging.check_paging(run, pages)
    if rows:
        await filters.check_search(run, pages)
        await filters.check_status(run, pages)
        await filters.check_dates(run, pages)
    else:
        reason = f"The {endpoint.value} list is empty for this customer: nothing to filter"
        run.skip_all(endpoint, FILTER_RULES, reason)
    await customers.check_customer_filter(run, pages)
    by_id = BY_ID_OF[endpoint]
    if rows and by_id not in run.known_ids:
        origin = f"the first row of the {endpoint.value} list"
        run.known_ids[by_id] = KnownId(row_id(rows[0]), origin, from_list=True)
