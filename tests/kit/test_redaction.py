from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus, urlencode

import pytest

from erpgate.kit.redaction import MASK, SecretMasker, mask_tail, mask_url, masker_for

TOKEN = r'tok"en\x/+=&42 é'
KEY = "erp-user"


def test_credential_headers_are_masked_and_others_kept() -> None:
    masked = SecretMasker((), header_names=["X-Erp-Key"]).mask_headers(
        [
            ("Authorization", "Bearer abc"),
            ("X-Api-Key", "k"),
            ("Accept", "application/json"),
            ("X-Custom-Auth", "zzz"),
            ("X-Erp-Key", "v"),
        ]
    )
    assert masked == [
        ("Authorization", MASK),
        ("X-Api-Key", MASK),
        ("Accept", "application/json"),
        ("X-Custom-Auth", MASK),
        ("X-Erp-Key", MASK),
    ]


def test_secrets_in_other_header_values_are_masked() -> None:
    masker = SecretMasker([TOKEN])
    assert masker.mask_headers({"X-Debug-Echo": f"got Bearer {TOKEN}"}) == [
        ("X-Debug-Echo", f"got Bearer {MASK}")
    ]


def test_urls_lose_userinfo_and_secret_query_values() -> None:
    url = "https://user:pw@erp.example.com:8443/api/orders?token=abc&page=2"
    assert mask_url(url) == f"https://erp.example.com:8443/api/orders?token={MASK}&page=2"


def test_mask_tail_keeps_only_the_last_four() -> None:
    assert mask_tail("tok_live_abcdef1234") == MASK + "1234"
    assert mask_tail("short") == MASK
    assert mask_tail("") == ""


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "form",
    [
        TOKEN,
        _b64(TOKEN),
        _b64(TOKEN).rstrip("="),
        base64.urlsafe_b64encode(TOKEN.encode()).decode(),
        _b64(f"{KEY}:{TOKEN}"),  # a Basic header
        quote(TOKEN, safe=""),
        quote(TOKEN, safe="").lower(),
        quote(TOKEN),
        quote_plus(TOKEN),
        json.dumps(TOKEN)[1:-1],
        json.dumps(TOKEN, ensure_ascii=False)[1:-1],
        json.dumps(TOKEN)[1:-1].replace("/", "\\/"),
        json.dumps(quote_plus(TOKEN))[1:-1],
        KEY,
    ],
)
def test_every_form_of_a_secret_is_masked_in_text_and_bytes(form: str) -> None:
    masker = SecretMasker([TOKEN, KEY])
    text = f'{{"echo": "got {form} here"}}'
    assert masker.mask_text(text) == f'{{"echo": "got {MASK} here"}}'
    assert masker.mask_bytes(text.encode()) == f'{{"echo": "got {MASK} here"}}'.encode()


@pytest.mark.parametrize("offset", [0, 1, 2])
def test_a_secret_inside_a_longer_base64_blob_is_masked(offset: int) -> None:
    blob = base64.b64encode(b"x" * offset + TOKEN.encode() + b" and more").decode()
    masked = SecretMasker([TOKEN]).mask_text(blob)
    assert MASK in masked
    assert _b64(TOKEN)[4:12] not in masked


def test_a_form_encoded_client_secret_is_masked() -> None:
    body = urlencode({"grant_type": "client_credentials", "client_secret": TOKEN}).encode()
    masked = SecretMasker([TOKEN]).mask_bytes(body)
    assert masked == f"grant_type=client_credentials&client_secret={MASK}".encode()


def test_short_secrets_and_other_bytes_are_left_alone() -> None:
    masker = SecretMasker(["abc", "", TOKEN])
    binary = b"\xff\xfeabc\x00" + TOKEN.encode()
    assert masker.mask_bytes(binary) == b"\xff\xfeabc\x00" + MASK.encode()
    assert masker.mask_text("abcabc") == "abcabc"
    assert SecretMasker(()).mask_text(TOKEN) == TOKEN


def test_the_longest_form_wins() -> None:
    # The pair is masked as one, not as two runs with base64 debris between them.
    masker = SecretMasker(["user1234", "pass5678"])
    assert masker.mask_text("Basic " + _b64("user1234:pass5678")) == f"Basic {MASK}"


def test_maskers_are_built_once_per_set_of_secrets() -> None:
    assert masker_for(("a-secret",), ()) is masker_for(("a-secret",), ())
