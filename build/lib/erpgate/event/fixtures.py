"""Related requests exported as a fixture file for ``erpgate check-erp --fixtures``. Never commits.

A fixture is one recorded ERP answer with the contract request it answered, so a profile's
mapping can be tested offline against what the ERP really sent. Only stored columns are read:
bodies and URLs were masked before they were written (``erp.attempts.masked``), and headers are
left out altogether, so an export holds no more than the request page already shows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.erp.adapters.profile import ADAPTABLE, LIST_ENDPOINTS
from erpgate.erp.endpoints import Endpoint
from erpgate.errors import ValidationFailed
from erpgate.event import repository
from erpgate.models.event import Event
from erpgate.models.related_request import RelatedRequest

# The format `erpgate.conformance.fixtures` reads; that package sits above this one, so the name
# is repeated here and a test holds the two equal.
FORMAT = "erpgate-fixtures/1"
MAX_FIXTURES = 100
DEFAULT_PAGE = {"page": 1, "page_size": 20}
_ADAPTABLE = frozenset(endpoint.value for endpoint in ADAPTABLE)
_LISTS = frozenset(endpoint.value for endpoint in LIST_ENDPOINTS)
_BY_ID = {Endpoint.ORDER.value: "order_id", Endpoint.INVOICE.value: "invoice_id"}
# Query (or JSON body) parameters of each paging style: (offset, rows asked for).
_PAGING_PAIRS = (("$skip", "$top"), ("limit_start", "limit_page_length"), ("offset", "limit"))


@dataclass(frozen=True, slots=True)
class FixtureExport:
    document: dict[str, Any]  # the file's JSON
    count: int


def short_id(request_id: uuid.UUID) -> str:
    return request_id.hex[:8]


def _answer_problem(row: RelatedRequest) -> str | None:
    """Why the row's answer cannot be a fixture, or None when it is complete JSON."""
    if row.bodies_purged or row.response_body is None:
        return "its bodies were purged by the retention policy"
    if row.response_body_encoding != "utf-8":
        return "its answer is binary, not JSON"
    if row.response_truncated:
        return "its answer was cut at the storage limit"
    try:
        answer = orjson.loads(row.response_body)
    except orjson.JSONDecodeError:
        return "its answer is not JSON"
    if not isinstance(answer, dict | list):
        # The fixture reader takes a string answer as the raw body, not as a JSON string.
        return "its answer is JSON but neither an object nor a list"
    return None


def _is_token_request(row: RelatedRequest) -> bool:
    # An OAuth2 token request's answer holds credentials (masked), never an ERP record.
    return any(
        str(name).lower() == "content-type" and "x-www-form-urlencoded" in str(value)
        for name, value in row.request_headers
    )


def exportable(row: RelatedRequest) -> bool:
    """Whether the event page offers the row for export: a JSON answer of an adaptable read."""
    return (
        row.endpoint in _ADAPTABLE and not _is_token_request(row) and _answer_problem(row) is None
    )


def _request_json(row: RelatedRequest) -> Any:
    if not row.request_body or row.request_body_encoding != "utf-8" or row.request_truncated:
        return None
    try:
        return orjson.loads(row.request_body)
    except orjson.JSONDecodeError:
        return None


def _as_int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number >= 0 else None


