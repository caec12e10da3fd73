"""Reading Frappe's list query parameters (``fields``, ``filters``, ``order_by``, limits) for
the ERPNext twin. Filter values are compared as values, never evaluated."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from aiohttp import web

from erpgate.twins.common import Json

_OPERATORS = frozenset({"=", "!=", ">", ">=", "<", "<=", "like", "not like", "in", "not in"})


class FrappeError(ValueError):
    """A request Frappe refuses with 417 ValidationError."""


def json_param(request: web.Request, name: str, default: Any) -> Any:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise FrappeError(f"Invalid JSON in {name}: {raw}") from exc


def int_param(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise FrappeError(f"{name} must be a non-negative integer")
    return int(raw)


def _same_kind(left: Any, right: Any) -> tuple[Any, Any]:
    """Numbers as numbers, everything else as text (as MariaDB compares a column to a value)."""
    if isinstance(left, int | float) and not isinstance(left, bool):
        try:
            return Decimal(str(left)), Decimal(str(right))
        except InvalidOperation:
            pass
    return ("" if left is None else str(left)), ("" if right is None else str(right))


def _sort_key(value: Any) -> tuple[bool, Any]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True, Decimal(str(value))
    return value is not None, "" if value is None else str(value)


def row_sort_key(name: str, row: Json) -> tuple[bool, Any]:
    return _sort_key(row.get(name))


def _like(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _condition(field: str, op: str, value: Any) -> Callable[[Json], bool]:
    if op in ("in", "not in"):
        values = value if isinstance(value, list) else str(value).split(",")
        texts = {str(v).strip() for v in values}
        return lambda row: (str(row.get(field)) in texts) == (op == "in")
    if op in ("like", "not like"):
        pattern = _like(str(value))
        return lambda row: bool(pattern.fullmatch(str(row.get(field) or ""))) == (op == "like")

    def compare(row: Json) -> bool:
        a, b = _same_kind(row.get(field), value)
        return bool(
            {"=": a == b, "!=": a != b, ">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]
        )

    return compare


def read_filters(raw: Any, fields: frozenset[str]) -> list[Callable[[Json], bool]]:
    """Frappe's ``filters``: a list of [field, op, value] (or [doctype, field, op, value]) or a
    {field: value | [op, value]} object. Values are compared as values, never evaluated."""
    triples: list[tuple[Any, Any, Any]] = []
    if isinstance(raw, dict):
        for key, value in raw.items():
            if isinstance(value, list) and len(value) == 2:
                triples.append((key, value[0], value[1]))
            else:
                triples.append((key, "=", value))
    elif isinstance(raw, list):
        for item in raw:
            if not isinstance(item, list) or len(item) not in (3, 4):
                raise FrappeError(f"Invalid filter: {item!r}")
            triples.append((item[-3], item[-2], item[-1]))
    else:
        raise FrappeError("filters must be a list or an object")
    conditions = []
    for name, op, value in triples:
        if name not in fields:
            raise FrappeError(f"Field not permitted in query: {name}")
        if not isinstance(op, str) or op.lower() not in _OPERATORS:
            raise FrappeError(f"Operator must be one of {', '.join(sorted(_OPERATORS))}")
        conditions.append(_condition(name, op.lower(), value))
    return conditions


def read_order_by(raw: str | None, fields: frozenset[str]) -> list[tuple[str, bool]]:
    order = []
    for part in (raw or "").split(","):
        words = part.replace("`", "").split()
        if not words:
            continue
        name = words[0].rsplit(".", 1)[-1]
        if name not in fields or len(words) > 2 or words[-1].lower() not in (name, "asc", "desc"):
            raise FrappeError(f"Invalid order_by: {raw}")
        order.append((name, len(words) == 2 and words[1].lower() == "desc"))
    return order
