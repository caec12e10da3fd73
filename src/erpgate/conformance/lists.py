"""Rules on the orders and invoices lists: shape, paging and filters."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from erpgate.conformance import checks
from erpgate.conformance.caller import Exchange
from erpgate.conformance.checks import Row, row_id, row_number
from erpgate.conformance.payloads import list_payload
from erpgate.conformance.results import Status
from erpgate.erp.contract import InvoicesListResponse, InvoiceSummary, OrdersListResponse
from erpgate.erp.endpoints import Endpoint

if TYPE_CHECKING:
    from erpgate.conformance.checker import RuleRun

ListResponse = OrdersListResponse | InvoicesListResponse
PAST_THE_END_PAGE = 1000  # without a total, a page this far out should be empty and final
BY_ID_OF = {Endpoint.ORDERS: Endpoint.ORDER, Endpoint.INVOICES: Endpoint.INVOICE}
DEPENDENT_RULES = (
    "paging.distinct",
    "paging.consistent",
    "filters.status",
    "filters.search",
    "filters.dates",
)


def _model(endpoint: Endpoint) -> type[OrdersListResponse] | type[InvoicesListResponse]:
    return OrdersListResponse if endpoint is Endpoint.ORDERS else InvoicesListResponse


def _rows(exchange: Exchange[Any]) -> list[Row]:
    value = exchange.value
    if isinstance(value, OrdersListResponse | InvoicesListResponse):
        return list(value.data)
    return []


async def _page(run: RuleRun, endpoint: Endpoint, **filters: Any) -> Exchange[ListResponse]:
    exchange: Exchange[ListResponse] = await run.call(
        endpoint, list_payload(run.plan, **filters), _model(endpoint)
    )
    return exchange


async def check_list(run: RuleRun, endpoint: Endpoint) -> None:
    first = await _page(run, endpoint, page=1)
    rows = _rows(first)
    if not run.shape(endpoint, first, f"Page 1 ({len(rows)} rows) matches the contract"):
        run.skip_all(endpoint, DEPENDENT_RULES, f"No usable answer: see shape.{endpoint.value}")
        return
    if rows:
        # The first listed id stands in for a known id the user did not give.
        run.known_ids.setdefault(BY_ID_OF[endpoint], row_id(rows[0]))
    await _paging(run, endpoint, first)
    if not rows:
        reason = f"The {endpoint.value} list is empty for this customer: nothing to filter"
        run.skip_all(endpoint, ("filters.status", "filters.search", "filters.dates"), reason)
        return
    await _search(run, endpoint, rows[0])
    await _status(run, endpoint, rows)
    await _dates(run, endpoint, rows[0])


async def _paging(run: RuleRun, endpoint: Endpoint, first: Exchange[ListResponse]) -> None:
    size = run.plan.page_size
    assert first.value is not None
    rows, meta = first.value.data, first.value.meta
    problems = checks.page_problems(len(rows), meta, page=1, page_size=size)
    used: list[Exchange[Any]] = [first]
    if checks.more_pages(len(rows), meta, size):
        second = await _page(run, endpoint, page=2)
        used.append(second)
        rows2 = _rows(second)
        if second.value is None:
            run.add(
                "paging.distinct", endpoint, "fail", f"Page 2: {run.hint(second)}", [first, second]
            )
        elif not rows2 and (meta is not None and (meta.total or meta.has_more)):
            run.add(
                "paging.distinct",
                endpoint,
                "fail",
                "Page 2 came back empty although page 1 said more rows follow",
                [first, second],
            )
        elif (overlap := checks.overlap_problem(rows, rows2)) is not None:
            run.add("paging.distinct", endpoint, "fail", overlap.capitalize(), [first, second])
        else:
            run.add(
                "paging.distinct",
                endpoint,
                "pass",
                f"Page 2 has {len(rows2)} rows, none of them on page 1",
                [first, second],
            )
        if second.value is not None:
            problems += checks.page_problems(len(rows2), second.value.meta, page=2, page_size=size)
    else:
        run.add("paging.distinct", endpoint, "skip", f"Only one page of rows ({len(rows)})")
    last_page = PAST_THE_END_PAGE
    if meta is not None and meta.total is not None and meta.total > 0:
        last_page = max(1, math.ceil(meta.total / size))
    if last_page > 1:
        last = await _page(run, endpoint, page=last_page)
        used.append(last)
        if last.value is None:
            problems.append(f"page {last_page}: {run.hint(last)}")
        else:
            problems += _last_page_problems(last, last_page, size, meta.total if meta else None)
    described = _meta_style(meta)
    if problems:
        run.add("paging.consistent", endpoint, "fail", checks.summarize(problems), used)
    else:
        run.add(
            "paging.consistent",
            endpoint,
            "pass",
            f"Pages agree with their {described} and page_size {size}",
            used,
        )


def _last_page_problems(
    last: Exchange[ListResponse], page: int, size: int, total: int | None
) -> list[str]:
    assert last.value is not None
    rows, meta = last.value.data, last.value.meta
    problems = checks.page_problems(len(rows), meta, page=page, page_size=size, last=True)
    if total is not None:
        expected = total - (page - 1) * size
        if len(rows) != expected:
            problems.append(
                f"last page {page} has {len(rows)} rows; total {total} means {expected}"
            )
    elif rows and len(rows) >= size:
        return []  # a list this long may really reach page 1000: nothing to conclude
    return problems


def _meta_style(meta: Any) -> str:
    if meta is not None and meta.total is not None:
        return f"total ({meta.total})"
    if meta is not None and meta.has_more is not None:
        return "has_more"
    return "row counts (no meta)"


async def _search(run: RuleRun, endpoint: Endpoint, known: Row) -> None:
    number = row_number(known)
    found = await _page(run, endpoint, search=number)
    if found.value is None:
        run.add(
            "filters.search", endpoint, "fail", f"search={number!r}: {run.hint(found)}", [found]
        )
        return
    ids = [row_id(row) for row in found.value.data]
    if row_id(known) in ids:
        run.add(
            "filters.search",
            endpoint,
            "pass",
            f"search={number!r} returned it ({len(ids)} row(s))",
            [found],
        )
    else:
        run.add(
            "filters.search",
            endpoint,
            "fail",
            f"search={number!r} did not return {row_id(known)} ({len(ids)} row(s) returned)",
            [found],
        )


async def _status(run: RuleRun, endpoint: Endpoint, page1: list[Row]) -> None:
    if endpoint is Endpoint.INVOICES:
        await _invoice_status(run, page1)
        return
    status = next((row.status for row in page1 if row.status), None)
    if status is None:
        run.add("filters.status", endpoint, "skip", "No order on page 1 carries a status")
        return
    answer = await _page(run, endpoint, status=status)
    if answer.value is None:
        run.add(
            "filters.status", endpoint, "fail", f"status={status!r}: {run.hint(answer)}", [answer]
        )
        return
    rows = answer.value.data
    verdict: Status
    wrong = [row for row in rows if (row.status or "").lower() != status.lower()]
    if not rows:
        message, verdict = f"status={status!r} returned no rows, although page 1 has some", "fail"
    elif wrong:
        message = f"status={status!r} returned {row_id(wrong[0])} with status {wrong[0].status!r}"
        verdict = "fail"
    else:
        message, verdict = f"status={status!r}: all {len(rows)} row(s) match", "pass"
    run.add("filters.status", endpoint, verdict, message, [answer])


async def _invoice_status(run: RuleRun, page1: list[Row]) -> None:
    endpoint = Endpoint.INVOICES
    problems: list[str] = []
    used: list[Exchange[Any]] = []
    counts: dict[str, int] = {}
    for status in ("open", "paid"):
        answer = await _page(run, endpoint, status=status)
        used.append(answer)
        if answer.value is None:
            problems.append(f"status={status!r}: {run.hint(answer)}")
            continue
        rows = [row for row in answer.value.data if isinstance(row, InvoiceSummary)]
        counts[status] = len(rows)
        for row in rows:
            if status == "open" and row.balance <= 0:
                problems.append(
                    f"status='open' returned {row.invoice_id} with balance {row.balance}"
                )
            if status == "paid" and row.balance != 0:
                problems.append(
                    f"status='paid' returned {row.invoice_id} with balance {row.balance}"
                )
        expected = [
            row
            for row in page1
            if isinstance(row, InvoiceSummary) and (row.balance > 0) == (status == "open")
        ]
        if expected and not rows:
            problems.append(
                f"status={status!r} returned no rows, although page 1 has {status} invoices"
            )
    if problems:
        run.add("filters.status", endpoint, "fail", checks.summarize(problems), used)
    else:
        run.add(
            "filters.status",
            endpoint,
            "pass",
            f"open: {counts.get('open', 0)} row(s) with a balance; "
            f"paid: {counts.get('paid', 0)} row(s) without",
            used,
        )


async def _dates(run: RuleRun, endpoint: Endpoint, known: Row) -> None:
    day = known.date
    problems: list[str] = []
    used: list[Exchange[Any]] = []
    for name, bound in (("date_from", {"date_from": day}), ("date_to", {"date_to": day})):
        answer = await _page(run, endpoint, **bound)
        used.append(answer)
        if answer.value is None:
            problems.append(f"{name}={day}: {run.hint(answer)}")
            continue
        rows = answer.value.data
        if not rows:
            problems.append(
                f"{name}={day} returned no rows, although {row_id(known)} is dated {day}"
            )
        outside = [
            row
            for row in rows
            if (name == "date_from" and row.date < day) or (name == "date_to" and row.date > day)
        ]
        if outside:
            problems.append(f"{name}={day} returned {row_id(outside[0])} dated {outside[0].date}")
    if problems:
        run.add("filters.dates", endpoint, "fail", checks.summarize(problems), used)
    else:
        run.add(
            "filters.dates", endpoint, "pass", f"date_from and date_to {day} bound every row", used
        )
