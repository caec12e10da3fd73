"""Recorded ERP answers checked offline: `erpgate check-erp --profile NAME --fixtures FILE`.

A fixture file holds ERP answers as the ERP sent them (exported from Developers › Events, or
written by hand) with the contract request they answered. Each one is mapped by the profile and
validated by the contract models exactly as a live read would be; when a fixture carries
``expect`` (golden contract JSON), the mapped answer must equal it. No ERP is called, so a
mapping change can be tested in CI.

File format (JSON)::

    {"format": "erpgate-fixtures/1",
     "fixtures": [{"name": "...", "endpoint": "orders",
                   "request": {"customer_code": "C0004935", "page": 1, "page_size": 20},
                   "answer": <the ERP's answer body, as JSON>,
                   "expect": <optional: the contract JSON it must map to>}]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from erpgate.erp.adapters.mapping import MappingPool
from erpgate.erp.adapters.outgoing import AdapterPlan
from erpgate.erp.adapters.profile import ADAPTABLE, Profile
from erpgate.erp.adapters.reading import map_recorded
from erpgate.erp.contract import RESPONSE_MODELS
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpError
from erpgate.erp.reading import validate_answer

FORMAT = "erpgate-fixtures/1"
MAPPING_SECONDS = 5.0


class FixtureProblem(ValueError):
    """The fixture file cannot be read; the message says which fixture and why."""


@dataclass(frozen=True, slots=True)
class Fixture:
    name: str
    endpoint: Endpoint
    request: dict[str, Any]
    answer: bytes
    expect: Any = None


@dataclass(frozen=True, slots=True)
class FixtureResult:
    name: str
    passed: bool
    sentence: str
    mapped: Any = None


def read_fixtures(path: Path) -> list[Fixture]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise FixtureProblem(f"Cannot read fixture file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise FixtureProblem(f"Fixture file {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise FixtureProblem(f'Fixture file {path} must be an object with "format": "{FORMAT}"')
    items = data.get("fixtures")
    if not isinstance(items, list) or not items:
        raise FixtureProblem(f"Fixture file {path} holds no fixtures")
    return [_fixture(item, index) for index, item in enumerate(items)]


def _fixture(item: Any, index: int) -> Fixture:
    where = f"fixtures[{index}]"
    if not isinstance(item, dict):
        raise FixtureProblem(f"{where} must be an object")
    name = str(item.get("name") or f"{where} ({item.get('endpoint')})")
    try:
        endpoint = Endpoint(str(item.get("endpoint")))
    except ValueError:
        names = ", ".join(e.value for e in ADAPTABLE)
        raise FixtureProblem(f"{name}: endpoint must be one of {names}") from None
    if endpoint not in ADAPTABLE:
        raise FixtureProblem(f"{name}: an adapter does not serve {endpoint.value}")
    request = item.get("request")
    if not isinstance(request, dict) or not request.get("customer_code"):
        raise FixtureProblem(f"{name}: request must be an object with a customer_code")
    if "answer" not in item:
        raise FixtureProblem(f"{name}: the recorded answer is missing")
    answer = item["answer"]
    body = answer.encode() if isinstance(answer, str) else orjson.dumps(answer)
    return Fixture(name, endpoint, request, body, item.get("expect"))


async def check_fixtures(profile: Profile, fixtures: list[Fixture]) -> list[FixtureResult]:
    pool = MappingPool(workers=1)
    try:
        return [await _check(profile, fixture, pool) for fixture in fixtures]
    finally:
        await pool.close()


async def _check(profile: Profile, fixture: Fixture, pool: MappingPool) -> FixtureResult:
    spec = profile.endpoint(fixture.endpoint)
    if spec is None:
        return FixtureResult(fixture.name, False, f"the profile does not map {fixture.endpoint}")
    plan = AdapterPlan(profile, spec, fixture.endpoint, static_headers=())
    request = {"page": 1, "page_size": 20, **fixture.request}
    try:
        mapped = await map_recorded(plan, pool, request, fixture.answer, MAPPING_SECONDS)
        validate_answer(
            mapped,
            RESPONSE_MODELS[fixture.endpoint],
            by_id=fixture.endpoint in (Endpoint.ORDER, Endpoint.INVOICE),
            expected_customer_code=str(request["customer_code"]),
        )
    except ErpError as exc:
        return FixtureResult(fixture.name, False, exc.human)
    value = orjson.loads(mapped)
    if fixture.expect is not None and value != fixture.expect:
        return FixtureResult(
            fixture.name, False, "mapped to other contract JSON than expected", value
        )
    rows = value.get("data")
    size = f"{len(rows)} rows" if isinstance(rows, list) else "one record"
    return FixtureResult(fixture.name, True, f"maps to a valid contract answer ({size})", value)
