"""The adapter preview: one endpoint's mapping shown on a pasted ERP answer, or on a live read.

A pasted answer is mapped offline exactly as a live read maps it (``map_recorded``), then held
to the endpoint's contract model like any ERP answer; nothing is sent anywhere. Without one, the
ERP is asked through the gateway with the store's Key and Token, as Test integration does, so
the call is an event and its requests are shown masked. Errors name the mapping line they most
likely come from, so the fix starts in the right place.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.customer import service as customer_service
from erpgate.db.engine import release_connection
from erpgate.erp.adapters.mapping import line_of
from erpgate.erp.adapters.outgoing import AdapterPlan
from erpgate.erp.adapters.profile import Profile
from erpgate.erp.adapters.reading import map_recorded
from erpgate.erp.adapters.targets import adapter_target
from erpgate.erp.attempts import masked
from erpgate.erp.contract import (
    RESPONSE_MODELS,
    BalanceRequest,
    InvoiceRequest,
    InvoicesListRequest,
    OrderRequest,
    OrdersListRequest,
    WireRequest,
)
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpError, ErpNotFoundError
from erpgate.erp.gateway import ErpGateway
from erpgate.erp.outcome import Actor, ErpCall
from erpgate.erp.reading import validate_answer
from erpgate.errors import ValidationFailed
from erpgate.integration import service as integration_service
from erpgate.integration.adapter import ADAPTABLE_NAMES, adapter_secrets
from erpgate.kit.crypto import SecretBox

ID_LIMIT = 200
CONTRACT_PREFIX = "Answer broke the contract: "
_MAPPING_LINE = re.compile(r"mapping line (\d+)")
BY_ID = {Endpoint.ORDER: "order_id", Endpoint.INVOICE: "invoice_id"}


@dataclass(frozen=True, slots=True)
class PreviewInputs:
    """What the preview form or the API sent, stripped; ``answer`` is None for a live read."""

    endpoint: str
    customer_code: str
    answer: Any = None
    order_id: str = ""
    invoice_id: str = ""


@dataclass(frozen=True, slots=True)
class PreviewPlan:
    endpoint: Endpoint
    request: WireRequest
    answer: bytes | None  # the pasted answer as JSON bytes


@dataclass(slots=True)
class PreviewResult:
    ok: bool
    mapped: Any = None
    errors: list[tuple[str, int | None]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None


def check_inputs(inputs: PreviewInputs, profile: Profile | None) -> PreviewPlan:
    """The preview's plan, or ValidationFailed naming each field that cannot work."""
    problems: dict[str, str] = {}
    endpoint: Endpoint | None = None
    if inputs.endpoint not in ADAPTABLE_NAMES:
        problems["endpoint"] = f"Choose one of {', '.join(ADAPTABLE_NAMES)}."
    else:
        endpoint = Endpoint(inputs.endpoint)
        if profile is not None and profile.endpoint(endpoint) is None:
            problems["endpoint"] = f"The profile does not map {endpoint.value}."
    if profile is None:
        problems["profile"] = "No adapter profile is saved: save one, or send one to preview."
    code_problem = customer_service.customer_code_problem(inputs.customer_code)
    if code_problem is not None:
        problems["customer_code"] = code_problem
    id_field = BY_ID.get(endpoint) if endpoint is not None else None
    if id_field is not None:
        value = getattr(inputs, id_field)
        if not value:
            problems[id_field] = f"The {endpoint} preview needs the {id_field.replace('_', ' ')}."
        elif len(value) > ID_LIMIT:
            problems[id_field] = f"At most {ID_LIMIT} characters."
    answer = None
    try:
        answer = answer_bytes(inputs.answer)
    except ValueError as exc:
        problems["answer"] = str(exc)
    if problems or endpoint is None:
        raise ValidationFailed("Check the preview's fields marked below.", fields=problems)
    return PreviewPlan(endpoint, contract_request(endpoint, inputs), answer)


def answer_bytes(answer: Any) -> bytes | None:
    """The pasted answer as JSON bytes: JSON text is checked, a JSON value is encoded."""
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return None
    if not isinstance(answer, str):
        return orjson.dumps(answer)
    try:
        orjson.loads(answer)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"The pasted answer is not JSON ({exc}).") from None
    return answer.encode()


