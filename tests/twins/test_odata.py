from __future__ import annotations

import pytest

from erpgate.twins.odata import (
    ODataError,
    Query,
    cut_page,
    max_page_size,
    next_link,
    parse_filter,
    parse_orderby,
    quote_literal,
    sort_rows,
)

FIELDS = {"number", "total", "orderDate", "shipped", "note", "detail/balance"}
ROWS = [
    {"number": "SO-1", "total": 10.5, "orderDate": "2026-09-30", "shipped": True, "note": None},
    {"number": "O'Brien", "total": 200, "orderDate": "2026-10-01", "shipped": False, "note": "x"},
    {"number": "SO-3", "total": 99, "orderDate": "2026-10-02", "shipped": False, "note": "ab"},
]


def matching(text: str) -> list[str]:
    predicate = parse_filter(text, FIELDS)
    return [str(row["number"]) for row in ROWS if predicate(row)]


def test_comparisons_and_logic() -> None:
    assert matching("total gt 50 and total le 200") == ["O'Brien", "SO-3"]
    assert matching("total eq 10.5 or number eq 'SO-3'") == ["SO-1", "SO-3"]
    assert matching("not (shipped eq false)") == ["SO-1"]
    assert matching("orderDate ge 2026-10-01") == ["O'Brien", "SO-3"]
    assert matching("note eq null") == ["SO-1"]
    assert matching("note ne null and contains(note,'b')") == ["SO-3"]
    assert matching("startswith(number,'SO-')") == ["SO-1", "SO-3"]


def test_doubled_quote_is_one_quote() -> None:
    assert matching("number eq 'O''Brien'") == ["O'Brien"]
    assert quote_literal("O'Brien") == "'O''Brien'"


def test_injection_attempt_is_only_a_value() -> None:
    literal = quote_literal("O'Brien') or (1 eq 1")
    assert matching(f"number eq {literal}") == []
    assert matching(f"(number eq {literal})") == []


@pytest.mark.parametrize(
    "text",
    [
        "number eq 'O'Brien'",  # an unescaped quote ends the literal early
        "number eq 'open",
        "number eq",
        "nope eq 1",
        "number eq 1)",
        "(number eq 1",
        "number like 'x'",
        "number eq 1; drop table",
        "contains(number, 5)",
        "",
    ],
)
def test_malformed_filters_are_refused(text: str) -> None:
    with pytest.raises(ODataError):
        parse_filter(text, FIELDS)


def test_orderby_and_sort() -> None:
    order = parse_orderby("shipped asc, total desc", FIELDS)
    assert order == [("shipped", False), ("total", True)]
    assert [r["number"] for r in sort_rows(ROWS, order)] == ["O'Brien", "SO-3", "SO-1"]
    with pytest.raises(ODataError):
        parse_orderby("total sideways", FIELDS)


def test_pages_and_next_link() -> None:
    rows = [{"n": i} for i in range(50)]
    query = Query(predicate=None, order=[], top=45, skip=0, expand=frozenset())
    page = cut_page(rows, query, 20)
    assert [r["n"] for r in page.rows] == list(range(20))
    assert (page.next_skip, page.next_top) == (20, 25)
    params = {"$filter": "CardCode eq 'C1'", "$top": "45"}
    assert (
        next_link("Orders", params, page) == "Orders?$filter=CardCode%20eq%20'C1'&$top=25&$skip=20"
    )
    assert max_page_size("odata.maxpagesize=5", 20) == 5
    assert max_page_size("odata.maxpagesize=500", 20) == 20
    assert max_page_size(None, 20) == 20
