"""Related requests as stored: capped bodies, binary kept as base64, huge headers cut, secrets
masked (the writer builds rows with ``outcomes.rows.request_row``, off the request path)."""

from __future__ import annotations

import base64

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.event.bodies import HEADER_VALUE_LIMIT, store_body
from erpgate.event.repository import insert_requests
from erpgate.models.related_request import RelatedRequest
from erpgate.outcomes.rows import request_row
from tests.event.helpers import attempt, make_shop


def test_bodies_over_the_cap_are_cut_and_marked() -> None:
    body = b'{"data":"' + b"x" * 1000 + b'"}'
    row = request_row(attempt(None, "b" * 32, response_body=body), 256)

    assert row["response_body"] == body[:256].decode()
    assert row["response_truncated"] is True
    assert row["response_body_size"] == len(body)
    assert row["request_truncated"] is False


async def test_binary_and_non_utf8_bodies_are_stored_as_base64(
    db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    latin1 = "Müller".encode("latin-1")
    with_nul = b"PK\x03\x04\x00\x00binary"
    await insert_requests(
        db,
        [
            request_row(
                attempt(shop.store.id, "c" * 32, response_body=latin1, request_id="r1"), 1024
            ),
            request_row(
                attempt(shop.store.id, "d" * 32, response_body=with_nul, request_id="r2"), 1024
            ),
        ],
    )
    await db.commit()

    rows = {r.request_id: r for r in (await db.execute(select(RelatedRequest))).scalars()}
    assert rows["r1"].response_body_encoding == "base64"
    assert base64.b64decode(rows["r1"].response_body or "") == latin1
    assert rows["r2"].response_body_encoding == "base64"
    assert base64.b64decode(rows["r2"].response_body or "") == with_nul


def test_a_cap_through_a_multibyte_character_is_still_text() -> None:
    body = ("a" * 255 + "é" + "tail").encode()  # é is two bytes: bytes 255 and 256
    stored = store_body(body, 256)
    assert stored.encoding == "utf-8"
    assert stored.text == "a" * 255
    assert stored.truncated is True


def test_huge_and_numerous_headers_are_cut() -> None:
    headers = [("X-Huge", "v" * 100_000)] + [(f"X-H{i}", str(i)) for i in range(150)]
    row = request_row(attempt(None, "e" * 32, response_headers=headers), 1024)

    assert row["response_headers"][0] == ["X-Huge", "v" * HEADER_VALUE_LIMIT + "…[truncated]"]
    assert len(row["response_headers"]) == 101
    assert row["response_headers"][-1] == ["X-Erpgate-Note", "51 more headers cut"]


def test_secrets_are_masked_in_headers_bodies_and_the_url() -> None:
    record = attempt(
        None,
        "f" * 32,
        request_headers=[("Authorization", "Bearer s3cret-token"), ("X-Echo", "s3cret-token")],
        response_body=b'{"echo": "s3cret-token"}',
    )
    record.url = "https://user:pw@erp.example.com/orders?api_key=abc"
    record.secrets = ("s3cret-token",)

    row = request_row(record, 1024)

    assert "s3cret-token" not in str(row)
    assert row["url"] == "https://erp.example.com/orders?api_key=••••"
    assert ["Authorization", "••••"] in row["request_headers"]
    assert ["X-Echo", "••••"] in row["request_headers"]
    assert row["response_body"] == '{"echo": "••••"}'
