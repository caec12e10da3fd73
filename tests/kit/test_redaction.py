from __future__ import annotations

from erpgate.kit.redaction import MASK, mask_headers, mask_tail, mask_text, mask_url


def test_credential_headers_are_masked_and_others_kept() -> None:
    masked = mask_headers(
        [
            ("Authorization", "Bearer abc"),
            ("X-Api-Key", "k"),
            ("Accept", "application/json"),
            ("X-Custom-Auth", "zzz"),
            ("X-Erp-Key", "v"),
        ],
        extra_names=["X-Erp-Key"],
    )
    assert masked == [
        ("Authorization", MASK),
        ("X-Api-Key", MASK),
        ("Accept", "application/json"),
        ("X-Custom-Auth", MASK),
        ("X-Erp-Key", MASK),
    ]


def test_urls_lose_userinfo_and_secret_query_values() -> None:
    url = "https://user:pw@erp.example.com:8443/api/orders?token=abc&page=2"
    assert mask_url(url) == f"https://erp.example.com:8443/api/orders?token={MASK}&page=2"


def test_mask_tail_keeps_only_the_last_four() -> None:
    assert mask_tail("tok_live_abcdef1234") == MASK + "1234"
    assert mask_tail("short") == MASK
    assert mask_tail("") == ""


def test_known_secrets_are_replaced_in_text() -> None:
    assert (
        mask_text('{"echo": "tok_live_abcdef"}', ["tok_live_abcdef", ""]) == f'{{"echo": "{MASK}"}}'
    )
