"""Query strings read into frozen models are validated once per distinct string."""

from __future__ import annotations

import pytest
from fastapi import Request
from pydantic import BaseModel, ValidationError

from erpgate.errors import ValidationFailed
from erpgate.storefront.schemas import InvoiceQuery, ListQuery
from erpgate.web import query as query_module
from erpgate.web.query import read_query


def _request(query_string: str) -> Request:
    return Request({"type": "http", "query_string": query_string.encode(), "headers": []})


class Unfrozen(BaseModel):
    page: int = 1


def test_the_same_string_gives_the_same_frozen_reading() -> None:
    first = read_query(ListQuery, _request("page=3&page_size=5"))
    again = read_query(ListQuery, _request("page=3&page_size=5"))
    assert (first.page, first.page_size) == (3, 5)
    assert again is first
    # The reading is shared, so nobody may change it.
    with pytest.raises(ValidationError):
        first.page = 4
    # Another model reads the same string on its own.
    assert read_query(InvoiceQuery, _request("page=3&page_size=5")) is not first


def test_a_bad_string_is_refused_every_time_and_a_mutable_model_is_never_shared() -> None:
    for _ in range(2):
        with pytest.raises(ValidationFailed) as refused:
            read_query(ListQuery, _request("page=abc"))
        assert refused.value.fields == {"page": "must be a whole number"}
    assert read_query(Unfrozen, _request("page=2")) is not read_query(Unfrozen, _request("page=2"))


def test_at_most_kept_readings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query_module, "_read", {})
    monkeypatch.setattr(query_module, "KEPT", 3)
    for page in range(1, 6):
        read_query(ListQuery, _request(f"page={page}"))
    assert [key[1] for key in query_module._read] == [b"page=3", b"page=4", b"page=5"]


def test_the_string_is_read_as_starlette_reads_it() -> None:
    raw = "search=PO+77%2F1&status=&page=2&page=4&date_to=2100-01-01&unknown=x"
    read = read_query(ListQuery, _request(raw))
    starlette = _request(raw).query_params
    # Percent escapes and "+" decoded, a blank value kept (then read as no filter), the last of
    # a repeated name taken, unknown names ignored: as through Request.query_params.
    assert (read.search, read.status, read.page) == ("PO 77/1", None, 4)
    assert ListQuery.model_validate(starlette) == read
