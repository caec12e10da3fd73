"""Answer reading helpers: Retry-After, sentences for validation errors, options from settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import BaseModel, ValidationError, field_validator

from erpgate.config import Settings
from erpgate.erp.contract import OrderResponse
from erpgate.erp.errors import ErpContractError
from erpgate.erp.options import ErpClientOptions
from erpgate.erp.reading import (
    describe_validation_error,
    retry_after_seconds,
    size_text,
    validate_answer,
)
from erpgate.erp.ssrf import check_url
from erpgate.kit.clock import utcnow


def test_retry_after_reads_seconds_and_http_dates() -> None:
    later = (utcnow() + timedelta(seconds=120)).strftime("%a, %d %b %Y %H:%M:%S GMT")

    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert 100.0 < (retry_after_seconds(later) or 0.0) <= 120.0


class Shipment(BaseModel):
    code: str

    @field_validator("code")
    @classmethod
    def _upper(cls, value: str) -> str:
        if value != value.upper():
            raise ValueError("must be upper case")
        return value


class Holder(BaseModel):
    shipments: list[Shipment]


def test_value_errors_keep_their_own_words() -> None:
    with pytest.raises(ValidationError) as caught:
        Holder.model_validate({"shipments": [{"code": "A"}, {"code": "b"}]})

    assert describe_validation_error(caught.value) == 'shipments[1].code must be upper case: "b"'


def test_sizes_read_like_a_person_wrote_them() -> None:
    assert [size_text(5 * 1024 * 1024), size_text(2048), size_text(1000)] == [
        "5 MB",
        "2 KB",
        "1000 bytes",
    ]


async def test_numeric_ipv4_forms_are_resolved_and_refused() -> None:
    assert await check_url("http://2130706433/x", ErpClientOptions()) == (
        "Refused to call 2130706433: it resolves to 127.0.0.1, a loopback address"
    )


def test_options_from_settings() -> None:
    development = Settings(
        allowed_private_hosts="127.0.0.1, ERP.Local",
        erp_breaker_min_calls=7,
        erp_breaker_min_customers=2,
    )
    production = Settings(
        environment="production",
        session_secret="s" * 40,
        secret_keys="bXktb3duLWtleS1mb3ItdGVzdHMtb25seS0xMjM0NTY=",
    )

    options = ErpClientOptions.from_settings(development)
    assert options.allowed_private_hosts == frozenset({"127.0.0.1", "erp.local"})
    assert (options.require_https, options.breaker_min_calls) == (False, 7)
    assert (options.breaker_min_customers, options.breaker_failure_rate) == (2, 0.5)
    assert ErpClientOptions.from_settings(production).require_https is True
    assert options.user_agent == "erpgate/0.1.0"


def test_a_200_carrying_an_error_says_so() -> None:
    body = b'{"error": "not_found", "message": "No such order"}'

    with pytest.raises(ErpContractError) as caught:
        validate_answer(body, OrderResponse, by_id=True, expected_customer_code="C1")

    assert caught.value.human == (
        'Answer broke the contract: status 200 with an error instead of data ("error": '
        '"not_found"); an error needs a 4xx or 5xx status'
    )
