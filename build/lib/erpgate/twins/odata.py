"""A small OData v4 query reader shared by the Business Central and SAP Business One twins.

It parses ``$filter`` into a tree and evaluates it against rows, so a quoted literal is only ever
a value: ``number eq 'O''Brien'') or (1 eq 1'`` compares one string and matches nothing. No
library reads OData queries on the server side in Python, hence this hand-written one; it covers
what the adapters send: ``eq ne gt ge lt le``, ``and or not``, parentheses, ``contains``,
``startswith``, strings with ``''`` escaping, numbers, dates and ``true false null``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

Row = dict[str, Any]
Predicate = Callable[[Mapping[str, Any]], bool]


class ODataError(ValueError):
    """A query the twin refuses with a 400, as the real service does."""


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<string>'(?:[^']|'')*')
    | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT:]))
    | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)
    | (?P<punct>[(),])
    """,
    re.VERBOSE,
)

COMPARISONS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
FUNCTIONS = frozenset({"contains", "startswith"})
KEYWORDS = {"true": True, "false": False, "null": None}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ODataError(f"Syntax error at position {position} in '{text}'.")
        kind = match.lastgroup or ""
        if kind != "space":
            found.append(_Token(kind, match.group(), position))
        position = match.end()
    return found


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any


@dataclass(frozen=True, slots=True)
class Property:
    path: tuple[str, ...]


Operand = Literal | Property


def _read(row: Mapping[str, Any], prop: Property) -> Any:
    value: Any = row
    for step in prop.path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def _operand_value(operand: Operand, row: Mapping[str, Any]) -> Any:
    return operand.value if isinstance(operand, Literal) else _read(row, operand)


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Both sides as one comparable type, or None when they cannot be compared."""
    if isinstance(left, bool) or isinstance(right, bool):
        return (left, right) if isinstance(left, bool) and isinstance(right, bool) else None
    if isinstance(left, dt.date) or isinstance(right, dt.date):
        try:
            return (
                left if isinstance(left, dt.date) else dt.date.fromisoformat(str(left)[:10]),
                right if isinstance(right, dt.date) else dt.date.fromisoformat(str(right)[:10]),
            )
        except ValueError:
            return None
    if isinstance(left, int | float | Decimal) or isinstance(right, int | float | Decimal):
        try:
            return Decimal(str(left)), Decimal(str(right))
        except InvalidOperation:
            return None
    if isinstance(left, str) and isinstance(right, str):
        return left, right
    return None


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is None or right is None:
        same = left is None and right is None
        return same if op == "eq" else (not same if op == "ne" else False)
    pair = _comparable(left, right)
    if pair is None:
        return op == "ne"
    a, b = pair
    if op == "eq":
        return bool(a == b)
    if op == "ne":
        return bool(a != b)
    if isinstance(a, bool):
        return False
    if op == "gt":
        return bool(a > b)
    if op == "ge":
        return bool(a >= b)
    if op == "lt":
        return bool(a < b)
    return bool(a <= b)


class _Parser:
    """Recursive descent: or_expr := and_expr ('or' and_expr)*; and_expr := unary ('and' unary)*;
    unary := 'not' unary | '(' or_expr ')' | call | operand OP operand."""

    def __init__(self, text: str, fields: Collection[str]) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.fields = fields

    def parse(self) -> Predicate:
        if not self.tokens:
            raise ODataError("The $filter is empty.")
        predicate = self._or()
        if self.index != len(self.tokens):
            token = self.tokens[self.index]
            raise ODataError(f"Syntax error at position {token.position} in '{self.text}'.")
        return predicate

    def _peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _next(self) -> _Token:
        token = self._peek()
        if token is None:
            raise ODataError(f"Unexpected end of $filter '{self.text}'.")
        self.index += 1
        return token

    def _expect(self, text: str) -> None:
        token = self._next()
        if token.text != text:
            raise ODataError(f"Expected '{text}' at position {token.position} in '{self.text}'.")

    def _at_word(self, word: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == "name" and token.text == word

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._at_word("or"):
            self.index += 1
            parts.append(self._and())
        if len(parts) == 1:
            return parts[0]
        return lambda row: any(part(row) for part in parts)

    def _and(self) -> Predicate:
        parts = [self._unary()]
        while self._at_word("and"):
            self.index += 1
            parts.append(self._unary())
        if len(parts) == 1:
            return parts[0]
        return lambda row: all(part(row) for part in parts)

    def _unary(self) -> Predicate:
        token = self._peek()
        if token is not None and token.kind == "name" and token.text == "not":
            self.index += 1
            inner = self._unary()
            return lambda row: not inner(row)
        if token is not None and token.text == "(":
            self.index += 1
            inner = self._or()
            self._expect(")")
            return inner
        if token is not None and token.kind == "name" and token.text in FUNCTIONS:
            return self._call()
        return self._comparison()

    def _call(self) -> Predicate:
        name = self._next().text
        self._expect("(")
        prop = self._operand()
        self._expect(",")
        needle = self._operand()
        self._expect(")")
        if not isinstance(prop, Property) or not (
            isinstance(needle, Literal) and isinstance(needle.value, str)
        ):
            raise ODataError(f"{name} takes a property and a string literal.")
        wanted: str = needle.value

        def matches(row: Mapping[str, Any]) -> bool:
            value = _read(row, prop)
            if not isinstance(value, str):
                return False
            return wanted in value if name == "contains" else value.startswith(wanted)

        return matches

    def _comparison(self) -> Predicate:
        left = self._operand()
        op_token = self._next()
        if op_token.kind != "name" or op_token.text not in COMPARISONS:
            raise ODataError(
                f"Expected a comparison operator at position {op_token.position} in '{self.text}'."
            )
        right = self._operand()
        op = op_token.text
        if isinstance(left, Literal) and isinstance(right, Literal):
            result = _compare(op, left.value, right.value)
            return lambda row: result
        return lambda row: _compare(op, _operand_value(left, row), _operand_value(right, row))

    def _operand(self) -> Operand:
        token = self._next()
        if token.kind == "string":
            return Literal(token.text[1:-1].replace("''", "'"))
        if token.kind == "number":
            return Literal(Decimal(token.text))
        if token.kind == "date":
            try:
                return Literal(dt.date.fromisoformat(token.text))
            except ValueError as exc:
                raise ODataError(f"Invalid date literal '{token.text}'.") from exc
        if token.kind == "name":
            if token.text in KEYWORDS:
                return Literal(KEYWORDS[token.text])
            if token.text not in self.fields:
                raise ODataError(f"Could not find a property named '{token.text}'.")
            return Property(tuple(token.text.split("/")))
        raise ODataError(f"Unexpected '{token.text}' at position {token.position}.")


def parse_filter(text: str, fields: Collection[str]) -> Predicate:
    """A row predicate for an OData ``$filter``; ``fields`` are the properties (``a/b`` paths
    included) it may name. Raises ODataError for anything it does not understand."""
    return _Parser(text, fields).parse()


def parse_orderby(text: str, fields: Collection[str]) -> list[tuple[str, bool]]:
    """``$orderby`` as (property, descending) pairs."""
    order: list[tuple[str, bool]] = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or words[0] not in fields:
            raise ODataError(f"Invalid $orderby '{text}'.")
        if len(words) == 2 and words[1] not in ("asc", "desc"):
            raise ODataError(f"Invalid $orderby direction '{words[1]}'.")
        order.append((words[0], len(words) == 2 and words[1] == "desc"))
    return order


def sort_rows(rows: Sequence[Row], order: Sequence[tuple[str, bool]]) -> list[Row]:
    """Rows sorted by every key in turn (stable; nulls first ascending, as OData asks)."""
    result = list(rows)
    for name, descending in reversed(order):
        path = Property(tuple(name.split("/")))
        result.sort(
            key=lambda row: (_read(row, path) is not None, _sort_value(_read(row, path))),
            reverse=descending,
        )
    return result


def _sort_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def parse_count(text: str | None, name: str) -> int | None:
    """``$top`` / ``$skip``: a non-negative integer, or None when absent."""
    if text is None:
        return None
    if not text.isdigit():
        raise ODataError(f"Invalid value '{text}' for {name}.")
    return int(text)


@dataclass(frozen=True, slots=True)
class Query:
    """One list request's options, read and checked."""

    predicate: Predicate | None
    order: list[tuple[str, bool]]
    top: int | None
    skip: int
    expand: frozenset[str]

    def select(self, rows: Sequence[Row]) -> list[Row]:
        """Every row the filter keeps, in the asked order (before $skip/$top)."""
        kept = [row for row in rows if self.predicate is None or self.predicate(row)]
        return sort_rows(kept, self.order) if self.order else kept