def recorded_page(row: RelatedRequest, body: Any) -> dict[str, int]:
    """The contract page an adapter request asked for, read back from its paging parameters.

    erpgate asks the ERP for one row more than the page (``erp.adapters.reading``), so the rows
    asked for minus one is the page size; the offset divided by it gives the page. Parameters it
    cannot read leave the defaults.
    """
    params: dict[str, Any] = dict(parse_qsl(urlsplit(row.url).query))
    if isinstance(body, dict):
        params.update(body)
    for skip_name, top_name in _PAGING_PAIRS:
        skip, top = _as_int(params.get(skip_name)), _as_int(params.get(top_name))
        if skip is None or top is None or top < 2:
            continue
        size = top - 1
        return {"page": skip // size + 1, "page_size": size}
    return dict(DEFAULT_PAGE)


def fixture_request(event: Event, row: RelatedRequest) -> dict[str, Any]:
    """The contract request the recorded answer belongs to."""
    body = _request_json(row)
    if isinstance(body, dict) and isinstance(body.get("customer_code"), str):
        # A contract-URL call: its body is the contract request itself. Unset fields (null on
        # the wire) are left out, as a person writing the file by hand would leave them.
        request: dict[str, Any] = {k: v for k, v in body.items() if v is not None}
        if event.endpoint in _LISTS:
            request = {**DEFAULT_PAGE, **request}
        return request
    request = {"customer_code": event.customer_code}
    if event.endpoint in _LISTS:
        request.update(recorded_page(row, body))
    # An adapter's by-id request names the record in the ERP's own terms (a path, a filter); it
    # is not guessed back into order_id/invoice_id: docs/events.md says to add it by hand.
    return request


def fixture_of(event: Event, row: RelatedRequest) -> dict[str, Any]:
    path = urlsplit(row.url).path or "/"
    return {
        "name": f"{event.endpoint} {short_id(event.id)} {row.method} {path}",
        "endpoint": event.endpoint,
        "request": fixture_request(event, row),
        "answer": orjson.loads(row.response_body or "null"),
    }


def _refusal(event: Event | None, row: RelatedRequest) -> str | None:
    if event is None:
        return "belongs to no stored event"
    if event.endpoint not in _ADAPTABLE:
        return f"its endpoint {event.endpoint} is not read through adapters"
    if _is_token_request(row):
        return "it is a token request, not an ERP read"
    if not fixture_request(event, row).get("customer_code"):
        return "its event names no customer account"
    return _answer_problem(row)


async def export_fixtures(
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    request_ids: list[uuid.UUID],
    event_ids: list[uuid.UUID],
) -> FixtureExport:
    """The chosen related requests, and the successful JSON answers of the chosen events, as one
    fixture file; ValidationFailed naming every id that cannot be exported (another store's ids
    are unknown here)."""
    request_ids = list(dict.fromkeys(request_ids))
    event_ids = list(dict.fromkeys(event_ids))
    if not request_ids and not event_ids:
        raise ValidationFailed("Choose at least one related request to export.")
    if len(request_ids) + len(event_ids) > MAX_FIXTURES:
        raise ValidationFailed(f"At most {MAX_FIXTURES} requests can be exported at once.")
    rows = await repository.requests_by_ids(db, store_id, request_ids)
    unknown = [str(i) for i in request_ids if i not in rows]
    events = await repository.events_by_ids(db, store_id, event_ids)
    unknown += [str(i) for i in event_ids if i not in events]
    if unknown:
        raise ValidationFailed(
            "Unknown related request or event id(s): " + ", ".join(unknown) + ".",
            code="not_found",
        )
    chosen = [rows[i] for i in request_ids]
    by_trace = await repository.events_of_traces(db, store_id, [r.trace_id for r in chosen])
    pairs: list[tuple[Event | None, RelatedRequest]] = [
        (by_trace.get(r.trace_id), r) for r in chosen
    ]
    pairs += await _answers_of_events(db, store_id, [events[i] for i in event_ids], chosen)
    refused = [f"{row.request_id} ({why})" for event, row in pairs if (why := _refusal(event, row))]
    if refused:
        raise ValidationFailed("These requests cannot be exported: " + "; ".join(refused) + ".")
    if not pairs:
        raise ValidationFailed("None of the chosen events has a stored JSON answer to export.")
    if len(pairs) > MAX_FIXTURES:
        raise ValidationFailed(
            f"The chosen events hold {len(pairs)} answers; at most {MAX_FIXTURES} can be "
            "exported at once."
        )
    fixtures = [fixture_of(event, row) for event, row in pairs if event is not None]
    return FixtureExport({"format": FORMAT, "fixtures": fixtures}, len(fixtures))


async def _answers_of_events(
    db: AsyncSession, store_id: uuid.UUID, events: list[Event], already: list[RelatedRequest]
) -> list[tuple[Event | None, RelatedRequest]]:
    """A chosen event's exportable answers: its successful (2xx) related requests with JSON."""
    taken = {row.id for row in already}
    found = await repository.requests_for_traces(db, store_id, [e.trace_id for e in events])
    return [
        (event, row)
        for event in events
        for row in found.get(event.trace_id, [])
        if row.id not in taken
        and row.status is not None
        and 200 <= row.status < 300
        and event.endpoint in _ADAPTABLE
        and exportable(row)
    ]
