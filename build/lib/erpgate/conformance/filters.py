"""Filter rules of a list: search, status and dates, each asked for a row the rules know exists
(from page 2 when there is one, so a filter the ERP ignores cannot pass by answering page 1)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from erpgate.conformance import checks
from erpgate.conformance.caller import Exchange
from erpgate.conformance.checks import Row, row_id, row_number
from erpgate.conformance.pages import ListPages, ask, rows_of
from erpgate.erp.contract import InvoiceSummary, OrdersListResponse
from erpgate.erp.endpoints import Endpoint

if TYPE_CHECKING:
    from erpgate.conformance.run import RuleRun

WINDOW_PAGES = 3  # pages of a one-day window read while looking for the known row


async def check_search(run: RuleRun, pages: ListPages) -> None:
    endpoint, known = pages.endpoint, pages.sample()
    number = row_number(known)
    found = await ask(run, endpoint, search=number)
    said = f"search={number!r}"
    if found.value is None:
        run.add("filters.search", endpoint, "fail", f"{said}: {run.hint(found)}", [found])
        return
    rows = found.value.data
    fields = "number or PO number" + (" or order id" if endpoint is Endpoint.INVOICES else "")
    others = [row_id(row) for row in rows if not checks.matches_search(row, number)]
    problems = []
    if row_id(known) not in {row_id(row) for row in rows}:
        problems.append(f"left out {row_id(known)}")
    if others:
        problems.append(
            f"returned {len(others)} row(s) whose {fields} does not contain it: "
            f"{checks.listed(others)}"
        )
    if problems:
        message = (
            f"{said} {' and '.join(problems)}; return only the rows whose {fields} contains "
            "the search text (case-insensitively)"
        )
        focus = others[0] if others else None
        run.add("filters.search", endpoint, "fail", message, [found], focus=focus)
    else:
        message = f"{said} returned {row_id(known)} and only matching rows ({len(rows)})"
        run.add("filters.search", endpoint, "pass", message, [found])


async def check_status(run: RuleRun, pages: ListPages) -> None:
    if pages.endpoint is Endpoint.INVOICES:
        await _invoice_status(run, pages)
        return
    endpoint = Endpoint.ORDERS
    seen = pages.rows(1) + pages.rows(2)
    counts = Counter(row.status for row in seen if row.status)
    if not counts:
        run.add("filters.status", endpoint, "skip", "No order on pages 1-2 carries a status")
        return
    problems = _unpublished(pages.pages[1], seen)
    # The rarest status: an ERP that ignores the filter answers rows of the others.
    status = min(counts, key=lambda value: (counts[value], value))
    example = next(row for row in seen if row.status == status)
    asked = status.lower()  # the contract compares case-insensitively: ask as a buyer types
    answer = await ask(run, endpoint, status=asked)
    used: list[Exchange[Any]] = [pages.pages[1], answer]
    said = f"status={asked!r}"
    if answer.value is None:
        run.add("filters.status", endpoint, "fail", f"{said}: {run.hint(answer)}", used)
        return
    rows = answer.value.data
    wrong = [row for row in rows if (row.status or "").casefold() != status.casefold()]
    if not rows:
        problems.append(
            f"{said} returned no rows, although {row_id(example)} has status {status!r}: "
            "compare the status case-insensitively"
        )
    elif wrong:
        shown = checks.listed([f"{row_id(row)} ({row.status!r})" for row in wrong])
        problems.append(f"{said} returned {len(wrong)} row(s) of another status: {shown}")
    if problems:
        message = f"{checks.summarize(problems)}; return only rows of the status asked for"
        focus = row_id(wrong[0]) if wrong else None
        run.add("filters.status", endpoint, "fail", message, used, evidence=answer, focus=focus)
    else:
        message = f"{said}: all {len(rows)} row(s) have status {status!r}"
        run.add("filters.status", endpoint, "pass", message, used)


def _unpublished(first: Exchange[Any], seen: list[Row]) -> list[str]:
    """Rows whose status is not in the answer's published ``statuses`` (when it has any)."""
    value = first.value
    published = value.statuses if isinstance(value, OrdersListResponse) else None
    if not published:
        return []
    known = {status.casefold() for status in published}
    odd = [
        f"{row_id(row)} ({row.status!r})"
        for row in seen
        if row.status and row.status.casefold() not in known
    ]
    if not odd:
        return []
    return [f"rows carry statuses missing from the published statuses: {checks.listed(odd)}"]


