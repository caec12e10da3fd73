"""Paging, date and search parameters out of bounds: 422 naming the field (JSON) or a plain page
(HTML), never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.admin.conftest import World, sign_in

HUGE_PAGE = "4611686018427387904"
PAGE_TOO_HIGH = {
    "error": "validation_failed",
    "message": "Some fields are not valid.",
    "fields": {"page": "must be 10000 or less"},
}


@pytest.mark.parametrize(
    "path", ["/api/v1/admin/customers", "/api/v1/admin/users", "/api/v1/admin/audit"]
)
async def test_a_page_number_out_of_bounds_is_422_in_the_api(
    world: World, client: httpx.AsyncClient, path: str
) -> None:
    await sign_in(client, "owner@alpha.example")
    for page in (HUGE_PAGE, "10001"):
        response = await client.get(path, params={"page": page})
        assert response.status_code == 422
        assert response.json() == PAGE_TOO_HIGH
    zero = await client.get(path, params={"page": "0"})
    assert zero.json()["fields"] == {"page": "must be 1 or more"}
    last = await client.get(path, params={"page": "10000"})
    assert last.status_code == 200


@pytest.mark.parametrize("path", ["/admin/customers", "/admin/users", "/admin/audit"])
async def test_a_page_number_out_of_bounds_is_a_plain_page(
    world: World, client: httpx.AsyncClient, path: str
) -> None:
    await sign_in(client, "owner@alpha.example")
    response = await client.get(path, params={"page": HUGE_PAGE})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "This address asks for something the page cannot show." in response.text
    assert "page: must be 10000 or less" in response.text


async def test_a_search_too_long_is_422_not_a_database_error(
    world: World, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "owner@alpha.example")
    for path in ("/api/v1/admin/users", "/api/v1/admin/customers"):
        response = await client.get(path, params={"q": "x" * 60_000})
        assert response.status_code == 422
        assert response.json()["fields"] == {"q": "must be at most 100 characters"}
    page = await client.get("/admin/users", params={"q": "x" * 60_000})
    assert page.status_code == 422
    assert "q: must be at most 100 characters" in page.text
    fits = await client.get("/api/v1/admin/users", params={"q": "x" * 100})
    assert fits.json()["total"] == 0


async def test_event_dates_out_of_bounds_are_422(world: World, client: httpx.AsyncClient) -> None:
    await sign_in(client, "owner@alpha.example")
    for name, value in (("until", "9999-12-31"), ("since", "0001-01-01")):
        response = await client.get("/api/v1/admin/events", params={name: value})
        assert response.status_code == 422
        assert response.json() == {
            "error": "validation_failed",
            "message": "Dates are written YYYY-MM-DD, from 1970-01-01 to 9998-12-31.",
            "fields": {name: "Use a date from 1970-01-01 to 9998-12-31."},
        }
    fits = await client.get("/api/v1/admin/events", params={"until": "9998-12-31"})
    assert fits.status_code == 200
