"""The request guard: NUL characters and oversized bodies are refused before any endpoint runs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from erpgate.admin.accounts import create_admin
from erpgate.models.customer_account import CustomerAccount
from erpgate.store.service import create_store
from erpgate.web.request_guard import NUL_MESSAGE, RequestGuard

LIMIT = 64 * 1024
PASSWORD = "correct-horse-battery"


async def _echo(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse({"size": len(body), "q": request.query_params.get("q")})


@pytest.fixture
async def guarded() -> AsyncIterator[httpx.AsyncClient]:
    inner = Starlette(routes=[Route("/{path:path}", _echo, methods=["GET", "POST"])])
    app = RequestGuard(inner, max_body_bytes=LIMIT)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/admin/customers", {"q": "a\x00b"}),
        ("/api/v1/storefront/orders/SO%001", None),
    ],
)
async def test_nul_in_path_or_query_is_422(
    guarded: httpx.AsyncClient, path: str, params: dict[str, str] | None
) -> None:
    response = await guarded.get(path, params=params)
    assert response.status_code == 422
    assert response.json() == {"error": "validation_failed", "message": NUL_MESSAGE}


async def test_nul_in_form_and_json_bodies_is_422(guarded: httpx.AsyncClient) -> None:
    form = await guarded.post("/admin/login", data={"email": "a\x00@b.example"})
    assert form.status_code == 422
    assert form.headers["content-type"].startswith("text/html")
    assert NUL_MESSAGE in form.text
    api = await guarded.post("/api/v1/auth/login", json={"email": "a\x00@b.example"})
    assert api.status_code == 422
    assert api.json()["message"] == NUL_MESSAGE


@pytest.mark.parametrize(
    "content_type",
    ["application/merge-patch+json", "application/vnd.api+json", "APPLICATION/JSON; charset=utf-8"],
)
async def test_nul_in_any_json_body_is_422(guarded: httpx.AsyncClient, content_type: str) -> None:
    response = await guarded.post(
        "/api/v1/admin/integration",
        content=b'{"notify_sender": "a\\u0000@b.example"}',
        headers={"content-type": content_type},
    )
    assert response.status_code == 422
    assert response.json() == {"error": "validation_failed", "message": NUL_MESSAGE}


async def test_nul_in_a_body_without_a_content_type_is_422(guarded: httpx.AsyncClient) -> None:
    # FastAPI reads a body without a content type as JSON.
    response = await guarded.post("/api/v1/admin/customers", content=b'{"name": "a\\u0000"}')
    assert response.status_code == 422


async def test_nul_in_a_multipart_field_or_file_name_is_422(guarded: httpx.AsyncClient) -> None:
    field = await guarded.post(
        "/admin/customers",
        data={"customer_code": "C\x00001", "name": "Acme"},
        files={"file": ("a.csv", b"customer_code\n")},
    )
    assert field.status_code == 422
    assert NUL_MESSAGE in field.text
    # Written by hand: httpx percent-encodes a NUL in a file name.
    upload = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="a\x00.csv"\r\n\r\n'
        b"x\r\n--B--\r\n"
    )
    name = await guarded.post(
        "/admin/customers/import",
        content=upload,
        headers={"content-type": "multipart/form-data; boundary=B"},
    )
    assert name.status_code == 422


async def test_an_escaped_backslash_before_u0000_is_not_a_nul(guarded: httpx.AsyncClient) -> None:
    response = await guarded.post("/api/echo", json={"text": "\\u0000"})
    assert response.status_code == 200


async def test_clean_bodies_reach_the_endpoint_whole(guarded: httpx.AsyncClient) -> None:
    text = "Grüße " * 1000
    response = await guarded.post("/api/echo?q=ok", json={"text": text})
    assert response.status_code == 200
    assert response.json() == {"size": len(f'{{"text":"{text}"}}'.encode()), "q": "ok"}
    upload = await guarded.post("/admin/upload", files={"file": ("a.csv", b"x\x00y")})
    assert upload.status_code == 200  # files pass through: the CSV import judges them itself
    assert upload.json()["size"] > 3


async def test_a_body_over_the_limit_is_413_declared_or_streamed(
    guarded: httpx.AsyncClient,
) -> None:
    declared = await guarded.post("/api/echo", content=b"{" + b" " * LIMIT + b"}")
    assert declared.status_code == 413
    assert declared.json() == {"error": "payload_too_large", "message": declared.json()["message"]}
    assert "larger than 0.0625 MB" in declared.json()["message"]

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b" " * (LIMIT // 4)

    streamed = await guarded.post(
        "/api/echo", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413


async def test_nul_in_a_multipart_form_reaches_no_database(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    store = await create_store(db, slug="north", name="North")
    await create_admin(
        db, store_id=store.id, email="o@north.example", password=PASSWORD, role="owner"
    )
    await db.commit()
    signed_in = await client.post(
        "/api/v1/admin/auth/login", json={"email": "o@north.example", "password": PASSWORD}
    )
    csrf = signed_in.json()["csrf_token"]
    response = await client.post(
        "/admin/customers",
        data={"csrf_token": csrf, "name": "Acme", "customer_code": "C\x00001"},
        files={"attachment": ("note.txt", b"hello")},
    )
    assert response.status_code == 422
    assert await db.scalar(select(func.count()).select_from(CustomerAccount)) == 0


async def test_nul_reaches_no_database_through_the_real_app(client: httpx.AsyncClient) -> None:
    # Before the guard this search was a 500 on PostgreSQL (text cannot hold NUL).
    search = await client.get("/api/v1/admin/customers", params={"q": "\x00"})
    assert search.status_code == 422
    slug = await client.get("/store/de%00mo/login")
    assert slug.status_code == 422
