"""Paging rules of a list: page 2 differs from page 1, the meta agrees with what the pages
return, and walking every page shows each row exactly once.

A full page 1 is always followed by page 2, whatever its meta says: a ``total`` that counts only
the rows of the page (or ``has_more: false`` on a full page) hides every row after page 1.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from erpgate.conformance import checks
from erpgate.conformance.caller import Exchange
from erpgate.conformance.checks import row_id
from erpgate.conformance.pages import ListPages, ListResponse, ask, rows_of
from erpgate.erp.contract import MAX_PAGE_SIZE, PageMeta

if TYPE_CHECKING:
    from erpgate.conformance.run import RuleRun

PAST_THE_END_PAGE = 1000  # without a total, a page this far out should be empty and final
MAX_WALK_PAGES = 30  # paging.stable walks this many pages at most


async def check_paging(run: RuleRun, pages: ListPages) -> None:
    first = pages.pages[1]
    assert first.value is not None
    size = run.plan.page_size
    rows, meta = first.value.data, first.value.meta
    says_more = checks.more_pages(len(rows), meta, size)
    if says_more or len(rows) >= size:
        await pages.get(run, 2)
    distinct = _check_distinct(run, pages, says_more)
    walked = await _check_stable(run, pages, distinct_failed=distinct == "fail")
    await _check_consistent(run, pages, says_more, walked)


def _check_distinct(run: RuleRun, pages: ListPages, says_more: bool) -> str:
    endpoint, first = pages.endpoint, pages.pages[1]
    second = pages.pages.get(2)
    rows, rows2 = pages.rows(1), pages.rows(2)
    size = run.plan.page_size
    if second is None or (second.value is not None and not rows2 and not says_more):
        message = f"Only one page of rows ({len(rows)} of page_size {size})"
        if second is not None:
            message += ": page 2 is empty, as page 1 said"
        run.add(
            "paging.distinct", endpoint, "skip", message, [first, *([second] if second else [])]
        )
        return "skip"
    used = [first, second]
    if second.value is None:
        run.add("paging.distinct", endpoint, "fail", f"Page 2: {run.hint(second)}", used)
        return "fail"
    if not rows2:
        message = "Page 2 came back empty although page 1 said more rows follow"
        run.add("paging.distinct", endpoint, "fail", message, used, evidence=second)
        return "fail"
    overlap = checks.overlap_problem(rows, rows2)
    if overlap is not None:
        message = f"{overlap.capitalize()}: answer rows (page - 1) × page_size onwards"
        run.add("paging.distinct", endpoint, "fail", message, used, evidence=second)
        return "fail"
    message = f"Page 2 has {len(rows2)} rows, none of them on page 1"
    run.add("paging.distinct", endpoint, "pass", message, used)
    return "pass"


async def _check_stable(run: RuleRun, pages: ListPages, *, distinct_failed: bool) -> int | None:
    """Walk the pages until one is not full; the number of rows when the walk reached the end."""
    endpoint = pages.endpoint
    size = run.plan.page_size
    if distinct_failed:
        skip = "Page 2 is not the rows after page 1: see paging.distinct"
        run.add("paging.stable", endpoint, "skip", skip)
        return None
    if not pages.rows(2):
        run.add("paging.stable", endpoint, "skip", "Only one page of rows: nothing to walk")
        return None
    page = 2
    while len(pages.rows(page)) >= size and page < MAX_WALK_PAGES:
        page += 1
        if (await pages.get(run, page)).value is None:
            break
    ended = pages.pages[page].value is not None and len(pages.rows(page)) < size
    first_seen: dict[str, int] = {}
    repeats: list[tuple[str, int, int]] = []  # (id, first page, page seen again)
    for number in range(1, page + 1):
        for row in pages.rows(number):
            key = row_id(row)
            if key in first_seen:
                repeats.append((key, first_seen[key], number))
            else:
                first_seen[key] = number
    used = [pages.pages[number] for number in range(1, page + 1)]
    filled = page - 1 if ended and not pages.rows(page) else page  # the last may be empty
    extent = f"all {filled} pages" if ended else f"the first {page} pages"
    if repeats:
        key, _, again = repeats[0]
        shown = checks.listed([f"{k} on pages {one} and {two}" for k, one, two in repeats])
        message = (
            f"Walking {extent}: {shown}; {len(repeats)} row(s) shown twice and as many never "
            "shown. Sort by date and then a unique key (e.g. the id), so that every page cuts "
            "the same order"
        )
        evidence = pages.pages[again]
        run.add("paging.stable", endpoint, "fail", message, used, evidence=evidence, focus=key)
        return None
    message = f"Walked {extent}: {len(first_seen)} rows, each once"
    run.add("paging.stable", endpoint, "pass", message, used)
    return len(first_seen) if ended else None


async def _check_consistent(
    run: RuleRun, pages: ListPages, says_more: bool, walked: int | None
) -> None:
    endpoint = pages.endpoint
    size = run.plan.page_size
    first = pages.pages[1]
    assert first.value is not None
    meta = first.value.meta
    rows = pages.rows(1)
    problems = checks.page_problems(len(rows), meta, page=1, page_size=size)
    used: list[Exchange[Any]] = [first]
    second = pages.pages.get(2)
    if second is not None and second.value is not None:
        used.append(second)
        rows2, meta2 = second.value.data, second.value.meta
        if rows2 and not says_more:
            problems.append(_hidden_rows(meta, len(rows2)))
        if meta is not None and meta2 is not None and meta.total != meta2.total:
            problems.append(f"total is {meta.total} on page 1 but {meta2.total} on page 2")
        problems += checks.page_problems(len(rows2), meta2, page=2, page_size=size)
    total = meta.total if meta is not None else None
    last_page = PAST_THE_END_PAGE
    if total is not None and total > 0:
        last_page = max(1, math.ceil(total / size))
    if last_page > 1:
        last = await pages.get(run, last_page)
        used.append(last)
        if last.value is None:
            problems.append(f"page {last_page}: {run.hint(last)}")
        else:
            problems += _last_page_problems(last, last_page, size, total)
    count = total if total is not None and total >= len(rows) + len(pages.rows(2)) else walked
    if pages.rows(2) and count is not None and size < MAX_PAGE_SIZE:
        largest = await ask(run, endpoint, page=1, page_size=MAX_PAGE_SIZE)
        used.append(largest)
        problems += _largest_page_problems(largest, count)
    if problems:
        run.add("paging.consistent", endpoint, "fail", checks.summarize(problems), used)
    else:
        message = f"Pages agree with their {_meta_style(meta)} and page_size {size}"
        run.add("paging.consistent", endpoint, "pass", message, used)


def _hidden_rows(meta: PageMeta | None, more: int) -> str:
    if meta is not None and meta.total is not None:
        said = f"total {meta.total}"
        fix = "total counts every matching row on all pages, not the rows of one page"
    elif meta is not None and meta.has_more is False:
        said = "has_more false"
        fix = "has_more is true while a next page has rows"
    else:
        said = "no next page"
        fix = "say total or has_more"
    return (
        f"page 1 is full and says {said}, yet page 2 has {more} more rows: buyers never see "
        f"them; {fix}"
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


def _largest_page_problems(largest: Exchange[ListResponse], count: int) -> list[str]:
    """page_size 100 (the storefront's largest) returns 100 rows, or every row when fewer."""
    if largest.value is None:
        return [f"page_size {MAX_PAGE_SIZE}: {largest.human}"]
    expected = min(MAX_PAGE_SIZE, count)
    got = len(rows_of(largest))
    if got == expected:
        return []
    return [
        f"page_size {MAX_PAGE_SIZE} returned {got} rows of {count}, not {expected}: answer up to "
        f"{MAX_PAGE_SIZE} rows per page (a smaller page loses the rows after it)"
    ]


def _meta_style(meta: PageMeta | None) -> str:
    if meta is not None and meta.total is not None:
        return f"total ({meta.total})"
    if meta is not None and meta.has_more is not None:
        return "has_more"
    return "row counts (no meta)"
