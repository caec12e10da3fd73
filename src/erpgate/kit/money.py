"""Money is Decimal end to end; these helpers parse tolerant ERP input and format for people."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


class MoneyError(ValueError):
    pass


def parse_money(value: object) -> Decimal:
    """Accept a JSON number or a decimal string; refuse anything a person could misread.

    "1,234.50" is refused on purpose: a thousands separator is ambiguous across locales.
    Floats go through ``repr`` so 0.1 stays 0.1 rather than its binary expansion.
    """
    if isinstance(value, str):  # first: the contract's preferred form, so the usual one
        text = value.strip()
        if not text or "," in text or "_" in text:
            raise MoneyError("is not a number")
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise MoneyError("is not a number") from exc
    elif isinstance(value, bool):
        raise MoneyError("is not a number")
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        raise MoneyError("is not a number")
    if not result.is_finite():
        raise MoneyError("is not a finite number")
    return result


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal | None, currency: str | None = None) -> str:
    if amount is None:
        return ""
    text = f"{quantize(amount):,.2f}"
    return f"{text} {currency}" if currency else text
