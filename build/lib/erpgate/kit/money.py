"""Money is Decimal end to end; these helpers parse tolerant ERP input and format for people."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import (
    format_currency,
    format_decimal,
    get_currency_precision,
    get_group_symbol,
)

from erpgate.kit.locales import DEFAULT_LOCALE, babel_locale

CENT = Decimal("0.01")
_INTEGER_PART = re.compile(r"\d+")


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


def format_money(
    amount: Decimal | None, currency: str | None = None, locale: str = DEFAULT_LOCALE
) -> str:
    """An amount for people, in ``locale``: with its currency's sign and digits (1,234.57 $ in
    en_US is $1,234.57; CHF 1'234.57 in de_CH), rounded half up; without a currency, to cents."""
    if amount is None:
        return ""
    currency = currency.strip().upper() if currency else None
    digits = get_currency_precision(currency) if currency else 2
    value = amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    if currency:
        return _babel(format_currency, value, currency, locale=locale)
    return _babel(format_decimal, value, "#,##0.00", locale=locale)


def format_number(value: Decimal | None, locale: str = DEFAULT_LOCALE) -> str:
    """A quantity for people, in ``locale``: 1,234.5 / 1'234.5 / 1 234,5."""
    return "" if value is None else _babel(format_decimal, value, locale=locale)


def _babel(formatter: Callable[..., str], *args: object, locale: str) -> str:
    where = babel_locale(locale)
    # Babel (2.19) takes the apostrophe that de_CH and its neighbours group with for a quote and
    # drops two of them (CHF 1234567.50): its digits come ungrouped and are grouped here.
    if get_group_symbol(where) != "'":
        return formatter(*args, locale=where)
    text = formatter(*args, locale=where, group_separator=False)
    first, others = where.decimal_formats[None].grouping

    def group(match: re.Match[str]) -> str:
        head, tail, size = match.group(), "", first
        while len(head) > size:
            head, tail, size = head[:-size], "'" + head[-size:] + tail, others
        return head + tail

    return _INTEGER_PART.sub(group, text, count=1)
