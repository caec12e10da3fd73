"""Login CSRF on the sign-in forms: a double-submit token in a SameSite=Strict cookie and a field."""

from __future__ import annotations

from typing import NamedTuple

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin.accounts import create_admin
from erpgate.auth.cookies import ADMIN_COOKIE, BUYER_COOKIE
from erpgate.auth.login_csrf import LOGIN_CSRF_COOKIE
from erpgate.customer import service as customer_service
from erpgate.store.service import create_store
from tests.auth.helpers import login_form_token

PASSWORD = "correct-horse-battery"
REFUSED = "The form expired or did not come from this site. Reload the page and sign in again."


class SignInForm(NamedTuple):
    path: str
    email: str
    session_cookie: str  # the cookie of the session it starts
    landing: str  # where a successful sign-in lands


@pytest.fixture(
    params=[
        SignInForm("/admin/login", "owner@example.com", ADMIN_COOKIE, "/admin"),
        SignInForm("/store/acme/login", "buyer@example.com", BUYER_COOKIE, "/store/acme/"),
    ],
    ids=["admin", "storefront"],
)
def form(request: pytest.FixtureRequest) -> SignInForm:
    """Each test below runs against both sign-in forms."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def people(db: AsyncSession) -> None:
    store = await create_store(db, slug="acme", name="Acme")
    await create_admin(
        db, store_id=store.id, email="owner@example.com", password=PASSWORD, role="owner"
    )
    account = await customer_service.create_account(
        db, store.id, name="Acme Co", customer_code="C-ACME"
    )
    await customer_service.create_buyer(
        db,
        store.id,
        customer_account_id=account.id,
        email="buyer@example.com",
        password=PASSWORD,
        name="Buyer",
    )
    await db.commit()


async def test_the_sign_in_page_sets_a_strict_short_lived_cookie(
    people: None, client: httpx.AsyncClient, form: SignInForm
) -> None:
    page = await client.get(form.path)
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{LOGIN_CSRF_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=3600" in cookie
    token = await login_form_token(client, form.path)
    # A second tab gets the same value, so signing in from either works.
    assert token == client.cookies[LOGIN_CSRF_COOKIE]


async def test_a_form_without_or_with_a_wrong_token_is_refused(
    people: None, client: httpx.AsyncClient, form: SignInForm
) -> None:
    token = await login_form_token(client, form.path)
    for extra in ({}, {"login_csrf": "forged"}, {"login_csrf": token + "x"}):
        response = await client.post(
            form.path, data={"email": form.email, "password": PASSWORD, **extra}
        )
        assert response.status_code == 403
        assert REFUSED in response.text
        assert form.session_cookie not in client.cookies


async def test_a_token_without_its_cookie_is_refused(
    people: None, client: httpx.AsyncClient, form: SignInForm
) -> None:
    token = await login_form_token(client, form.path)
    client.cookies.delete(LOGIN_CSRF_COOKIE)
    response = await client.post(
        form.path, data={"email": form.email, "password": PASSWORD, "login_csrf": token}
    )
    assert response.status_code == 403
    assert form.session_cookie not in client.cookies


async def test_the_right_token_signs_in(
    people: None, client: httpx.AsyncClient, form: SignInForm
) -> None:
    token = await login_form_token(client, form.path)
    response = await client.post(
        form.path, data={"email": form.email, "password": PASSWORD, "login_csrf": token}
    )
    assert response.status_code == 303
    assert response.headers["location"] == form.landing
    assert form.session_cookie in client.cookies


@pytest.mark.parametrize(
    ("path", "session_cookie"),
    [("/api/v1/admin/auth/login", ADMIN_COOKIE), ("/api/v1/auth/login", BUYER_COOKIE)],
)
async def test_json_sign_in_apis_refuse_what_a_cross_site_form_can_send(
    people: None, client: httpx.AsyncClient, path: str, session_cookie: str
) -> None:
    email = "owner@example.com" if "admin" in path else "buyer@example.com"
    for content_type, body in (
        ("text/plain", f'{{"email": "{email}", "password": "{PASSWORD}"}}'),
        ("application/x-www-form-urlencoded", f"email={email}&password={PASSWORD}"),
    ):
        response = await client.post(path, content=body, headers={"content-type": content_type})
        assert response.status_code == 422, content_type
        assert session_cookie not in client.cookies


async def test_a_planted_cookie_with_a_matching_field_is_refused(
    people: None, client: httpx.AsyncClient, form: SignInForm
) -> None:
    # An attacker who can set cookies (a sibling subdomain) pairs its own value with the field;
    # the value is not signed with this deployment's session secret, so it does not count.
    planted = "A" * 32 + "." + "0" * 32
    client.cookies.set(LOGIN_CSRF_COOKIE, planted)
    response = await client.post(
        form.path, data={"email": form.email, "password": PASSWORD, "login_csrf": planted}
    )
    assert response.status_code == 403
    assert form.session_cookie not in client.cookies
