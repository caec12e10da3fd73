from __future__ import annotations

from decimal import Decimal

import pytest

from erpgate.kit.money import MoneyError, format_money, format_number, parse_money


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1523.40", Decimal("1523.40")),
        (10, Decimal(10)),
        (0.1, Decimal("0.1")),
        (" -5.00 ", Decimal("-5.00")),
    ],
)
def test_numbers_and_decimal_strings_become_exact_decimals(raw: object, expected: Decimal) -> None:
    assert parse_money(raw) == expected


@pytest.mark.parametrize(
    "raw", ["1,234.50", "abc", "", True, None, "NaN", "Infinity", [1], "1_000"]
)
def test_ambiguous_or_garbage_amounts_are_refused(raw: object) -> None:
    with pytest.raises(MoneyError):
        parse_money(raw)


def test_format_money_rounds_half_up_with_separators() -> None:
    assert format_money(Decimal("1234.565"), "USD") == "$1,234.57"
    assert format_money(Decimal("1234.565")) == "1,234.57"
    assert format_money(None) == ""


@pytest.mark.parametrize(
    ("currency", "locale", "expected"),
    [
        # The document's currency, the store's locale: an EUR order in an en_US store is in EUR.
        ("CHF", "de_CH", "CHF\xa01'234'567.50"),
        ("EUR", "de_CH", "EUR\xa01'234'567.50"),
        ("EUR", "fr_FR", "1\u202f234\u202f567,50\xa0€"),
        ("CHF", "fr_FR", "1\u202f234\u202f567,50\xa0CHF"),
        ("EUR", "en_US", "€1,234,567.50"),
        ("USD", "en_US", "$1,234,567.50"),
        (None, "de_CH", "1'234'567.50"),
        (None, "fr_FR", "1\u202f234\u202f567,50"),
    ],
)
def test_format_money_uses_the_locale_and_the_amounts_own_currency(
    currency: str | None, locale: str, expected: str
) -> None:
    assert format_money(Decimal("1234567.5"), currency, locale) == expected


def test_swiss_amounts_keep_every_apostrophe() -> None:
    # Babel alone drops a pair of them (CHF 1234567.50): each group is kept here.
    assert format_money(Decimal("1234567890.5"), "CHF", "de_CH") == "CHF\xa01'234'567'890.50"
    assert format_money(Decimal("123456.5"), "CHF", "de_CH") == "CHF\xa0123'456.50"
    assert format_money(Decimal("-1234.5"), "CHF", "de_CH") == "CHF-1'234.50"
    assert format_money(Decimal("999.5"), "CHF", "de_CH") == "CHF\xa0999.50"


def test_a_currency_keeps_its_own_digits_and_is_read_in_capitals() -> None:
    assert format_money(Decimal("1234.5"), "JPY", "en_US") == "¥1,235"
    assert format_money(Decimal("-1250.5"), "usd", "en_US") == "-$1,250.50"
    assert format_money(Decimal("5"), "XYZ", "en_US") == "XYZ5.00"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en_US", "1,234,567.5"), ("de_CH", "1'234'567.5"), ("fr_FR", "1\u202f234\u202f567,5")],
)
def test_quantities_take_the_locales_separators(locale: str, expected: str) -> None:
    assert format_number(Decimal("1234567.50"), locale) == expected
    assert format_number(Decimal("12"), locale) == "12"
    assert format_number(None, locale) == ""