def read_query(
    params: Mapping[str, str],
    fields: Collection[str],
    expandable: Collection[str] = (),
) -> Query:
    """The OData options of one request; ODataError for a malformed one."""
    raw_filter = params.get("$filter")
    raw_order = params.get("$orderby")
    expand = {e.strip() for e in params.get("$expand", "").split(",") if e.strip()}
    unknown = expand - set(expandable)
    if unknown:
        raise ODataError(f"Could not find a navigation property named '{sorted(unknown)[0]}'.")
    return Query(
        predicate=parse_filter(raw_filter, fields) if raw_filter is not None else None,
        order=parse_orderby(raw_order, fields) if raw_order else [],
        top=parse_count(params.get("$top"), "$top"),
        skip=parse_count(params.get("$skip"), "$skip") or 0,
        expand=frozenset(expand),
    )


def max_page_size(prefer: str | None, server_max: int) -> int:
    """The page size: the server's, or smaller when ``Prefer: odata.maxpagesize=N`` asks."""
    for part in (prefer or "").split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "odata.maxpagesize" and value.strip().isdigit():
            return max(1, min(server_max, int(value.strip())))
    return server_max


def quote_literal(value: str) -> str:
    """A string as an OData literal (``'`` doubled): for keys in paths and next links."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class Page:
    """The rows of one answer and, when the server cut the window short, where the next starts."""

    rows: list[Row]
    next_skip: int | None = None
    next_top: int | None = None


def cut_page(matched: Sequence[Row], query: Query, page_size: int) -> Page:
    """The window $skip/$top asks for, at most ``page_size`` rows of it."""
    window = list(matched[query.skip :])
    if query.top is not None:
        window = window[: query.top]
    if len(window) <= page_size:
        return Page(window)
    next_top = None if query.top is None else query.top - page_size
    return Page(window[:page_size], query.skip + page_size, next_top)


# Left as they are in next links, as OData services write them: readable, and valid in a query.
_LINK_SAFE = "$',()/:"


def next_link(base: str, params: Mapping[str, str], page: Page) -> str:
    """``base`` with the request's options, $skip moved on and $top reduced to what remains."""
    kept = {k: v for k, v in params.items() if k not in ("$skip", "$top", "$skiptoken")}
    if page.next_top is not None:
        kept["$top"] = str(page.next_top)
    kept["$skip"] = str(page.next_skip)
    query = "&".join(f"{quote(k, safe='$')}={quote(v, safe=_LINK_SAFE)}" for k, v in kept.items())
    return f"{base}?{query}"
