"""The contract models: tolerant reading, every bad input refused, exact wire shapes."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from erpgate.erp.contract import (
    REQUEST_MODELS,
    RESPONSE_MODELS,
    BalanceRequest,
    BalanceResponse,
    InventoryRequest,
    InventoryResponse,
    InvoiceRequest,
    InvoiceResponse,
    InvoicesListRequest,
    InvoicesListResponse,
    OrderRequest,
    OrderResponse,
    OrdersListRequest,
    OrdersListResponse,
    OrderSummary,
    PricesRequest,
    PricesResponse,
    ShippingRequest,
    ShippingResponse,
    TaxesRequest,
    TaxesResponse,
)
from erpgate.erp.contract_openapi import contract_openapi, contract_openapi_text
from erpgate.erp.endpoints import Endpoint

DOCS = Path(__file__).resolve().parents[2] / "docs"

ORDER_ROW: dict[str, Any] = {
    "order_id": "SO-100231",
    "order_number": "SO-100231",
    "date": "2026-10-02",
    "status": "Shipped",
    "po_number": "PO-7781",
    "currency": "USD",
    "total": "1523.40",
    "ship_to_name": "ACME Warehouse 3",
}


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[tuple[Any, ...], str]]:
    return [(tuple(e["loc"]), e["msg"]) for e in exc.value.errors()]


# -- money ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["1,234.50", "abc", True, "", "NaN", None, [1]])
def test_money_refuses_what_a_person_could_misread(bad: object) -> None:
    with pytest.raises(ValidationError) as exc:
        OrderSummary.model_validate({**ORDER_ROW, "total": bad})
    assert _errors(exc) in (
        [(("total",), "is not a number")],
        [(("total",), "is not a finite number")],
    )


def test_money_error_messages_are_exact() -> None:
    with pytest.raises(ValidationError) as exc:
        OrderSummary.model_validate({**ORDER_ROW, "total": "1,234.50"})
    assert _errors(exc) == [(("total",), "is not a number")]
    with pytest.raises(ValidationError) as exc:
        OrderSummary.model_validate({**ORDER_ROW, "total": True})
    assert _errors(exc) == [(("total",), "is not a number")]


def test_money_as_number_or_string_is_the_same_decimal() -> None:
    as_string = OrderSummary.model_validate({**ORDER_ROW, "total": "1523.40"})
    as_number = OrderSummary.model_validate({**ORDER_ROW, "total": 1523.40})
    as_int = OrderSummary.model_validate({**ORDER_ROW, "total": 10})
    assert as_string.total == as_number.total == Decimal("1523.40")
    assert isinstance(as_number.total, Decimal)
    # 0.1 as a JSON number stays 0.1, not its binary expansion.
    assert OrderSummary.model_validate({**ORDER_ROW, "total": 0.1}).total == Decimal("0.1")
    assert as_int.total == Decimal("10")


# -- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "32/13/2026",
        "2026-13-01",
        "yesterday",
        20261002,
        "20261002",
        "2026-W40-5",
        "2026-10-02T9",
        "",
    ],
)
def test_dates_refuse_non_iso(bad: object) -> None:
    with pytest.raises(ValidationError) as exc:
        OrderSummary.model_validate({**ORDER_ROW, "date": bad})
    assert _errors(exc) == [(("date",), "is not a date")]


def test_date_time_with_offset_keeps_its_own_date() -> None:
    late_evening = OrderSummary.model_validate({**ORDER_ROW, "date": "2026-10-02T23:30:00-05:00"})
    utc = OrderSummary.model_validate({**ORDER_ROW, "date": "2026-10-02T01:00:00Z"})
    assert late_evening.date == dt.date(2026, 10, 2)
    assert utc.date == dt.date(2026, 10, 2)


def test_date_time_without_offset_is_read_as_its_date() -> None:
    # The contract accepts it: only the date as written is used, so an offset changes nothing.
    for written in ("2026-10-02T23:30:00", "2026-10-02 23:30", "2026-10-02T23:30:00.125"):
        row = OrderSummary.model_validate({**ORDER_ROW, "date": written})
        assert row.date == dt.date(2026, 10, 2), written


# -- shapes ---------------------------------------------------------------------------------


def test_list_where_object_expected_is_refused() -> None:
    with pytest.raises(ValidationError):
        OrderResponse.model_validate([{"data": None}])
    with pytest.raises(ValidationError) as exc:
        OrderResponse.model_validate({"data": [ORDER_ROW]})
    assert exc.value.errors()[0]["loc"] == ("data",)


def test_object_where_list_expected_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        OrdersListResponse.model_validate({"data": ORDER_ROW})
    assert exc.value.errors()[0]["loc"] == ("data",)


def test_missing_required_fields_are_named() -> None:
    with pytest.raises(ValidationError) as exc:
        OrdersListResponse.model_validate({"data": [{"order_id": "SO-1"}]})
    assert sorted(e["loc"] for e in exc.value.errors()) == [
        ("data", 0, "date"),
        ("data", 0, "total"),
    ]
    with pytest.raises(ValidationError) as exc:
        InvoicesListResponse.model_validate(
            {"data": [{"invoice_id": "INV-1", "date": "2026-10-02", "total": "1"}]}
        )
    assert [e["loc"] for e in exc.value.errors()] == [("data", 0, "balance")]
    with pytest.raises(ValidationError):
        OrderResponse.model_validate({})  # "data" must be present, null means not found


def test_missing_optional_fields_and_nulls_are_fine() -> None:
    minimal = OrdersListResponse.model_validate(
        {"data": [{"order_id": "SO-9", "date": "2026-10-02", "total": 5, "status": None}]}
    )
    row = minimal.data[0]
    assert (row.order_number, row.status, row.po_number, row.currency) == ("SO-9", None, None, None)
    assert minimal.meta is None
    detail = OrderResponse.model_validate(
        {
            "data": {
                "order_id": "SO-9",
                "date": "2026-10-02",
                "total": "5",
                "lines": [],
                "shipments": None,
                "bill_to": None,
            }
        }
    )
    assert detail.data is not None
    assert detail.data.shipments == []
    assert detail.data.bill_to is None


def test_not_found_as_data_null() -> None:
    assert OrderResponse.model_validate({"data": None}).data is None
    assert InvoiceResponse.model_validate({"data": None}).data is None


def test_unknown_fields_are_ignored() -> None:
    parsed = OrdersListResponse.model_validate(
        {
            "data": [{**ORDER_ROW, "erp_internal": {"x": 1}}],
            "meta": {"total": 1, "cursor": "z"},
            "debug": True,
        }
    )
    assert parsed.data[0].model_dump().get("erp_internal") is None
    assert parsed.meta is not None and parsed.meta.total == 1


def test_invoice_number_defaults_to_invoice_id_and_unpaid_overdue() -> None:
    invoice = InvoicesListResponse.model_validate(
        {
            "data": [
                {
                    "invoice_id": "INV-1",
                    "date": "2026-09-01",
                    "due_date": "2026-10-01",
                    "total": "100.00",
                    "balance": "40.00",
                }
            ]
        }
    ).data[0]
    assert invoice.invoice_number == "INV-1"
    assert invoice.is_unpaid() is True
    assert invoice.is_overdue(dt.date(2026, 10, 2)) is True
    assert invoice.is_overdue(dt.date(2026, 10, 1)) is False


def test_address_zip_as_number_is_read_as_text() -> None:
    detail = OrderResponse.model_validate(
        {"data": {**ORDER_ROW, "lines": [{"sku": 5620, "quantity": 2}], "ship_to": {"zip": 43431}}}
    ).data
    assert detail is not None and detail.ship_to is not None
    assert detail.ship_to.zip == "43431"
    assert detail.lines[0].sku == "5620"
    assert detail.lines[0].quantity == Decimal("2")


def test_balance_example_reads_exactly() -> None:
    body = {
        "data": {
            "currency": "USD",
            "balance": "12500.00",
            "credit_limit": "50000.00",
            "available_credit": "37500.00",
            "past_due": "2300.00",
            "terms": "Net 30",
            "aging": [
                {"label": "Current", "amount": "10200.00"},
                {"label": "1-30 days", "amount": "1500.00"},
                {"label": "31-60 days", "amount": "800.00"},
            ],
            "last_payment": {"date": "2026-11-02", "amount": "4000.00"},
        }
    }
    data = BalanceResponse.model_validate(body).data
    assert data.balance == Decimal("12500.00")
    assert [(b.label, b.amount) for b in data.aging] == [
        ("Current", Decimal("10200.00")),
        ("1-30 days", Decimal("1500.00")),
        ("31-60 days", Decimal("800.00")),
    ]
    assert data.last_payment is not None and data.last_payment.date == dt.date(2026, 11, 2)
    with pytest.raises(ValidationError) as exc:
        BalanceResponse.model_validate({"data": {"currency": "USD"}})
    assert [e["loc"] for e in exc.value.errors()] == [("data", "balance")]


def test_taxes_and_shipping_examples_read() -> None:
    assert (
        TaxesResponse.model_validate({"data": {"salestax_amount": 10}}).data.salestax_amount == 10
    )
    taxes = TaxesResponse.model_validate(
        {
            "data": {
                "salestax_amount": "0.05",
                "lines": [{"item_sku": "TST03", "tax_amount": "0.05"}],
            }
        }
    )
    assert taxes.data.lines is not None and taxes.data.lines[0].tax_amount == Decimal("0.05")
    shipping = ShippingResponse.model_validate(
        {
            "shipping_methods": [
                {"label": "In 3 days", "fixed_rate": 10, "total": "10.00"},
                {"label": "Free", "fixed_rate": 0, "total": "0.00"},
                {"label": "Legacy", "fixed_rate": "7.5"},
            ]
        }
    )
    assert [(m.label, m.total) for m in shipping.shipping_methods] == [
        ("In 3 days", Decimal("10.00")),
        ("Free", Decimal("0.00")),
        ("Legacy", Decimal("7.5")),
    ]
    assert ShippingResponse.model_validate({"shipping_methods": []}).shipping_methods == []
    with pytest.raises(ValidationError):
        ShippingResponse.model_validate({"shipping_methods": [{"label": "No price"}]})


def test_prices_and_inventory_examples_read() -> None:
    prices = PricesResponse.model_validate(
        {
            "data": [
                {
                    "sku": "5620",
                    "unit_price": "14.78",
                    "currency": "USD",
                    "list_price": "16.80",
                    "price_breaks": [
                        {"min_quantity": "10", "unit_price": "14.04"},
                        {"min_quantity": "50", "unit_price": "13.30"},
                    ],
                    "valid_until": "2026-12-31",
                    "customer_code": "C0004935",
                },
                {"sku": "WR-13", "unit_price": "20.86", "currency": "USD"},
            ]
        }
    ).data
    assert [(row.sku, row.unit_price, row.list_price) for row in prices] == [
        ("5620", Decimal("14.78"), Decimal("16.80")),
        ("WR-13", Decimal("20.86"), None),
    ]
    assert [(b.min_quantity, b.unit_price) for b in prices[0].price_breaks] == [
        (Decimal("10"), Decimal("14.04")),
        (Decimal("50"), Decimal("13.30")),
    ]
    assert prices[0].valid_until == dt.date(2026, 12, 31) and prices[1].price_breaks == []
    stock = InventoryResponse.model_validate(
        {
            "data": [
                {
                    "sku": "5620",
                    "available": 95,
                    "warehouses": [
                        {"code": "MAIN", "name": "Main warehouse", "available": 35},
                        {"code": "EAST", "name": "East depot", "available": 60},
                    ],
                    "backorderable": True,
                    "customer_code": "C0004935",
                },
                {
                    "sku": "DRL-18V",
                    "available": "0",
                    "next_available_date": "2026-11-29",
                    "backorderable": True,
                },
                {"sku": "LUB-5L", "available": 12.5, "warehouses": None},
            ]
        }
    ).data
    assert [(row.sku, row.available) for row in stock] == [
        ("5620", Decimal("95")),
        ("DRL-18V", Decimal("0")),
        ("LUB-5L", Decimal("12.5")),
    ]
    assert [w.code for w in stock[0].warehouses] == ["MAIN", "EAST"] and stock[2].warehouses == []
    assert stock[1].next_available_date == dt.date(2026, 11, 29)
    assert PricesResponse.model_validate({"data": []}).data == []


# -- wire shapes ----------------------------------------------------------------------------


def test_orders_list_request_wire_equals_contract_example() -> None:
    request = OrdersListRequest(
        customer_code="C0004935",
        page=1,
        page_size=20,
        search="PO-7781",
        date_from=dt.date(2026, 1, 1),
    )
    assert request.to_wire() == {
        "customer_code": "C0004935",
        "seller_reference": None,
        "page": 1,
        "page_size": 20,
        "search": "PO-7781",
        "status": None,
        "date_from": "2026-01-01",
        "date_to": None,
    }
    assert InvoicesListRequest(customer_code="C1", status="open").to_wire()["status"] == "open"


def test_by_id_and_balance_request_wire_equal_contract_examples() -> None:
    assert OrderRequest(customer_code="C0004935", order_id="SO-100231").to_wire() == {
        "customer_code": "C0004935",
        "seller_reference": None,
        "order_id": "SO-100231",
    }
    assert InvoiceRequest(customer_code="C0004935", invoice_id="INV-55012").to_wire() == {
        "customer_code": "C0004935",
        "seller_reference": None,
        "invoice_id": "INV-55012",
    }
    assert BalanceRequest(customer_code="C0004935").to_wire() == {
        "customer_code": "C0004935",
        "seller_reference": None,
    }


def test_taxes_request_wire_equals_contract_example() -> None:
    example = {
        "request": {
            "header": {"customer_code": "C0004935", "shiptopostcode": "3700"},
            "lines": [{"item_sku": "TST03", "line_amount": "0.6"}],
        }
    }
    assert TaxesRequest.model_validate(example).to_wire() == example
    built = TaxesRequest.model_validate(
        {
            "request": {
                "header": {"customer_code": "C1"},
                "lines": [
                    {
                        "item_sku": "A",
                        "line_amount": Decimal("1E+2"),
                        "quantity": Decimal("4"),
                        "unit_price": Decimal("25"),
                    }
                ],
            }
        }
    )
    assert built.to_wire()["request"]["lines"] == [
        {"item_sku": "A", "line_amount": "100", "quantity": "4", "unit_price": "25"}
    ]


def test_shipping_request_wire_equals_contract_example() -> None:
    example = {
        "customer_code": "C010268",
        "address1": "12 Main St",
        "address2": None,
        "address3": None,
        "city": "GIBSONBURG",
        "state": "OH",
        "country": "US",
        "zip": "43431",
        "items": [
            {
                "sku": "5620",
                "quantity": "2",
                "uom": "EA",
                "unit_price": "16.8",
                "total_price": "33.6",
            }
        ],
    }
    request = ShippingRequest.model_validate(example)
    assert request.items[0].total_price == Decimal("33.6")
    assert request.to_wire() == example
    assert json.dumps(request.to_wire())  # plain JSON types only


def test_prices_and_inventory_requests_wire_equal_contract_examples() -> None:
    prices = {
        "customer_code": "C0004935",
        "seller_reference": None,
        "currency": "USD",
        "ship_to": None,
        "lines": [
            {"sku": "5620", "quantity": "1"},
            {"sku": "WR-13", "quantity": "10"},
            {"sku": "TST03", "quantity": "1"},
        ],
    }
    inventory = {
        "customer_code": "C0004935",
        "seller_reference": None,
        "skus": ["5620", "DRL-18V", "PAL-EU"],
        "ship_to": None,
    }
    assert PricesRequest.model_validate(prices).to_wire() == prices
    assert InventoryRequest.model_validate(inventory).to_wire() == inventory


def test_request_models_refuse_bad_input() -> None:
    with pytest.raises(ValidationError):
        OrdersListRequest.model_validate({"customer_code": "", "page": 1})
    with pytest.raises(ValidationError):
        OrdersListRequest.model_validate({"customer_code": "C1", "page": 0})
    with pytest.raises(ValidationError):
        OrderRequest.model_validate({"customer_code": "C1"})


def test_model_maps_cover_every_endpoint() -> None:
    assert set(REQUEST_MODELS) == set(Endpoint) == set(RESPONSE_MODELS)
    assert RESPONSE_MODELS[Endpoint.TAXES] is TaxesResponse


# -- the published OpenAPI document ---------------------------------------------------------


def test_openapi_document_lists_one_post_operation_per_endpoint() -> None:
    document = contract_openapi()
    assert document["openapi"] == "3.1.0"
    assert sorted(op["post"]["operationId"] for op in document["paths"].values()) == sorted(
        e.value for e in Endpoint
    )
    assert set(document["components"]["securitySchemes"]) == {
        "bearer",
        "apiKey",
        "header",
        "basic",
        "oauth2",
    }
    refs = json.dumps(document["paths"])
    for name in ("OrdersListRequest", "OrderResponse", "TaxesRequest", "ShippingResponse"):
        assert f"#/components/schemas/{name}" in refs
        assert name in document["components"]["schemas"]


def test_committed_openapi_document_is_current() -> None:
    committed = (DOCS / "erp-contract.openapi.json").read_text(encoding="utf-8")
    assert committed == contract_openapi_text(), (
        "docs/erp-contract.openapi.json is stale: run "
        "`python -m erpgate.erp.contract_openapi > docs/erp-contract.openapi.json`"
    )
