"""Error pages under /store/{slug}/ keep the store's header and lead back into the store; an
unknown store gets the plain page; the JSON API keeps its error shape."""

from __future__ import annotations

import httpx

from erpgate.mock_erp.server import MockErpHandle
from tests.storefront.conftest import VIEWER, Shop, login

STORE_BRAND = '<div class="brand"><a href="/store/demo/">Demo &lt;Industrial&gt; Supply</a></div>'
BACK_TO_STORE = '<a href="/store/demo/">Back to the store</a>'
BACK_TO_SIGN_IN = '<a href="/store/demo/login">Sign in to the store</a>'


def assert_signed_in_chrome(text: str) -> None:
    assert STORE_BRAND in text
    assert '<a href="/store/demo/orders">Orders</a>' in text
    assert "Acme Industrial Supply" in text  # the buyer's account, as on every store page
    assert 'action="/store/demo/logout"' in text
    assert BACK_TO_STORE in text
    assert '<a href="/">' not in text


async def test_a_missing_page_in_the_store_keeps_the_store_header_for_a_buyer(
    buyer_client: httpx.AsyncClient,
) -> None:
    page = await buyer_client.get("/store/demo/no-such-page")
    assert page.status_code == 404
    assert "There is nothing at this address." in page.text
    assert "<title>Not found · Demo &lt;Industrial&gt; Supply</title>" in page.text
    assert_signed_in_chrome(page.text)


async def test_a_refused_permission_keeps_the_store_header_with_the_buyers_own_modules(
    client: httpx.AsyncClient, shop: Shop, mock_erp: MockErpHandle
) -> None:
    await login(client, VIEWER)
    page = await client.get("/store/demo/invoices")
    assert page.status_code == 403
    assert "Your account does not have access to invoices." in page.text
    assert_signed_in_chrome(page.text)
    assert 'href="/store/demo/invoices"' not in page.text  # the viewer's nav: orders only
    assert mock_erp.calls("invoices") == 0


async def test_an_expired_form_keeps_the_store_header(buyer_client: httpx.AsyncClient) -> None:
    page = await buyer_client.post(
        "/store/demo/cart/add", data={"sku": "X", "csrf_token": "not-the-token"}
    )
    assert page.status_code == 403
    assert "The form expired or did not come from this site." in page.text
    assert_signed_in_chrome(page.text)


async def test_a_visitor_is_led_to_the_stores_sign_in(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    page = await client.get("/store/demo/no-such-page")
    assert page.status_code == 404
    assert STORE_BRAND in page.text
    assert '<a href="/store/demo/login">Sign in</a>' in page.text
    assert BACK_TO_SIGN_IN in page.text
    assert "logout" not in page.text and "Acme" not in page.text

    expired = await client.post(
        "/store/demo/login", data={"email": "a@example.com", "password": "x", "login_csrf": "old"}
    )
    assert expired.status_code == 403
    assert "The form expired" in expired.text
    assert STORE_BRAND in expired.text and BACK_TO_SIGN_IN in expired.text


async def test_a_buyer_of_another_store_is_a_visitor_there(
    buyer_client: httpx.AsyncClient, shop: Shop
) -> None:
    page = await buyer_client.get("/store/other/no-such-page")
    assert page.status_code == 404
    assert "Demo &lt;Industrial&gt;" not in page.text and "Acme" not in page.text


async def test_an_unknown_store_gets_the_plain_page(client: httpx.AsyncClient, shop: Shop) -> None:
    for path in ("/store/nowhere/orders", "/store/nowhere/no/such/page"):
        page = await client.get(path)
        assert page.status_code == 404, path
        assert '<div class="brand">erpgate</div>' in page.text
        assert '<a href="/">Go back</a>' in page.text
        assert "/store/nowhere/login" not in page.text


async def test_the_json_api_keeps_its_error_shape(buyer_client: httpx.AsyncClient) -> None:
    api = await buyer_client.get("/api/v1/storefront/no-such-thing")
    assert api.status_code == 404
    assert api.json() == {"error": "not_found", "message": "There is nothing at this address."}
    asked_for_json = await buyer_client.get(
        "/store/demo/no-such-page", headers={"accept": "application/json"}
    )
    assert asked_for_json.status_code == 404
    assert asked_for_json.json() == {
        "error": "not_found",
        "message": "There is nothing at this address.",
    }
