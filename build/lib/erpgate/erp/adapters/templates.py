"""Request templates of an adapter profile: values put into paths, queries and bodies safely.

A string template holds placeholders ``{name}`` or ``{name|encoder}`` and optional groups
``[[ ... ]]`` that are kept only when every placeholder inside has a value. Values are never
spliced into a query language as raw text unless the encoder makes them a literal of it:
``odata`` quotes an OData string (``'O''Brien'``), ``int`` refuses anything but digits, ``date``
anything but an ISO day. In a JSON template (a body, or a query value given as a list or an
object) a string that is exactly one placeholder becomes the value itself, typed, and a list item
whose placeholder has no value is dropped, so filters are built as data, never as text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import orjson

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)(?:\|([a-z_]+))?\}")
GROUP = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
ENCODERS = ("text", "odata", "int", "number", "date", "path", "like", "json", "filter")

# What a template may name: the contract request's fields, the page arithmetic, and (login
# bodies only) the store's Key and Token.
REQUEST_VALUES = (
    "customer_code",
    "seller_reference",
    "order_id",
    "invoice_id",
    "id",
    "page",
    "page_size",
    "search",
    "status",
    "date_from",
    "date_to",
    "skip",
    "top",
)
SECRET_VALUES = ("key", "token")

Filters = Mapping[str, Mapping[str, Any]]


class TemplateError(ValueError):
    """A profile's template cannot work (unknown placeholder or encoder): a settings error."""


class ImpossibleValue(ValueError):
    """A request value cannot be what the template needs (an id that is not a number): no
    record can match it, so the call answers "not found" without asking the ERP."""


def placeholders(template: Any) -> list[tuple[str, str | None]]:
    """Every (name, encoder) a template (string or JSON structure) uses."""
    found: list[tuple[str, str | None]] = []
    if _is_when(template):
        return [(template["when"], None), *placeholders(template["items"])]
    if isinstance(template, str):
        found.extend((m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(template))
    elif isinstance(template, list):
        for item in template:
            found.extend(placeholders(item))
    elif isinstance(template, dict):
        for value in template.values():
            found.extend(placeholders(value))
    return found


def check_template(template: Any, *, allowed: tuple[str, ...], filters: Filters) -> list[str]:
    """Problems with a template, as sentences (empty when it can work)."""
    problems = []
    for name, encoder in placeholders(template):
        if name not in allowed:
            problems.append(f"unknown placeholder {{{name}}} (known: {', '.join(allowed)})")
        if encoder is not None and encoder not in ENCODERS:
            problems.append(f"unknown encoder |{encoder} (known: {', '.join(ENCODERS)})")
        if encoder == "filter" and name not in filters:
            problems.append(f"{{{name}|filter}} has no table under filters.{name}")
    return problems


def _present(value: Any) -> bool:
    return value is not None and value != ""


def encode(value: Any, encoder: str | None, name: str, filters: Filters) -> str:
    """One value as text, by its encoder."""
    if encoder == "filter":
        return str(filters.get(name, {}).get(str(value).lower(), ""))
    text = value if isinstance(value, str) else str(value)
    if encoder is None or encoder == "text":
        return text
    if encoder == "odata":
        return "'" + text.replace("'", "''") + "'"
    if encoder == "int":
        if not text.isascii() or not text.isdigit() or len(text) > 18:
            raise ImpossibleValue(f"{name} {text[:40]!r} is not a number")
        return str(int(text))
    if encoder == "number":
        # For an OR with a text search: a search that is not a number matches no number.
        return str(int(text)) if text.isascii() and text.isdigit() and len(text) <= 18 else "-1"
    if encoder == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ImpossibleValue(f"{name} {text[:40]!r} is not a date") from None
    if encoder == "path":
        return quote(text, safe="")
    if encoder == "like":
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"
    if encoder == "json":
        return orjson.dumps(value).decode()
    raise TemplateError(f"unknown encoder |{encoder}")


def render_text(
    template: str, values: Mapping[str, Any], filters: Filters, *, path: bool = False
) -> str:
    """A string template with its optional groups decided and its placeholders encoded.

    A group is dropped when a placeholder inside has no value or cannot take it (a search text
    where the ERP wants a number). In a ``path`` every value is percent-encoded after its
    encoder, so no value can add a path segment or a query.
    """

    def one(match: re.Match[str]) -> str:
        name, encoder = match.group(1), match.group(2)
        value = values.get(name)
        if not _present(value):
            return ""
        text = encode(value, encoder, name, filters)
        return quote(text, safe="'()=,") if path else text

    def group(inner: str) -> str:
        if not all(_present(values.get(m.group(1))) for m in PLACEHOLDER.finditer(inner)):
            return ""
        try:
            return PLACEHOLDER.sub(one, inner)
        except ImpossibleValue:
            return ""

    parts = GROUP.split(template)
    # GROUP.split alternates outside text and group bodies.
    return "".join(
        PLACEHOLDER.sub(one, part) if index % 2 == 0 else group(part)
        for index, part in enumerate(parts)
    )


_MISSING = object()


def render_json(template: Any, values: Mapping[str, Any], filters: Filters) -> Any:
    """A JSON template rendered as data (see the module's docstring)."""
    result = _render_node(template, values, filters)
    return None if result is _MISSING else result


def _render_node(node: Any, values: Mapping[str, Any], filters: Filters) -> Any:
    if isinstance(node, str):
        whole = PLACEHOLDER.fullmatch(node)
        if whole is None:
            outside = GROUP.sub("", node)
            if any(not _present(values.get(m.group(1))) for m in PLACEHOLDER.finditer(outside)):
                return _MISSING  # "{date_to} 23:59:59" without a date_to is no value at all
            return render_text(node, values, filters)
        name, encoder = whole.group(1), whole.group(2)
        value = values.get(name)
        if not _present(value):
            return _MISSING
        if encoder == "filter":
            chosen = filters.get(name, {}).get(str(value).lower(), _MISSING)
            return chosen
        if encoder == "int":
            return int(encode(value, "int", name, filters))
        if encoder in (None, "text", "json"):
            return value
        return encode(value, encoder, name, filters)
    if isinstance(node, list):
        items = []
        for item in node:
            if _is_when(item):
                # {"when": "search", "items": [...]}: spliced in only when the value is given
                # (an Odoo "|" and its two terms, which must come or go together).
                if _present(values.get(item["when"])):
                    items.extend(_render_node(item["items"], values, filters))
                continue
            rendered = _render_node(item, values, filters)
            if rendered is not _MISSING:
                items.append(rendered)
            elif isinstance(item, str) and not _is_filter(item):
                # A triple like ["date", ">=", "{date_from}"] without its value is dropped
                # whole by the list holding it, never sent half-empty.
                return _MISSING
        return items
    if isinstance(node, dict):
        rendered = {key: _render_node(item, values, filters) for key, item in node.items()}
        return {key: item for key, item in rendered.items() if item is not _MISSING}
    return node


def _is_when(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and set(item) == {"when", "items"}
        and isinstance(item["items"], list)
    )


def _is_filter(item: str) -> bool:
    whole = PLACEHOLDER.fullmatch(item)
    return whole is not None and whole.group(2) == "filter"