def contract_request(endpoint: Endpoint, inputs: PreviewInputs) -> WireRequest:
    code = inputs.customer_code
    if endpoint is Endpoint.ORDERS:
        return OrdersListRequest(customer_code=code)
    if endpoint is Endpoint.ORDER:
        return OrderRequest(customer_code=code, order_id=inputs.order_id)
    if endpoint is Endpoint.INVOICES:
        return InvoicesListRequest(customer_code=code)
    if endpoint is Endpoint.INVOICE:
        return InvoiceRequest(customer_code=code, invoice_id=inputs.invoice_id)
    return BalanceRequest(customer_code=code)


def error_line(mapping: str, message: str) -> int | None:
    """The mapping line an error points at: the one it names, else the line that names the
    field a contract breach is about (``data[0].date is missing`` -> the ``"date"`` line)."""
    named = _MAPPING_LINE.search(message)
    if named:
        return int(named.group(1))
    return line_of(mapping, message.split(CONTRACT_PREFIX, 1)[-1])


def _failure(profile: Profile, endpoint: Endpoint, error: ErpError) -> PreviewResult:
    mapping = profile.endpoints[endpoint.value].mapping
    return PreviewResult(ok=False, errors=[(error.human, error_line(mapping, error.human))])


async def preview_answer(
    gateway: ErpGateway, profile: Profile, plan: PreviewPlan, *, seconds: float
) -> PreviewResult:
    """The pasted answer mapped and checked against the contract; nothing leaves erpgate."""
    assert plan.answer is not None
    spec = profile.endpoints[plan.endpoint.value]
    adapter = AdapterPlan(profile=profile, spec=spec, endpoint=plan.endpoint, static_headers=())
    request = orjson.loads(plan.request.wire_json())
    try:
        mapped = await map_recorded(adapter, gateway.mapping, request, plan.answer, seconds)
    except ErpError as exc:
        return _failure(profile, plan.endpoint, exc)
    shown = orjson.loads(mapped)
    try:
        validate_answer(
            mapped,
            RESPONSE_MODELS[plan.endpoint],
            by_id=plan.endpoint in BY_ID,
            expected_customer_code=request["customer_code"],
        )
    except ErpNotFoundError as exc:
        return PreviewResult(ok=True, mapped=shown, note=f"{exc.human}: no such record.")
    except ErpError as exc:
        result = _failure(profile, plan.endpoint, exc)
        result.mapped = shown
        return result
    return PreviewResult(ok=True, mapped=shown)


async def preview_live(
    gateway: ErpGateway,
    box: SecretBox,
    db: AsyncSession,
    store_id: uuid.UUID,
    profile: Profile,
    plan: PreviewPlan,
) -> PreviewResult:
    """The ERP asked through the profile, as the storefront would ask it (an event)."""
    live = await integration_service.load_live_integration(db, store_id, box, gateway.options)
    integration = await integration_service.get_integration(db, store_id)
    key, token = adapter_secrets(integration.adapter if integration is not None else None, box)
    code = orjson.loads(plan.request.wire_json())["customer_code"]
    account = await customer_service.find_account_by_code(db, store_id, code)
    target = adapter_target(
        gateway.options,
        store_id=store_id,
        endpoint=plan.endpoint,
        profile=profile,
        timeout_seconds=live.timeouts[plan.endpoint],
        key=key,
        token=token,
    )
    actor = Actor(
        source="admin test",
        customer_account_id=account.id if account is not None else None,
        customer_code=code,
    )
    await release_connection(db)  # hold no connection while the ERP answers
    call = ErpCall.of(plan.endpoint, plan.request, RESPONSE_MODELS[plan.endpoint], actor)
    outcome = await gateway.read(target, call)
    requests = [
        {
            "method": record.method,
            "url": record.url,
            "status": record.status,
            "duration_ms": round(record.duration_ms, 1),
        }
        for record in map(masked, outcome.attempts)
    ]
    if outcome.not_found:
        return PreviewResult(ok=True, requests=requests, note="The ERP has no such record.")
    if outcome.error is not None:
        result = _failure(profile, plan.endpoint, outcome.error)
        result.requests = requests
        return result
    assert outcome.value is not None
    mapped = outcome.value.model_dump(mode="json", exclude_unset=True)
    return PreviewResult(ok=True, mapped=mapped, requests=requests)
