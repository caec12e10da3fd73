"""Reading an ERP answer: capped body, status, JSON, contract and customer checks, as sentences.

Size-cap policy: a body over the cap is an ``ErpContractError`` with kind ``oversized`` (the ERP
answered, but not within the contract's limits); it is neither retried nor counted by the breaker.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any, TypeVar

import orjson
from aiohttp import ClientResponse
from pydantic import BaseModel, ValidationError

from erpgate.erp.contract import SubmitOrderRejection
from erpgate.erp.errors import (
    ErpBusyError,
    ErpClientStatusError,
    ErpContractError,
    ErpCrossCustomerError,
    ErpError,
    ErpErrorAnswerError,
    ErpNotFoundError,
    ErpNotJsonError,
    ErpOrderRejectedError,
    ErpOversizedError,
    ErpRateLimitedError,
    ErpRedirectError,
    ErpServerStatusError,
    ErpUnauthorizedError,
)
from erpgate.kit.clock import utcnow

T = TypeVar("T", bound=BaseModel)

READ_CHUNK_BYTES = 64 * 1024
RETRYABLE_STATUSES = frozenset({502, 503, 504})


def size_text(cap: int) -> str:
    if cap >= 1024 * 1024 and cap % (1024 * 1024) == 0:
        return f"{cap // (1024 * 1024)} MB"
    if cap >= 1024 and cap % 1024 == 0:
        return f"{cap // 1024} KB"
    return f"{cap} bytes"


def oversized(cap: int) -> ErpOversizedError:
    return ErpOversizedError(f"Answer was larger than {size_text(cap)}")


def declared_length(response: ClientResponse) -> int | None:
    value = response.headers.get("Content-Length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


async def read_capped(response: ClientResponse, cap: int) -> tuple[bytes, bool]:
    """Read at most cap+1 bytes in chunks; the flag says the body went past the cap."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await response.content.read(min(READ_CHUNK_BYTES, cap + 1 - size))
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            return b"".join(chunks)[:cap], True


def status_phrase(status: int, reason: str | None = None) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = reason or ""
    return f"{status} {phrase}".strip()


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds (from seconds or an HTTP date); None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - utcnow()).total_seconds())


def error_for_status(
    status: int,
    reason: str | None,
    headers: Mapping[str, str],
    *,
    by_id: bool,
    subject: str = "ERP",
) -> ErpError:
    """The error a non-2xx status stands for."""
    phrase = status_phrase(status, reason)
    if 300 <= status < 400:
        return ErpRedirectError(
            f"{subject} redirected to another address; redirects are not followed",
            status=status,
        )
    if status in (401, 403):
        return ErpUnauthorizedError(f"{subject} refused the credentials ({phrase})", status=status)
    if status == 404 and by_id:
        return ErpNotFoundError("ERP answered not found (404)", status=status)
    if status == 429:
        return ErpRateLimitedError(
            f"{subject} asked us to slow down ({phrase})",
            status=status,
            retry_after=retry_after_seconds(headers.get("Retry-After")),
        )
    if status in RETRYABLE_STATUSES:
        return ErpBusyError(
            f"{subject} answered {phrase}",
            status=status,
            retry_after=retry_after_seconds(headers.get("Retry-After")),
        )
    if status >= 500:
        return ErpServerStatusError(f"{subject} answered {phrase}", status=status)
    # 4xx, and the odd 1xx/2xx-less statuses that reach here (a 2xx never does).
    return ErpClientStatusError(f"{subject} answered {phrase}", status=status)


def rejection(body: bytes) -> ErpOrderRejectedError:
    """A submit_order 422: the ERP's reasons, the first (and how many more) in the sentence."""
    try:
        reasons = SubmitOrderRejection.model_validate_json(body).errors
    except ValidationError:
        return ErpOrderRejectedError(
            "ERP rejected the order (422) without the errors list the contract asks for"
        )
    first = reasons[0]
    where = f"{first.field[:80]}: " if first.field else ""
    more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
    return ErpOrderRejectedError(
        f"ERP rejected the order: {where}{first.message[:200]}{more}", reasons=tuple(reasons)
    )


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ErpNotJsonError("Answer was not JSON") from None


def check_customer(parsed: Any, expected: str | None) -> None:
    """Refuse an answer carrying another customer's customer_code anywhere inside it."""
    if expected is None:
        return
    stack = [parsed]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                # null means "not given" (tolerant reading); only a different code is refused.
                if key == "customer_code" and value is not None:
                    _same_customer(value, expected)
                if isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, dict | list))


def _same_customer(value: object, expected: str) -> None:
    if str(value) != expected:
        raise ErpCrossCustomerError(
            f"Answer belongs to another customer (customer_code {str(value)[:40]})"
        )


_CUSTOMER_KEY = b'"customer_code"'


