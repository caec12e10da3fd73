from __future__ import annotations

from decimal import Decimal

import pytest

from erpgate.kit.money import MoneyError, format_money, parse_money


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
    assert format_money(Decimal("1234.565"), "USD") == "1,234.57 USD"
    assert format_money(None) == ""
