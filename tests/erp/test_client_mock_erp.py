"""The client against the reference mock ERP: all ten endpoints, every auth style, every fault."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from tests.erp.loopback import TRACE_ID, started_client, target

from erpgate.erp.contract import (
    RESPONSE_MODELS,
    BalanceRequest,
    InventoryRequest,
    InvoiceRequest,
    InvoicesListRequest,
    OrderRequest,
    OrdersListRequest,
    PriceLine,
    PricesRequest,
    ShippingRequest,
    SubmitOrderRequest,
    TaxesRequest,
)
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import (
    ErpBusyError,
    ErpContractError,
    ErpCrossCustomerError,
    ErpError,
    ErpNotFoundError,
    ErpNotJsonError,
    ErpOrderRejectedError,
    ErpOversizedError,
    ErpRateLimitedError,
    ErpRedirectError,
    ErpRejectedError,
    ErpResetError,
    ErpServerStatusError,
    ErpTimeoutError,
)
from erpgate.mock_erp.server import MockErpHandle

CUSTOMER = "C0004935"
REFERENCE = "W-100042"
MockErpFactory = Callable[..., Awaitable[MockErpHandle]]


def payloads(handle: MockErpHandle) -> dict[Endpoint, dict[str, Any]]:
    data = handle.state.data
    order_id = next(oid for oid, (code, _) in data.order_bodies.items() if code == CUSTOMER)
    invoice_id = next(iid for iid, (code, _) in data.invoice_bodies.items() if code == CUSTOMER)
    return {
        Endpoint.ORDERS: OrdersListRequest(customer_code=CUSTOMER).to_wire(),
        Endpoint.ORDER: OrderRequest(customer_code=CUSTOMER, order_id=order_id).to_wire(),
        Endpoint.INVOICES: InvoicesListRequest(customer_code=CUSTOMER).to_wire(),
        Endpoint.INVOICE: InvoiceRequest(customer_code=CUSTOMER, invoice_id=invoice_id).to_wire(),
        Endpoint.BALANCE: BalanceRequest(customer_code=CUSTOMER).to_wire(),
        Endpoint.TAXES: TaxesRequest.model_validate(
            {
                "request": {
                    "header": {"customer_code": CUSTOMER, "shiptopostcode": "3700"},
                    "lines": [{"item_sku": "TST03", "line_amount": "0.6"}],
                }
            }
        ).to_wire(),
        Endpoint.SHIPPING: ShippingRequest.model_validate(
            {
                "customer_code": CUSTOMER,
                "address1": "12 Main St",
                "city": "GIBSONBURG",
                "state": "OH",
                "country": "US",
                "zip": "43431",
                "items": [
                    {"sku": "5620", "quantity": "2", "unit_price": "16.8", "total_price": "33.6"}
                ],
            }
        ).to_wire(),
        Endpoint.SUBMIT_ORDER: SubmitOrderRequest.model_validate(
            {
                "order_reference": REFERENCE,
                "customer_code": CUSTOMER,
                "placed_at": "2026-11-15T14:03:00Z",
                "currency": "USD",
                "ship_to": {"name": "ACME Warehouse 3", "zip": "43605", "country": "US"},
                "lines": [
                    {
                        "line_number": 1,
                        "sku": "5620",
                        "quantity": "2",
                        "unit_price": "16.80",
                        "line_total": "33.60",
                        "price_source": "catalog",
                    }
                ],
                "shipping": {"label": "Ground", "amount": "10.00", "source": "erp"},
                "tax": {"amount": "2.44", "source": "erp", "estimated": False},
                "totals": {
                    "subtotal": "33.60",
                    "shipping": "10.00",
                    "tax": "2.44",
                    "total": "46.04",
                },
            }
        ).to_wire(),
        Endpoint.PRICES: PricesRequest(
            customer_code=CUSTOMER,
            currency="USD",
            lines=[PriceLine(sku="5620", quantity=Decimal("10"))],
        ).to_wire(),
        Endpoint.INVENTORY: InventoryRequest(customer_code=CUSTOMER, skus=["5620"]).to_wire(),
    }


def call_headers(endpoint: Endpoint) -> tuple[tuple[str, str], ...]:
    return (("Idempotency-Key", REFERENCE),) if endpoint is Endpoint.SUBMIT_ORDER else ()


async def call_all(handle: MockErpHandle, credentials: Credentials) -> dict[Endpoint, Any]:
    results: dict[Endpoint, Any] = {}
    bodies = payloads(handle)
    async with started_client() as (client, sink):
        for endpoint in Endpoint:
            results[endpoint] = await client.call(
                target(handle.urls[endpoint.value], endpoint, credentials=credentials),
                bodies[endpoint],
                RESPONSE_MODELS[endpoint],
                trace_id=TRACE_ID,
                expected_customer_code=CUSTOMER,
                headers=call_headers(endpoint),
            )
    assert all(record.error is None for record in sink.records)
    return results


async def test_all_ten_endpoints_answer_with_bearer(mock_erp: MockErpHandle) -> None:
    results = await call_all(mock_erp, Credentials("bearer", token="mock-token"))

    assert results[Endpoint.ORDERS].data
    assert results[Endpoint.ORDER].data.lines is not None
    assert results[Endpoint.INVOICES].data
    assert results[Endpoint.INVOICE].data.invoice_id
    assert isinstance(results[Endpoint.BALANCE].data.balance, Decimal)
    assert isinstance(results[Endpoint.TAXES].data.salestax_amount, Decimal)
    assert isinstance(results[Endpoint.SHIPPING].shipping_methods, list)
    assert results[Endpoint.SUBMIT_ORDER].data.model_dump() == {
        "order_id": "SO-100375",
        "order_number": "SO-100375",
        "status": "Open",
    }
    assert results[Endpoint.PRICES].data[0].unit_price == Decimal("14.04")
    assert results[Endpoint.INVENTORY].data[0].available == Decimal("95")
    for endpoint in Endpoint:
        assert mock_erp.calls(endpoint.value) == 1


@pytest.mark.parametrize(
    ("config", "credentials"),
    [
        (
            {"auth_style": "bearer", "key": "k-1", "token": "t-1"},
            Credentials("bearer", "k-1", "t-1"),
        ),
        (
            {"auth_style": "header", "key": "X-Erp-Key", "token": "t-2"},
            Credentials("header", "X-Erp-Key", "t-2"),
        ),
        (
            {"auth_style": "header", "key": "Authorization", "token": "t-3"},
            Credentials("header", "Authorization", "t-3"),
        ),
        (
            {"auth_style": "basic", "key": "user", "token": "pw-4"},
            Credentials("basic", "user", "pw-4"),
        ),
    ],
)
async def test_every_static_auth_style_is_accepted(
    mock_erp_factory: MockErpFactory, config: dict[str, str], credentials: Credentials
) -> None:
    handle = await mock_erp_factory(**config)

    results = await call_all(handle, credentials)

    assert len(results) == 10


async def test_wrong_token_is_refused(mock_erp: MockErpHandle) -> None:
    async with started_client() as (client, _):
        with pytest.raises(ErpRejectedError) as caught:
            await client.call(
                target(
                    mock_erp.urls["balance"],
                    Endpoint.BALANCE,
                    credentials=Credentials("bearer", token="wrong-token"),
                ),
                BalanceRequest(customer_code=CUSTOMER).to_wire(),
                RESPONSE_MODELS[Endpoint.BALANCE],
                trace_id=TRACE_ID,
                expected_customer_code=CUSTOMER,
            )

    assert caught.value.human == "ERP refused the credentials (401 Unauthorized)"


async def test_oauth2_token_is_cached_and_refetched_after_revocation(
    mock_erp_factory: MockErpFactory,
) -> None:
    handle = await mock_erp_factory(auth_style="oauth2", key="client-1", token="secret-1")
    credentials = Credentials("oauth2", "client-1", "secret-1", token_url=handle.token_url)
    t = target(handle.urls["balance"], Endpoint.BALANCE, credentials=credentials)
    body = BalanceRequest(customer_code=CUSTOMER).to_wire()
    model = RESPONSE_MODELS[Endpoint.BALANCE]
    async with started_client() as (client, sink):
        for _ in range(2):
            await client.call(t, body, model, trace_id=TRACE_ID, expected_customer_code=CUSTOMER)
        assert (handle.calls("token"), handle.calls("balance")) == (1, 2)

        handle.state.tokens.revoke_all()
        await client.call(t, body, model, trace_id=TRACE_ID, expected_customer_code=CUSTOMER)

    assert (handle.calls("token"), handle.calls("balance")) == (2, 4)
    assert [r.status for r in sink.records][-3:] == [401, 200, 200]


async def _fault(
    handle: MockErpHandle, endpoint: Endpoint, fault: str, timeout: float = 5.0, **params: Any
) -> tuple[ErpError, int]:
    handle.set_fault(endpoint.value, fault, **params)
    async with started_client() as (client, _):
        with pytest.raises(ErpError) as caught:
            await client.call(
                target(
                    handle.urls[endpoint.value],
                    endpoint,
                    timeout=timeout,
                    credentials=Credentials("bearer", token="mock-token"),
                ),
                payloads(handle)[endpoint],
                RESPONSE_MODELS[endpoint],
                trace_id=TRACE_ID,
                expected_customer_code=CUSTOMER,
                headers=call_headers(endpoint),
            )
    return caught.value, handle.calls(endpoint.value)


async def test_fault_latency_past_the_deadline(mock_erp: MockErpHandle) -> None:
    error, calls = await _fault(mock_erp, Endpoint.TAXES, "latency", timeout=0.3, seconds=5)

    assert isinstance(error, ErpTimeoutError)
    assert error.human == "ERP did not answer within 0.3 s"
    assert calls == 1


async def test_fault_slow_drip(mock_erp: MockErpHandle) -> None:
    error, calls = await _fault(mock_erp, Endpoint.ORDERS, "slow_drip", timeout=0.3, interval_ms=50)

    assert isinstance(error, ErpTimeoutError)
    assert calls == 1


@pytest.mark.parametrize(
    ("fault", "params", "error_type", "human", "kind", "calls"),
    [
        (
            "status",
            {"status": 500},
            ErpServerStatusError,
            "ERP answered 500 Internal Server Error",
            "status_5xx",
            1,
        ),
        (
            "status",
            {"status": 503},
            ErpBusyError,
            "ERP answered 503 Service Unavailable",
            "unavailable",
            2,
        ),
        (
            "html_error",
            {},
            ErpServerStatusError,
            "ERP answered 500 Internal Server Error",
            "status_5xx",
            1,
        ),
        ("html_error", {"status": 200}, ErpNotJsonError, "Answer was not JSON", "not_json", 1),
        ("malformed_json", {}, ErpNotJsonError, "Answer was not JSON", "not_json", 1),
        (
            "contract_break",
            {},
            ErpContractError,
            'Answer broke the contract: data[0].total is not a number: "abc"',
            "contract",
            1,
        ),
        ("cross_customer", {}, ErpCrossCustomerError, None, "cross_customer", 1),
        (
            "reset",
            {},
            ErpResetError,
            "ERP closed the connection before the answer was complete",
            "reset",
            2,
        ),
        ("oversized", {}, ErpOversizedError, "Answer was larger than 5 MB", "oversized", 1),
        (
            "redirect",
            {},
            ErpRedirectError,
            "ERP redirected to another address; redirects are not followed",
            "redirect",
            1,
        ),
        (
            "status",
            {"status": 429, "retry_after": "0"},
            ErpRateLimitedError,
            "ERP asked us to slow down (429 Too Many Requests)",
            "rate_limited",
            2,
        ),
        (
            "status",
            {"status": 429, "retry_after": "60"},
            ErpRateLimitedError,
            "ERP asked us to slow down (429 Too Many Requests)",
            "rate_limited",
            1,
        ),
    ],
)
async def test_fault_on_orders(
    mock_erp: MockErpHandle,
    fault: str,
    params: dict[str, Any],
    error_type: type[ErpError],
    human: str | None,
    kind: str,
    calls: int,
) -> None:
    error, made = await _fault(mock_erp, Endpoint.ORDERS, fault, **params)

    assert type(error) is error_type
    if human is not None:
        assert error.human == human
    else:
        assert error.human.startswith("Answer belongs to another customer (customer_code ")
    assert error.kind == kind
    assert made == calls


@pytest.mark.parametrize(
    ("endpoint", "sentence"),
    [
        (Endpoint.ORDER, 'Answer broke the contract: data.total is not a number: "abc"'),
        (Endpoint.INVOICE, 'Answer broke the contract: data.date is not a date: "32/13/2026"'),
        (Endpoint.BALANCE, "Answer broke the contract: data.balance is missing"),
        (
            Endpoint.TAXES,
            'Answer broke the contract: data.salestax_amount is not a number: "1,234.50"',
        ),
        (Endpoint.SHIPPING, "Answer broke the contract: shipping_methods is not a list"),
        (Endpoint.SUBMIT_ORDER, "Answer broke the contract: data.order_id is missing"),
        (
            Endpoint.PRICES,
            'Answer broke the contract: data[0].unit_price is not a number: "1,234.50"',
        ),
        (
            Endpoint.INVENTORY,
            'Answer broke the contract: data[0].available is not a number: "12 pcs"',
        ),
    ],
)
async def test_contract_break_names_the_field(
    mock_erp: MockErpHandle, endpoint: Endpoint, sentence: str
) -> None:
    error, _ = await _fault(mock_erp, endpoint, "contract_break")

    assert error.human == sentence


@pytest.mark.parametrize("endpoint", [Endpoint.PRICES, Endpoint.INVENTORY])
async def test_another_customers_prices_or_stock_are_refused_whole(
    mock_erp: MockErpHandle, endpoint: Endpoint
) -> None:
    error, calls = await _fault(mock_erp, endpoint, "cross_customer")

    assert type(error) is ErpCrossCustomerError
    assert error.human == "Answer belongs to another customer (customer_code C010268)"
    assert calls == 1


async def test_unknown_order_id_is_not_found(mock_erp: MockErpHandle) -> None:
    async with started_client() as (client, _):
        with pytest.raises(ErpNotFoundError):
            await client.call(
                target(
                    mock_erp.urls["order"],
                    Endpoint.ORDER,
                    credentials=Credentials("bearer", token="mock-token"),
                ),
                OrderRequest(customer_code=CUSTOMER, order_id="SO-NOPE").to_wire(),
                RESPONSE_MODELS[Endpoint.ORDER],
                trace_id=TRACE_ID,
                expected_customer_code=CUSTOMER,
            )


async def test_a_rejected_order_carries_the_erps_reasons(mock_erp: MockErpHandle) -> None:
    error, calls = await _fault(mock_erp, Endpoint.SUBMIT_ORDER, "reject_many")

    assert type(error) is ErpOrderRejectedError
    assert error.human == (
        "ERP rejected the order: lines[0].sku: Item REJ-01 is not stocked at warehouse 1 "
        "(and 49 more)"
    )
    assert len(error.reasons) == 50
    assert error.reasons[0].buyer_message == "Product REJ-01 is not available."
    assert calls == 1