async def _invoice_status(run: RuleRun, pages: ListPages) -> None:
    endpoint = Endpoint.INVOICES
    seen = [row for row in pages.rows(1) + pages.rows(2) if isinstance(row, InvoiceSummary)]
    problems: list[str] = []
    used: list[Exchange[Any]] = []
    counts: dict[str, int] = {}
    for status in ("open", "paid"):
        answer = await ask(run, endpoint, status=status)
        used.append(answer)
        if answer.value is None:
            problems.append(f"status={status!r}: {run.hint(answer)}")
            continue
        rows = [row for row in answer.value.data if isinstance(row, InvoiceSummary)]
        counts[status] = len(rows)
        wrong = [row for row in rows if row.is_unpaid() != (status == "open")]
        if wrong:
            shown = checks.listed([f"{row.invoice_id} (balance {row.balance})" for row in wrong])
            having = "no balance" if status == "open" else "a balance"
            problems.append(
                f"status={status!r} returned {len(wrong)} invoice(s) with {having}: {shown}"
            )
        expected = [row for row in seen if row.is_unpaid() == (status == "open")]
        if expected and not rows:
            problems.append(
                f"status={status!r} returned no rows, although {expected[0].invoice_id} is {status}"
            )
    if problems:
        message = f"{checks.summarize(problems)}; open means a balance above zero, paid none"
        run.add("filters.status", endpoint, "fail", message, used)
    else:
        message = (
            f"open: {counts.get('open', 0)} row(s) with a balance; "
            f"paid: {counts.get('paid', 0)} row(s) without"
        )
        run.add("filters.status", endpoint, "pass", message, used)


async def check_dates(run: RuleRun, pages: ListPages) -> None:
    endpoint, known = pages.endpoint, pages.sample()
    day, known_id = known.date, row_id(known)
    problems: list[str] = []
    used: list[Exchange[Any]] = []
    answers: dict[str, list[Row]] = {}
    for name, bounds in (
        ("date_from", {"date_from": day}),
        ("date_to", {"date_to": day}),
        ("window", {"date_from": day, "date_to": day}),
    ):
        said = " and ".join(f"{key}={value}" for key, value in bounds.items())
        answer = await ask(
            run, endpoint, date_from=bounds.get("date_from"), date_to=bounds.get("date_to")
        )
        used.append(answer)
        if answer.value is None:
            problems.append(f"{said}: {run.hint(answer)}")
            continue
        rows = answers[name] = rows_of(answer)
        if name == "window" and len(rows) >= run.plan.page_size:
            rows = answers[name] = await _whole_window(run, endpoint, day, rows, used)
        outside = list(
            dict.fromkeys(  # a page repeated by an ERP that ignores the page is told once
                f"{row_id(row)} dated {row.date}"
                for row in rows
                if ("date_from" in bounds and row.date < day)
                or ("date_to" in bounds and row.date > day)
            )
        )
        if outside:
            problems.append(f"{said} returned {checks.listed(outside)}")
        elif not rows and name != "window":  # an empty window is told below, with its cause
            problems.append(f"{said} returned no rows, although {known_id} is dated {day}")
    window = answers.get("window")
    if window is not None and known_id not in {row_id(row) for row in window}:
        problems.append(_left_out(known_id, day, answers.get("date_to")))
    if problems:
        message = (
            f"{checks.summarize(problems)}; return only rows dated from date_from to date_to, "
            f"both days included (compare dates, not date-times: a row at 23:30 on {day} "
            f"belongs to date_to={day})"
        )
        run.add("filters.dates", endpoint, "fail", message, used, focus=known_id)
    else:
        message = f"date_from and date_to {day} bound every row and include {known_id}, dated {day}"
        run.add("filters.dates", endpoint, "pass", message, used)


async def _whole_window(
    run: RuleRun, endpoint: Endpoint, day: Any, rows: list[Row], used: list[Exchange[Any]]
) -> list[Row]:
    """A one-day window with more than a page of rows: read a few more pages of it."""
    every = list(rows)
    for page in range(2, WINDOW_PAGES + 1):
        more = await ask(run, endpoint, date_from=day, date_to=day, page=page)
        used.append(more)
        every += rows_of(more)
        if len(rows_of(more)) < run.plan.page_size:
            break
    return every


def _left_out(known_id: str, day: Any, date_to_rows: list[Row] | None) -> str:
    # Newest first, date_to=<day> begins with that day's rows: without the known row there,
    # date_to is the bound that shuts its own day out.
    bound = "date_from"
    if date_to_rows is not None and known_id not in {row_id(row) for row in date_to_rows}:
        bound = "date_to"
    return f"{bound}={day} left out {known_id}, dated {day}"
