"""Twin of Odoo 19's External JSON-2 API: ``POST /json/2/{model}/{method}`` with a bearer API key,
``search_read``, ``search_count``, ``read`` and ``web_search_read`` over the mock's data.

Each call is routed to the contract endpoint it stands for (sale.order lists are ``orders``, a
read or a search pinned to one id or name is ``order``, res.partner is ``balance``...), so the
mock's faults apply to it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

import orjson
from aiohttp import web

from erpgate.mock_erp.faults import json_response
from erpgate.mock_erp.state import MockErpState, record_call
from erpgate.twins.common import (
    Json,
    TwinConfig,
    Vendor,
    add_index,
    answer_with_faults,
    list_mistake,
    new_twin_app,
)
from erpgate.twins.odoo_records import RELATIONS, DomainError, Records, build_records, read_domain

BASE_PATH = "/json/2"
MONEY_KEYS = frozenset({"amount_total", "amount_residual", "credit", "price_unit", "price_total"})
_ARGUMENTS = {
    "search_read": {"domain", "fields", "offset", "limit", "order"},
    "search_count": {"domain", "limit"},
    "read": {"ids", "fields"},
    "web_search_read": {"domain", "specification", "offset", "limit", "order", "count_limit"},
}
# Model -> (its list endpoint, its by-id endpoint).
_ENDPOINTS = {
    "res.partner": ("balance", "balance"),
    "sale.order": ("orders", "order"),
    "sale.order.line": ("order", "order"),
    "account.move": ("invoices", "invoice"),
    "account.move.line": ("invoice", "invoice"),
}
# Each model's own _order, which Odoo applies when a call names none.
_DEFAULT_ORDER = {
    "sale.order": [("date_order", True), ("id", True)],
    "account.move": [("invoice_date", True), ("name", True), ("id", True)],
}
_STATUS_NAMES = {
    401: "Unauthorized",
    404: "NotFound",
    422: "UnprocessableEntity",
    429: "TooManyRequests",
}


def error(status: int, code: str, message: str) -> web.Response:
    """Odoo's error body; ``code`` is a full exception name when it holds a dot."""
    name = code if "." in code else f"werkzeug.exceptions.{_STATUS_NAMES.get(status, code)}"
    return json_response(
        {
            "name": name,
            "message": message,
            "arguments": [message, status],
            "context": {},
            "debug": "",
        },
        status=status,
    )


VENDOR = Vendor(error, MONEY_KEYS, frozenset({"display_name", "partner_shipping_id", "name"}))


def _endpoint(model: str, method: str, arguments: Any) -> str:
    """The contract endpoint a call stands for; a search pinned to one id or name is by-id."""
    list_endpoint, one_endpoint = _ENDPOINTS.get(model, ("unknown", "unknown"))
    if method == "read":
        return one_endpoint
    domain = arguments.get("domain") if isinstance(arguments, dict) else None
    pinned = isinstance(domain, list) and any(
        isinstance(t, list) and len(t) == 3 and t[0] in ("id", "name") and t[1] == "="
        for t in domain
    )
    return one_endpoint if pinned else list_endpoint


class _Call:
    """One call's checked arguments."""

    def __init__(self, method: str, arguments: Any) -> None:
        if not isinstance(arguments, dict):
            raise DomainError("The body must be a JSON object of named arguments")
        unknown = set(arguments) - _ARGUMENTS[method] - {"context"}
        if unknown:
            raise DomainError(
                f"{method}() got an unexpected keyword argument '{sorted(unknown)[0]}'"
            )
        self.arguments = arguments
        self.offset = self._count("offset", 0) or 0
        self.limit = self._count("limit", None)

    def _count(self, name: str, default: int | None) -> int | None:
        value = self.arguments.get(name, default)
        if value is None or value is False:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise DomainError(f"{name} must be a non-negative integer")
        return value

    def get(self, name: str, default: Any) -> Any:
        return self.arguments.get(name, default)


def _sort_key(value: Any) -> tuple[bool, Any]:
    if isinstance(value, list) and value and isinstance(value[0], int):
        return True, value[0]
    if value is None or value is False:
        return False, ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True, Decimal(str(value))
    return True, value


def _row_sort_key(name: str, row: Json) -> tuple[bool, Any]:
    return _sort_key(row.get(name))


