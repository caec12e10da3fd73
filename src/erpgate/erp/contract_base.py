"""The ERP contract's primitives: money, dates, the tolerant base model and the wire request.

``contract`` builds every request and answer from these; they live apart so the contract module
stays about its shapes.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetPydanticSchema,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError, core_schema

from erpgate.kit.money import MoneyError, parse_money


def _parse_money(value: object) -> Decimal:
    try:
        return parse_money(value)
    except MoneyError as exc:
        # A custom error keeps the message exactly "is not a number" (no "Value error, " prefix).
        raise PydanticCustomError("money", str(exc)) from exc


def decimal_text(value: Decimal) -> str:
    """A decimal as the contract writes it: plain notation, never an exponent ("1E+2")."""
    return format(value, "f")


# YYYY-MM-DD, optionally followed by a time, with or without an offset. Only the date as written
# is used: "2026-10-02T23:30:00-05:00" is October 2 even though it is October 3 in UTC, and a
# time without an offset is read the same way, so an offset changes nothing and is not required.
DATE_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_DATE = re.compile(DATE_PATTERN)


def parse_erp_date(value: object) -> dt.date:
    """The calendar date an ERP wrote; ValueError for anything else ("10/02/2026", 20261002)."""
    if type(value) is str:  # from JSON, always: tested first, it is the hot path
        text = value.strip()
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return dt.date.fromisoformat(text)  # the usual case, read without the pattern
        if _DATE.match(text):
            return dt.date.fromisoformat(text[:10])  # ValueError for a day that does not exist
        raise ValueError("is not a date")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise ValueError("is not a date")


def _parse_date(value: object) -> dt.date:
    try:
        return parse_erp_date(value)
    except ValueError:
        raise PydanticCustomError("erp_date", "is not a date") from None


def none_as_empty_list(value: object) -> object:
    return [] if value is None else value


Money = Annotated[
    Decimal,
    BeforeValidator(_parse_money),
    PlainSerializer(decimal_text, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}, {"type": "number"}],
            "description": "A decimal as a JSON string (preferred) or number; no thousands "
            "separators.",
            "examples": ["1523.40"],
        }
    ),
]
"""A decimal amount or quantity: JSON string or number in, exact ``Decimal`` inside."""

# A plain "YYYY-MM-DD" string (nearly every date an ERP sends) is read by pydantic itself, in
# strict mode (no numbers taken as timestamps); anything else goes to ``parse_erp_date``. One
# error either way, the one ``_parse_date`` gives.
_ERP_DATE_SCHEMA = core_schema.union_schema(
    [
        core_schema.date_schema(strict=True),
        core_schema.no_info_plain_validator_function(_parse_date),
    ],
    mode="left_to_right",
    custom_error_type="erp_date",
    custom_error_message="is not a date",
)

ErpDate = Annotated[
    dt.date,
    GetPydanticSchema(lambda _source, _handler: _ERP_DATE_SCHEMA),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DATE_PATTERN,
            "description": "ISO 8601 date (YYYY-MM-DD), or a date-time with or without an "
            "offset, of which the date as written is used (no time-zone conversion).",
            "examples": ["2026-10-02", "2026-10-02T23:30:00-05:00"],
        }
    ),
]
"""An ISO 8601 date, or a date-time (offset optional) of which only the date as written is kept."""


class ContractModel(BaseModel):
    """Base of every contract shape: tolerant of unknown fields and of numbers where text is due."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class WireRequest(ContractModel):
    """A request we send; ``to_wire`` is its exact JSON body."""

    # Taxes requests leave unset extras out, as the contract's example does; the others keep nulls.
    _wire_exclude_none: ClassVar[bool] = False

    def to_wire(self) -> dict[str, Any]:
        """The JSON body exactly as the contract shows it."""
        return self.model_dump(mode="json", exclude_none=self._wire_exclude_none)

    def wire_json(self) -> bytes:
        """``to_wire`` encoded: the bytes that go on the wire, produced in one step."""
        return self.__pydantic_serializer__.to_json(self, exclude_none=self._wire_exclude_none)


# -- shared shapes ---------------------------------------------------------------------------


class Address(ContractModel):
    name: str | None = None
    address1: str | None = None
    address2: str | None = None
    address3: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