def _declared_customer_codes(value: BaseModel) -> list[str | None] | None:
    """The customer codes the contract's answer models declare, as given (null included), or
    None for a model without any."""
    data = getattr(value, "data", None)
    rows = data if isinstance(data, list) else [data] if data is not None else []
    codes: list[str | None] = []
    for row in rows:
        if isinstance(row, BaseModel) and "customer_code" in row.model_fields_set:
            codes.append(getattr(row, "customer_code", None))
    return codes


def validate_answer(
    body: bytes, model: type[T], *, by_id: bool, expected_customer_code: str | None
) -> T:
    """The contract model straight from the bytes, the not-found convention, the customer guard.

    The cross-customer guard reads the codes the model declares (rows, details, the balance);
    only when the bytes hold more ``"customer_code"`` keys than those (an undeclared field) does
    it parse the whole answer again and look everywhere.
    """
    try:
        value = model.model_validate_json(body)
    except ValidationError as exc:
        raise _unusable(body, exc, by_id=by_id, expected=expected_customer_code) from None
    if by_id and getattr(value, "data", False) is None:
        raise ErpNotFoundError("ERP answered not found (data is null)")
    if expected_customer_code is not None:
        mentioned = body.count(_CUSTOMER_KEY)
        if mentioned:
            codes = _declared_customer_codes(value) or []
            for code in codes:
                if code is not None:
                    _same_customer(code, expected_customer_code)
            if mentioned > len(codes):
                check_customer(orjson.loads(body), expected_customer_code)
    return value


def _unusable(body: bytes, exc: ValidationError, *, by_id: bool, expected: str | None) -> ErpError:
    """Why an answer that failed validation is unusable, in the order a developer fixes them:
    not JSON, not an object, the not-found convention, another customer's data, then the first
    contract breach."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ErpNotJsonError("Answer was not JSON")
    if not isinstance(parsed, dict):
        return ErpContractError(
            f"Answer broke the contract: expected a JSON object, got {_json_kind(parsed)}"
        )
    if by_id and "data" in parsed and parsed["data"] is None:
        return ErpNotFoundError("ERP answered not found (data is null)")
    try:
        check_customer(parsed, expected)
    except ErpCrossCustomerError as cross:
        return cross
    if parsed.get("error") is not None:
        # An ERP reporting a failure inside a 200: say so rather than "data is missing".
        shown = quoted(parsed["error"], 80)
        return ErpErrorAnswerError(
            f"Answer broke the contract: status 200 with an error instead of data "
            f'("error": {shown}); an error needs a 4xx or 5xx status'
        )
    return ErpContractError(f"Answer broke the contract: {describe_validation_error(exc)}")


def quoted(value: Any, limit: int = 40) -> str:
    """A value as JSON, cut to ``limit`` characters: how sentences quote what an ERP sent."""
    text = orjson.dumps(value, default=str).decode()
    return text if len(text) <= limit else text[: limit - 1] + "…"


_MESSAGES = {
    "missing": "is missing",
    "decimal_parsing": "is not a number",
    "decimal_type": "is not a number",
    "float_parsing": "is not a number",
    "float_type": "is not a number",
    "int_parsing": "is not a whole number",
    "int_type": "is not a whole number",
    "int_from_float": "is not a whole number",
    "finite_number": "is not a finite number",
    "date_parsing": "is not a date",
    "date_type": "is not a date",
    "date_from_datetime_parsing": "is not a date",
    "date_from_datetime_inexact": "is not a date",
    "datetime_parsing": "is not a date",
    "datetime_type": "is not a date",
    "datetime_from_date_parsing": "is not a date",
    "string_type": "is not text",
    "bool_parsing": "is not true or false",
    "bool_type": "is not true or false",
    "list_type": "is not a list",
    "dict_type": "is not an object",
    "model_type": "is not an object",
    "model_attributes_type": "is not an object",
}


def describe_validation_error(exc: ValidationError) -> str:
    """The first error as 'data[3].total is not a number: "1,234.50"' (the value when it is one)."""
    error = exc.errors(include_url=False)[0]
    path = _join_loc(error["loc"])
    message = _MESSAGES.get(error["type"])
    if message is None:
        message = str(error["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        elif message.startswith("Assertion failed, "):
            message = message[len("Assertion failed, ") :]
        if not message.startswith(("is ", "must ", "should ")):
            message = "is invalid: " + message[:1].lower() + message[1:]
    value = error.get("input")
    if error["type"] != "missing" and (value is None or isinstance(value, str | int | float)):
        message += f": {quoted(value)}"
    return f"{path} {message}" if path else message


def _join_loc(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "[" in part:
            # pydantic's union branch tags (e.g. "function-after[...]"): not part of the path.
            continue
        else:
            text += f".{part}" if text else part
    return text


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"
