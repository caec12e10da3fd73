"""A skeleton ERP API for erpgate: the ten endpoints of docs/erp-contract.md over sample data.

Copy it, replace the four functions under "Your ERP's data" with queries against your ERP, and
check it with the config template next to it:

    python skeleton_erp.py 8200 &
    ERPGATE_CHECK_TOKEN=change-me erpgate check-erp --config erp-check.toml

Standard library only. As shipped, every rule of `erpgate check-erp` passes.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import os
import sys
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = os.environ.get("ERP_TOKEN", "change-me")  # what `Authorization: Bearer` must carry
MAX_PAGE_SIZE = 100
ORDER_STATUSES = ["Open", "Shipped", "Cancelled"]
CURRENCY = "USD"  # the one currency this ERP prices in
Row = dict[str, Any]


# -- Your ERP's data: replace these four with your queries ------------------------------------


def orders_of(customer_code: str) -> list[Row]:
    """Every order of one customer, with its lines (list rows leave the lines out)."""
    return [order for order in SAMPLE_ORDERS if order["customer_code"] == customer_code]


def invoices_of(customer_code: str) -> list[Row]:
    return [invoice for invoice in SAMPLE_INVOICES if invoice["customer_code"] == customer_code]


def customer_exists(customer_code: str) -> bool:
    return customer_code in {"C0001", "C0002"}


def item(sku: str) -> Row | None:
    """A SKU you sell, with its price (in CURRENCY) and the units available; None otherwise."""
    return SAMPLE_ITEMS.get(sku)


SAMPLE_ITEMS: dict[str, Row] = {
    "BOLT-M8": {"unit_price": "0.45", "available": 1200},
    "NUT-M8": {"unit_price": "0.12", "available": 0},
}


def _sample() -> tuple[list[Row], list[Row]]:
    orders, invoices = [], []
    for n in range(40):
        day = (dt.date(2026, 1, 5) + dt.timedelta(days=n * 2 // 3)).isoformat()  # some share a day
        total = f"{100 + n * 7}.50"
        line = {"line_number": 1, "sku": "BOLT-M8", "quantity": "10", "line_total": total}
        order = {
            "order_id": f"SO-{1000 + n}",
            "date": day,
            "status": ORDER_STATUSES[n % 3],
            "po_number": f"PO-{500 + n}",
            "currency": "USD",
            "total": total,
            "customer_code": "C0002" if n % 5 == 0 else "C0001",
            "lines": [line],
        }
        orders.append(order)
        if order["status"] != "Cancelled":
            paid = n % 2 == 0
            invoices.append(
                {
                    **{key: order[key] for key in ("date", "po_number", "currency", "total")},
                    "invoice_id": f"INV-{2000 + n}",
                    "order_id": order["order_id"],
                    "status": "paid" if paid else "open",
                    "balance": "0.00" if paid else total,
                    "customer_code": order["customer_code"],
                    "lines": [line],
                    "payments": [{"date": day, "amount": total}] if paid else [],
                }
            )
    return orders, invoices


SAMPLE_ORDERS, SAMPLE_INVOICES = _sample()


# -- The contract: lists, by id, balance, checkout --------------------------------------------


def a_list(rows: list[Row], request: Row, id_field: str, searched: tuple[str, ...]) -> Row:
    page, size = int(request.get("page") or 1), int(request.get("page_size") or 20)
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise BadRequest("page must be 1 or more, page_size 1 to 100")
    search = (request.get("search") or "").casefold()
    status = (request.get("status") or "").casefold()
    since, until = request.get("date_from") or "", request.get("date_to") or "9999-12-31"

    def wanted(row: Row) -> bool:
        if id_field == "invoice_id" and status:  # invoices: open or paid, by balance
            matches = (Decimal(row["balance"]) > 0) == (status == "open")
        else:
            matches = not status or row["status"].casefold() == status
        return (
            matches
            and since <= row["date"] <= until  # both bounds include their own day
            and (not search or any(search in str(row.get(f) or "").casefold() for f in searched))
        )

    # Newest first, then the id: a stable order, so paging never repeats or skips a row.
    chosen = sorted(
        filter(wanted, rows), key=lambda row: (row["date"], row[id_field]), reverse=True
    )
    shown = chosen[(page - 1) * size : page * size]
    details = ("lines", "payments")
    answer = {
        "data": [{k: v for k, v in row.items() if k not in details} for row in shown],
        "meta": {"page": page, "page_size": size, "total": len(chosen)},  # every matching row
    }
    if id_field == "order_id":
        answer["statuses"] = ORDER_STATUSES  # the storefront offers them as a select
    return answer


def by_id(rows: list[Row], id_field: str, wanted: str) -> tuple[int, Row]:
    # Only this customer's rows are searched: another customer's id is simply not found.
    found = next((row for row in rows if row[id_field] == wanted), None)
    return (200, {"data": found}) if found else (404, {"error": "not_found"})


# Idempotency-Key -> the answer it got. Keep it in your database, beside the order: a key sent
# again (after a timeout, a lost answer) must get the order created then, never a second one.
SUBMITTED: dict[str, Row] = {}
SUBMITTING = threading.Lock()  # two retries of one key at once must not both create an order


def submit_order(request: Row, key: str) -> tuple[int, Row]:
    if not key:
        raise BadRequest("the Idempotency-Key header is required")
    with SUBMITTING:
        if key in SUBMITTED:
            return 200, SUBMITTED[key]
        code = request["customer_code"]
        if not customer_exists(code):  # refused for good: a 422 with the reasons
            reason = {"field": "customer_code", "message": f"Unknown customer {code}"}
            return 422, {"errors": [reason]}
        order_id = f"SO-{1000 + len(SAMPLE_ORDERS)}"
        SAMPLE_ORDERS.append(
            {
                "order_id": order_id,
                "date": dt.date.today().isoformat(),
                "status": "Open",
                "po_number": request.get("po_number"),
                "currency": request["currency"],
                "total": request["totals"]["total"],
                "customer_code": code,
                "lines": [
                    {name: line[name] for name in ("line_number", "sku", "quantity", "line_total")}
                    for line in request["lines"]
                ],
            }
        )
        SUBMITTED[key] = {"data": {"order_id": order_id, "status": "Open"}}
        return 201, SUBMITTED[key]


def balance(request: Row) -> tuple[int, Row]:
    code = request["customer_code"]
    if not customer_exists(code):
        return 404, {"error": "unknown customer"}
    owed = sum((Decimal(i["balance"]) for i in invoices_of(code)), Decimal(0))
    return 200, {"data": {"currency": "USD", "balance": str(owed), "customer_code": code}}


def taxes(request: Row) -> Row:
    # Any customer, known or not, gets an answer: checkout must not fail for a new account.
    body = request["request"]
    taxed = sum((Decimal(str(line["line_amount"])) for line in body["lines"]), Decimal(0))
    taxed += Decimal(str(body["header"].get("shipping_amount") or 0))  # freight is taxed here
    return {"data": {"salestax_amount": str((taxed * Decimal("0.07")).quantize(Decimal("0.01")))}}


def shipping(request: Row) -> Row:
    return {
        "shipping_methods": [
            {"label": "Ground", "total": "10.00", "code": "GND"},
            {"label": "Next day", "total": "35.00", "code": "NDA"},
        ]
    }


def prices(request: Row) -> Row:
    # One row per SKU asked, in the order asked. A SKU you do not sell is left out (never an
    # error: one unknown SKU must not cost the page every other price), and so is every price
    # when another currency is asked: the store then shows its catalog's.
    rows = []
    for sku in dict.fromkeys(line["sku"] for line in request["lines"]):
        found = item(sku)
        if found is not None and request["currency"] == CURRENCY:
            price = {"sku": sku, "unit_price": found["unit_price"], "currency": CURRENCY}
            rows.append({**price, "customer_code": request["customer_code"]})
    return {"data": rows}


def inventory(request: Row) -> Row:
    rows = []
    for sku in dict.fromkeys(request["skus"]):  # once per SKU, in the order asked
        found = item(sku)
        if found is not None:
            stock = {"sku": sku, "available": found["available"], "backorderable": False}
            rows.append({**stock, "customer_code": request["customer_code"]})
    return {"data": rows}


def answer(path: str, request: Row, idempotency_key: str = "") -> tuple[int, Row]:
    code = str(request.get("customer_code") or "")
    if path == "/orders":
        return 200, a_list(orders_of(code), request, "order_id", ("order_id", "po_number"))
    if path == "/invoices":
        searched = ("invoice_id", "po_number", "order_id")
        return 200, a_list(invoices_of(code), request, "invoice_id", searched)
    if path == "/orders/get":
        return by_id(orders_of(code), "order_id", request["order_id"])
    if path == "/invoices/get":
        return by_id(invoices_of(code), "invoice_id", request["invoice_id"])
    if path == "/balance":
        return balance(request)
    if path == "/checkout/taxes":
        return 200, taxes(request)
    if path == "/checkout/shipping":
        return 200, shipping(request)
    if path == "/orders/submit":
        return submit_order(request, idempotency_key)
    if path == "/prices":
        return 200, prices(request)
    if path == "/inventory":
        return 200, inventory(request)
    return 404, {"error": f"no endpoint {path}"}


# -- HTTP -------------------------------------------------------------------------------------


class BadRequest(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        given = self.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {TOKEN}".encode()):
            self.reply(401, {"error": "unauthorized"})  # missing or wrong credentials
            return
        try:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            if not isinstance(request, dict):
                raise BadRequest("the body must be a JSON object")
            self.reply(*answer(self.path, request, self.headers.get("Idempotency-Key", "")))
        except (BadRequest, ValueError, KeyError, TypeError) as exc:
            self.reply(400, {"error": "bad_request", "message": str(exc)})

    def reply(self, status: int, body: Row) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # quiet; log to your own system
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8200
    print(f"Skeleton ERP on http://127.0.0.1:{port} (token {TOKEN!r})", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
