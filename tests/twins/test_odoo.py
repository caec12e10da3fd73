from __future__ import annotations

from typing import Any

from erpgate.twins.odoo_records import partner_id
from tests.twins.helpers import ACME, GIBSONBURG, INJECTION, Client, set_fault

AUTH = {"Authorization": "bearer twin-odoo-key", "X-Odoo-Database": "erpgate"}
OF_ACME = [["partner_id.ref", "=", ACME]]


async def call(client: Client, model: str, method: str, **arguments: Any) -> tuple[int, Any]:
    response = await client.post(f"/json/2/{model}/{method}", json=arguments, headers=AUTH)
    return response.status, await response.json()


async def ok(client: Client, model: str, method: str, **arguments: Any) -> Any:
    status, body = await call(client, model, method, **arguments)
    assert status == 200, body
    return body


async def test_wrong_or_missing_key_is_refused(odoo: Client) -> None:
    for headers in ({}, {"Authorization": "bearer nope"}):
        response = await odoo.post("/json/2/sale.order/search_read", json={}, headers=headers)
        assert response.status == 401
        assert await response.json() == {
            "name": "werkzeug.exceptions.Unauthorized",
            "message": "Invalid apikey",
            "arguments": ["Invalid apikey", 401],
            "context": {},
            "debug": "",
        }


async def test_unknown_model_or_method_and_bad_arguments(odoo: Client) -> None:
    status, body = await call(odoo, "stock.quant", "search_read")
    assert (status, body["name"]) == (404, "werkzeug.exceptions.NotFound")
    status, body = await call(odoo, "sale.order", "unlink", ids=[1])
    assert status == 404
    for arguments in ({"domain": [["nope", "=", 1]]}, {"limit": -1}, {"domain": "x"}, {"bad": 1}):
        status, body = await call(odoo, "sale.order", "search_read", **arguments)
        assert (status, body["name"]) == (422, "werkzeug.exceptions.UnprocessableEntity")


async def test_search_read_with_limit_offset_and_order(odoo: Client) -> None:
    arguments = {"domain": OF_ACME, "fields": ["name", "date_order", "amount_total"]}
    first = await ok(
        odoo, "sale.order", "search_read", **arguments, limit=7, order="date_order desc"
    )
    second = await ok(
        odoo, "sale.order", "search_read", **arguments, limit=7, offset=7, order="date_order desc"
    )
    assert len(first) == len(second) == 7
    assert set(first[0]) == {"id", "name", "date_order", "amount_total"}
    dates = [r["date_order"] for r in first + second]
    assert dates == sorted(dates, reverse=True)
    assert not {r["id"] for r in first} & {r["id"] for r in second}
    assert await ok(odoo, "sale.order", "search_count", domain=OF_ACME) == 160


async def test_prefix_operators_and_in(odoo: Client) -> None:
    domain = ["|", ["partner_id.ref", "=", GIBSONBURG], ["partner_id", "=", partner_id(ACME)]]
    count = await ok(odoo, "sale.order", "search_count", domain=domain)
    assert count == 200
    domain = ["&", ["partner_id.ref", "in", [GIBSONBURG]], "!", ["state", "=", "cancel"]]
    rows = await ok(odoo, "sale.order", "search_read", domain=domain, fields=["state"])
    assert rows and {r["state"] for r in rows} == {"sale"}
    like = await ok(odoo, "account.move", "search_count", domain=[["name", "ilike", "inv-550"]])
    assert like > 0


async def test_web_search_read_nests_relations(odoo: Client) -> None:
    body = await ok(
        odoo,
        "sale.order",
        "web_search_read",
        domain=OF_ACME,
        specification={
            "name": {},
            "partner_id": {"fields": {"ref": {}, "display_name": {}}},
            "order_line": {"fields": {"default_code": {}, "product_uom_qty": {}}},
        },
        limit=3,
        order="date_order desc",
    )
    assert body["length"] == 160
    assert len(body["records"]) == 3
    record = body["records"][0]
    assert record["partner_id"]["ref"] == ACME
    assert set(record["order_line"][0]) == {"id", "default_code", "product_uom_qty"}


async def test_read_by_id_found_and_unknown(odoo: Client) -> None:
    (order,) = await ok(odoo, "sale.order", "read", ids=[100100], fields=["name", "partner_id"])
    assert order["name"] == "SO-100100"
    assert order["partner_id"] == [partner_id(ACME), "ACME Industrial Supply"]
    status, body = await call(odoo, "sale.order", "read", ids=[1])
    assert status == 404
    assert body["name"] == "odoo.exceptions.MissingError"


async def test_balance_from_the_partner(odoo: Client) -> None:
    (partner,) = await ok(
        odoo,
        "res.partner",
        "search_read",
        domain=[["ref", "=", GIBSONBURG]],
        fields=["credit", "credit_limit", "currency_id"],
    )
    assert partner["credit_limit"] == 15000.0
    assert partner["currency_id"][1] == "USD"
    assert isinstance(partner["credit"], float)


async def test_quote_injection_matches_nothing(odoo: Client) -> None:
    for model in ("sale.order", "account.move"):
        rows = await ok(odoo, model, "search_read", domain=[["partner_id.ref", "=", INJECTION]])
        assert rows == []


async def test_faults(odoo: Client) -> None:
    await set_fault(odoo, "orders", "rate_limit", seconds=9)
    response = await odoo.post("/json/2/sale.order/search_read", json={}, headers=AUTH)
    assert (response.status, response.headers["Retry-After"]) == (429, "9")
    await set_fault(odoo, "orders", "huge_page", rows=300)
    rows = await ok(odoo, "sale.order", "search_read", domain=OF_ACME, limit=2, fields=["name"])
    assert len(rows) == 300
    await set_fault(odoo, "order", "status", status=500)
    assert (await call(odoo, "sale.order", "read", ids=[100100]))[0] == 500
    await set_fault(odoo, "invoices", "cross_customer")
    rows = await ok(odoo, "account.move", "search_read", domain=OF_ACME, fields=["partner_id"])
    assert rows and partner_id(ACME) not in {r["partner_id"][0] for r in rows}


async def test_default_order_is_the_models_own(odoo: Client) -> None:
    rows = await ok(odoo, "sale.order", "search_read", domain=OF_ACME, fields=["date_order"])
    dates = [r["date_order"] for r in rows]
    assert len(dates) == 160
    assert dates == sorted(dates, reverse=True)
