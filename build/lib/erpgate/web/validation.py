"""Validation errors in the product's words, for pages and the JSON API alike.

pydantic's messages are written for developers ("Input should be a valid integer, unable to parse
string as an integer", "Value error, …"); a buyer or an admin reads these instead. The field keeps
its name (the JSON API's `fields` are keyed by it); only the sentence changes.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import ErrorDetails

VALUE_ERROR_PREFIX = "Value error, "


def human_message(error: ErrorDetails) -> str:
    """One short sentence for one field's error, starting in lower case (it follows the name)."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number"
    if kind in ("decimal_parsing", "float_parsing", "decimal_type", "float_type"):
        return "must be a number"
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return (
            f"must be {bound} or more" if kind == "greater_than_equal" else f"must be over {bound}"
        )
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return f"must be {bound} or less" if kind == "less_than_equal" else f"must be under {bound}"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "must be a date written YYYY-MM-DD"
    if kind.startswith("uuid"):
        return "is not a valid id"
    if kind == "missing":
        return "is required"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        minimum = ctx.get("min_length")
        return "must not be empty" if minimum == 1 else f"must be at least {minimum} characters"
    if kind in ("literal_error", "enum"):
        return f"must be one of {ctx.get('expected')}"
    message = str(error["msg"])
    return message.removeprefix(VALUE_ERROR_PREFIX)


def field_name(error: ErrorDetails, skip: tuple[str, ...] = ()) -> str:
    """The field's name as the request spelled it (``date_to``, ``lines.0.sku``)."""
    return ".".join(str(part) for part in error["loc"] if part not in skip) or "query"
