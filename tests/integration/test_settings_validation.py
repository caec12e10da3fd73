"""The settings validator: every bad input gets a sentence next to its own field."""

from __future__ import annotations

from typing import Any

import pytest

from erpgate.erp.options import ErpClientOptions
from erpgate.errors import ValidationFailed
from erpgate.integration.settings import CleanSettings, validate_settings
from erpgate.kit.crypto import SecretBox, generate_key

OPTIONS = ErpClientOptions(allowed_private_hosts=frozenset({"127.0.0.1", "localhost"}))
BOX = SecretBox([generate_key()])
GOOD = {
    "auth_style": "bearer",
    "token": "tok-123456789",
    "orders_url": "http://127.0.0.1:8100/erp/orders",
}


async def _validate(**changes: Any) -> CleanSettings:
    return await validate_settings({**GOOD, **changes}, current=None, box=BOX, options=OPTIONS)


async def _errors(**changes: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        await _validate(**changes)
    return caught.value.fields


async def test_a_token_pasted_with_spaces_and_a_trailing_newline_is_trimmed() -> None:
    clean = await _validate(token="  tok-123456789 \n", key=" key-1\t")
    assert clean.token == "tok-123456789"
    assert clean.key == "key-1"


async def test_a_bearer_token_with_a_space_inside_is_refused() -> None:
    assert await _errors(token="tok 123") == {
        "token": "A bearer Token has no spaces inside; paste only the token itself."
    }


async def test_a_token_with_a_line_break_inside_is_refused() -> None:
    assert await _errors(auth_style="header", key="X-Api-Key", token="abc\ndef") == {
        "token": "The Token contains a line break or another control character."
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:8100/erp orders", "The address contains spaces or control characters."),
        ("http://127.0.0.1:0/erp", "Port 0 is not a valid port."),
        ("http://127.0.0.1:99999/erp", "Port 99999 is not a valid port."),
        ("ftp://127.0.0.1/erp", "Only http and https addresses can be called, not ftp."),
        ("http://10.1.2.3/erp", "Refused to call 10.1.2.3: private address."),
        ("http://169.254.169.254/latest", "Refused to call 169.254.169.254: link-local address."),
        # A unicode host is judged in its IDNA form (nothing resolves in the test sandbox).
        ("http://bücher.invalid/erp", "Host xn--bcher-kva.invalid could not be resolved."),
    ],
)
async def test_bad_urls_are_refused_next_to_their_field(url: str, message: str) -> None:
    assert await _errors(invoices_url=url) == {"invoices_url": message}


async def test_urls_are_trimmed_and_empty_urls_switch_the_endpoint_off() -> None:
    clean = await _validate(orders_url="  http://127.0.0.1:8100/erp/orders \n", balance_url="")
    assert clean.urls["orders"] == "http://127.0.0.1:8100/erp/orders"  # type: ignore[index]
    assert clean.urls["balance"] is None  # type: ignore[index]


async def test_timeouts_default_per_endpoint_and_are_bounded() -> None:
    clean = await _validate()
    assert clean.timeouts == {
        "orders": 5.0,
        "order": 5.0,
        "invoices": 5.0,
        "invoice": 5.0,
        "balance": 5.0,
        "taxes": 3.0,
        "shipping": 3.0,
        "submit_order": 10.0,
        "prices": 3.0,
        "inventory": 3.0,
    }
    assert await _errors(timeout_taxes="0.1", timeout_orders="soon") == {
        "timeout_taxes": "The timeout is between 0.5 and 30 seconds.",
        "timeout_orders": "The timeout is a number of seconds, such as 5 or 2.5.",
    }


async def test_every_bad_field_is_reported_at_once() -> None:
    errors = await _errors(
        auth_style="kerberos",
        tax_failure_policy="guess",
        stale_max_age_seconds="-1",
        notify_sender="alerts@example.com\nBcc: x@evil.example",
        notify_receivers="it@example.com, not-an-address\nops@example.com",
    )
    assert errors == {
        "auth_style": "Choose one of: bearer, header, basic, oauth2.",
        "tax_failure_policy": "Choose one of: estimate, block.",
        "stale_max_age_seconds": "The maximum age is between 0 and 2592000 seconds (30 days).",
        "notify_sender": "The sender is one address on one line.",
        "notify_receivers": "Not valid e-mail addresses: not-an-address.",
    }


async def test_receivers_split_on_commas_and_lines_without_duplicates() -> None:
    clean = await _validate(notify_receivers="it@example.com,\r\nops@example.com\nIT@example.com")
    assert clean.notify_receivers == ["it@example.com", "ops@example.com"]


async def test_auth_style_rules_land_on_the_right_field() -> None:
    assert await _errors(token="") == {"token": "Bearer auth needs a Token."}
    assert await _errors(auth_style="oauth2", key="client") == {
        "oauth_token_url": "OAuth2 needs a token URL."
    }
    assert await _errors(auth_style="basic", key="") == {
        "key": "Basic auth needs a Key: the user name."
    }


async def test_the_order_retry_window_defaults_to_a_day_and_refuses_garbage() -> None:
    assert (await _validate()).order_retry_hours == 24
    assert (await _validate(order_retry_hours=" 72 ")).order_retry_hours == 72
    whole = "Keep trying for a whole number of hours."
    bounds = "Keep trying for between 1 and 168 hours (7 days)."
    for garbage, message in (
        ("1.5", whole),
        ("a day", whole),
        ("0", bounds),
        ("-3", bounds),
        ("169", bounds),
    ):
        assert (await _errors(order_retry_hours=garbage)) == {"order_retry_hours": message}, garbage


async def test_live_prices_and_stock_are_used_for_300_and_30_seconds_unless_typed() -> None:
    clean = await _validate()
    assert (clean.price_cache_seconds, clean.stock_cache_seconds) == (300, 30)
    typed = await _validate(price_cache_seconds=" 0 ", stock_cache_seconds="3600")
    assert (typed.price_cache_seconds, typed.stock_cache_seconds) == (0, 3600)
    top = await _validate(price_cache_seconds="86400", stock_cache_seconds="0")
    assert (top.price_cache_seconds, top.stock_cache_seconds) == (86400, 0)


@pytest.mark.parametrize(
    ("name", "garbage", "message"),
    [
        ("price_cache_seconds", "abc", "Prices are used for a whole number of seconds."),
        ("price_cache_seconds", "12.5", "Prices are used for a whole number of seconds."),
        ("price_cache_seconds", "1e9", "Prices are used for a whole number of seconds."),
        ("price_cache_seconds", "-1", "Prices are used for between 0 and 86400 seconds (a day)."),
        (
            "price_cache_seconds",
            "86401",
            "Prices are used for between 0 and 86400 seconds (a day).",
        ),
        ("stock_cache_seconds", "abc", "Stock is used for a whole number of seconds."),
        ("stock_cache_seconds", "12.5", "Stock is used for a whole number of seconds."),
        ("stock_cache_seconds", "1e9", "Stock is used for a whole number of seconds."),
        ("stock_cache_seconds", "-1", "Stock is used for between 0 and 3600 seconds (an hour)."),
        ("stock_cache_seconds", "3601", "Stock is used for between 0 and 3600 seconds (an hour)."),
    ],
)
async def test_cache_ages_refuse_garbage_next_to_their_field(
    name: str, garbage: str, message: str
) -> None:
    assert await _errors(**{name: garbage}) == {name: message}
