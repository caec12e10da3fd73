"""What every ERP twin shares: its settings and secrets, the mock ERP's seeded data and control
routes, and one fault hook that answers each route the way the mock answers the contract
endpoint it stands for."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

from erpgate.mock_erp.config import DEFAULT_TODAY, HANDLER_MISTAKES, MockErpConfig
from erpgate.mock_erp.control import add_control_routes
from erpgate.mock_erp.faults import MARKUP_NAME, apply_fault, json_response, retry_after_header
from erpgate.mock_erp.state import STATE_KEY, MockErpState, new_state, record_call

Json = dict[str, Any]
Answer = Callable[[], Awaitable[web.Response]]
# A vendor-shaped error answer: (status, code, message) -> response.
ErrorAnswer = Callable[[int, str, str], web.Response]

# Where the foreign_next_link fault points a list's next page: a cloud metadata address that a
# client following next links blindly would fetch (with its credentials).
FOREIGN_NEXT_LINK = "http://169.254.169.254/latest/meta-data/iam/security-credentials/?$skip=20"


@dataclass(slots=True)
class TwinSecrets:
    """The credentials the twins accept (the documented defaults are test credentials)."""

    bc_client_id: str = "twin-client"
    bc_client_secret: str = "twin-secret"  # noqa: S105
    sap_company_db: str = "SBODEMOUS"
    sap_user: str = "manager"
    sap_password: str = "twin-password"  # noqa: S105
    erpnext_api_key: str = "twin-key"
    erpnext_api_secret: str = "twin-secret"  # noqa: S105
    odoo_api_key: str = "twin-odoo-key"
    odoo_database: str = "erpgate"


@dataclass(slots=True)
class TwinConfig:
    """How one twin instance behaves; the seed and "today" are the mock ERP's."""

    secrets: TwinSecrets = field(default_factory=TwinSecrets)
    faults: list[str] = field(default_factory=list)
    seed: int = 4935
    today: dt.date = DEFAULT_TODAY
    # SAP Business One's idle session timeout, in minutes.
    session_timeout_minutes: int = 30
    # Seconds, monotonic: tests replace it to age sessions and tokens without waiting.
    clock: Callable[[], float] = time.monotonic

    def mock_config(self) -> MockErpConfig:
        return MockErpConfig(
            faults=list(self.faults), seed=self.seed, today=self.today, token_expires_in=3599
        )


def new_twin_app(config: TwinConfig) -> tuple[web.Application, MockErpState]:
    """An application holding the mock's state (data, faults, call log) and control routes."""
    state = new_state(config.mock_config())
    app = web.Application()
    app[STATE_KEY] = state
    add_control_routes(app)
    return app, state


def add_index(app: web.Application, name: str, base_path: str) -> None:
    """``GET /``: which twin this is, its API's base URL and the customer codes it knows."""

    async def index(request: web.Request) -> web.Response:
        state = request.app[STATE_KEY]
        return json_response(
            {
                "twin": name,
                "base_url": str(request.url.origin()) + base_path,
                "customers": state.data.customer_codes(),
            }
        )

    app.router.add_get("/", index)


async def record(state: MockErpState, endpoint: str, request: web.Request) -> bytes:
    """Count the call in the control log, as the mock does; the raw body for the route."""
    raw = await request.read()
    record_call(state, endpoint, request, raw)
    return raw


@dataclass(frozen=True, slots=True)
class Vendor:
    """How a twin's vendor answers what the fault hook writes: its error body, the money fields
    contract_break spoils and the free-text fields markup_text fills."""

    error: ErrorAnswer
    money_keys: frozenset[str]
    text_keys: frozenset[str]


def replace_fields(body: Any, keys: frozenset[str], value: Any) -> Any:
    """The same JSON with every field named in ``keys``, at any depth, set to ``value``."""
    if isinstance(body, dict):
        return {k: value if k in keys else replace_fields(v, keys, value) for k, v in body.items()}
    if isinstance(body, list):
        return [replace_fields(item, keys, value) for item in body]
    return body


async def answer_with_faults(
    request: web.Request,
    state: MockErpState,
    endpoint: str,
    answer: Answer,
    *,
    vendor: Vendor,
    cross: Answer | None = None,
) -> web.StreamResponse:
    """The route's answer, or the fault set on its contract endpoint.

    Faults the handlers commit (huge_page, ...) pass through to ``answer``; rate_limit,
    contract_break and markup_text answer in the vendor's shapes; every other kind is the mock's.
    """
    fault = state.fault_for(endpoint)
    if fault is None or fault.kind in HANDLER_MISTAKES:
        return await answer()
    if fault.kind == "rate_limit":
        limited = vendor.error(429, "TooManyRequests", "Rate limit is exceeded. Try again later.")
        limited.headers.update(retry_after_header(fault))
        return limited
    if fault.kind in ("contract_break", "markup_text"):
        normal = await answer()
        if normal.status != 200 or not isinstance(normal.body, bytes):
            return normal
        body = orjson.loads(normal.body)
        if fault.kind == "contract_break":
            return json_response(replace_fields(body, vendor.money_keys, "abc"))
        return json_response(replace_fields(body, vendor.text_keys, MARKUP_NAME))
    return await apply_fault(
        request, endpoint, fault, answer, state.rng.random, cross if cross is not None else answer
    )


def list_mistake(state: MockErpState, endpoint: str) -> str | None:
    """The list fault a handler commits itself: "huge_page" or "foreign_next_link"."""
    fault = state.mistake(endpoint)
    if fault is not None and fault.kind in ("huge_page", "foreign_next_link"):
        return fault.kind
    return None


def huge_rows(rows: Sequence[Json], state: MockErpState, endpoint: str) -> list[Json]:
    """The huge_page fault's rows: the matching rows repeated up to the fault's row count."""
    fault = state.mistake(endpoint)
    count = fault.rows if fault is not None else 0
    return list(itertools.islice(itertools.cycle(rows), count)) if rows else []


def other_customers_rows(
    all_rows: Iterable[Json], matched: Sequence[Json], code_of: Callable[[Json], str]
) -> list[Json]:
    """The cross_customer fault's list: rows of customers other than the ones asked about."""
    asked = {code_of(row) for row in matched}
    return [row for row in all_rows if code_of(row) not in asked]


def numeric_id(mock_id: str) -> int:
    """SO-100100 -> 100100: the integer keys of ERPs that number documents."""
    return int(mock_id.rsplit("-", 1)[-1])


def number(text: str) -> float:
    """A money text of the mock as a JSON number, as these ERPs send amounts."""
    return float(Decimal(text))


def days_after(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()