class OdooTwin:
    """The JSON-2 route over one mock ERP state."""

    def __init__(self, config: TwinConfig, state: MockErpState) -> None:
        self.config = config
        self.state = state
        self.records: Records = build_records(state.data)
        self.fields = {
            model: frozenset(itertools.chain.from_iterable(rows.values()))
            for model, rows in self.records.items()
        }

    def _authorized(self, request: web.Request) -> bool:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and key.strip() == self.config.secrets.odoo_api_key

    async def call(self, request: web.Request) -> web.StreamResponse:
        """POST /json/2/{model}/{method} with named arguments."""
        model, method = request.match_info["model"], request.match_info["method"]
        raw = await request.read()
        try:
            arguments: Any = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            arguments = None
        endpoint = _endpoint(model, method, arguments)
        record_call(self.state, endpoint, request, raw)
        if not self._authorized(request):
            return error(401, "Unauthorized", "Invalid apikey")
        database = request.headers.get("X-Odoo-Database")
        if database is not None and database != self.config.secrets.odoo_database:
            return error(404, "NotFound", f"Database {database!r} not found")
        if model not in RELATIONS or method not in _ARGUMENTS:
            return error(404, "NotFound", f"Model {model!r} or method {method!r} not found")
        try:
            call = _Call(method, arguments)
            run = self._prepare(model, method, call, endpoint)
        except DomainError as exc:
            return error(422, "UnprocessableEntity", str(exc))

        async def answer() -> web.Response:
            return run(False)

        async def cross() -> web.Response:
            return run(True)

        return await answer_with_faults(
            request, self.state, endpoint, answer, vendor=VENDOR, cross=cross
        )

    def _prepare(
        self, model: str, method: str, call: _Call, endpoint: str
    ) -> Callable[[bool], web.Response]:
        """Check the arguments now (a 422 before any fault), answer later: the normal answer or,
        for cross_customer, the records the domain did not match."""
        rows = self.records[model]
        if method == "read":
            ids = call.get("ids", None)
            if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
                raise DomainError("ids must be a list of integers")
            fields = self._fields(model, call.get("fields", None))

            def read(other: bool) -> web.Response:
                missing = [i for i in ids if i not in rows]
                if missing and not other:
                    return error(
                        404,
                        "odoo.exceptions.MissingError",
                        "Record does not exist or has been deleted.",
                    )
                found = (
                    [rows[i] for i in ids if i in rows] if not other else list(rows.values())[:1]
                )
                return json_response([self._pick(r, fields) for r in found])

            return read
        predicate = read_domain(call.get("domain", []), model, self.records, self.fields)
        order = self._order(model, call.get("order", None))
        picked = self._fields(model, call.get("fields", None)) if method == "search_read" else None
        specification = call.get("specification", {}) if method == "web_search_read" else None
        if specification is not None:
            self._check_specification(model, specification)

        def search(other: bool) -> web.Response:
            matched = [r for r in rows.values() if predicate(r) != other]
            for name, descending in reversed(order):
                matched.sort(key=partial(_row_sort_key, name), reverse=descending)
            if method == "search_count":
                return json_response(len(matched))
            window = self._window(matched, call, endpoint)
            if picked is not None:
                return json_response([self._pick(r, picked) for r in window])
            shaped = [self._specified(model, r, specification or {}) for r in window]
            return json_response({"length": len(matched), "records": shaped})

        return search

    def _window(self, matched: Sequence[Json], call: _Call, endpoint: str) -> list[Json]:
        if list_mistake(self.state, endpoint) == "huge_page":
            fault = self.state.mistake(endpoint)
            count = fault.rows if fault is not None else 0
            return list(itertools.islice(itertools.cycle(matched), count)) if matched else []
        end = None if call.limit is None else call.offset + call.limit
        return list(matched[call.offset : end])

    def _fields(self, model: str, fields: Any) -> list[str]:
        if fields is None or fields == []:
            return sorted(self.fields[model])
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise DomainError("fields must be a list of field names")
        unknown = [f for f in fields if f not in self.fields[model]]
        if unknown:
            raise DomainError(f"Invalid field {unknown[0]!r} on model {model!r}")
        return ["id", *(f for f in fields if f != "id")]

    def _order(self, model: str, order: Any) -> list[tuple[str, bool]]:
        if order is None or order == "":
            return _DEFAULT_ORDER.get(model, [("id", False)])
        if not isinstance(order, str):
            raise DomainError("order must be a string")
        parsed = []
        for part in order.split(","):
            words = part.split()
            if not words or len(words) > 2 or words[0] not in self.fields[model]:
                raise DomainError(f"Invalid order {order!r}")
            if len(words) == 2 and words[1].lower() not in ("asc", "desc"):
                raise DomainError(f"Invalid order direction {words[1]!r}")
            parsed.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
        return parsed

    def _check_specification(self, model: str, specification: Any) -> None:
        if not isinstance(specification, dict):
            raise DomainError("specification must be an object")
        for name, nested in specification.items():
            if name not in self.fields[model] or not isinstance(nested, dict):
                raise DomainError(f"Invalid field {name!r} on model {model!r}")
            inner = nested.get("fields")
            if inner is not None:
                target = RELATIONS[model].get(name)
                if target is None:
                    raise DomainError(f"Field {name!r} on model {model!r} is not relational")
                self._check_specification(target, inner)

    def _specified(self, model: str, row: Json, specification: dict[str, Any]) -> Json:
        """A record as web_search_read answers it: relations nested per the specification."""
        shaped: Json = {"id": row["id"]}
        for name, nested in specification.items():
            value = row.get(name)
            target = RELATIONS[model].get(name)
            inner = nested.get("fields")
            if target is None:
                shaped[name] = value
            elif name.endswith("_id"):
                if not isinstance(value, list):
                    shaped[name] = False
                elif inner is None:
                    shaped[name] = value[0]
                else:
                    related = self.records[target].get(value[0], {"id": value[0]})
                    shaped[name] = self._specified(target, related, inner)
            elif inner is None:
                shaped[name] = value
            else:
                related_rows = (self.records[target][i] for i in value or [])
                shaped[name] = [self._specified(target, r, inner) for r in related_rows]
        return shaped

    @staticmethod
    def _pick(row: Json, fields: list[str]) -> Json:
        return {name: row.get(name, False) for name in fields}


def build_app(config: TwinConfig) -> web.Application:
    """The Odoo twin's application."""
    app, state = new_twin_app(config)
    twin = OdooTwin(config, state)
    app.router.add_post(BASE_PATH + "/{model}/{method}", twin.call)
    add_index(app, "odoo", BASE_PATH)
    return app
