"""The mock ERP's fixed cast: customers, catalogue (the demo catalog's), carriers and free text in
several scripts.

It is also the demo's data, so it reads like a real ERP's. The markup that proves pages escape
ERP text lives in the "markup_text" fault (``mock_erp.faults``), not here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

Json = dict[str, Any]


def _demo_catalog() -> list[tuple[str, str, str, str]]:
    """(sku, name, uom, unit_price) of the demo catalog's items: the demo store sells what this
    ERP knows, at the prices it knows (the package file itself: erpgate.checkout.demo would bring
    the database layer along)."""
    text = resources.files("erpgate.checkout").joinpath("demo_catalog.csv").read_text("utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return [(row["sku"], row["name"], row["uom"], row["unit_price"]) for row in rows]


CATALOGUE = _demo_catalog()

CARRIERS: list[tuple[str, str, str]] = [
    ("UPS", "Ground", "https://www.ups.com/track?tracknum={n}"),
    ("FedEx", "Express Saver", "https://www.fedex.com/fedextrack/?trknbr={n}"),
    ("USPS", "Priority Mail", "https://tools.usps.com/go/TrackConfirmAction?tLabels={n}"),
]

# Delivery notes as buyers write them: punctuation, unicode and right-to-left script.
NOTES = [
    'Deliver to dock 4 & call "Ann" first',
    "Lieferung bitte an Tor 3 – Größe prüfen ✓",
    "يرجى التسليم قبل الساعة العاشرة صباحًا",
    "נא לתאם משלוח מראש",
    "请在周五前送达 🚚",
]

PAYMENT_METHODS = [("Check", "CHK"), ("ACH", "ACH"), ("Wire", "WIRE"), ("Credit Card", "CC")]
AGING_LABELS = ["Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days"]


@dataclass(slots=True)
class Customer:
    code: str
    name: str
    seller_reference: str
    currency: str
    credit_limit: Decimal
    bill_to: Json
    ship_tos: list[Json]
    order_count: int
    # The ERP refuses new orders from this account (a 422 to submit_order, for staff only).
    credit_hold: bool = False


def _address(name: str, a1: str, city: str, state: str, zip_: str, country: str) -> Json:
    return {
        "name": name,
        "address1": a1,
        "address2": None,
        "address3": None,
        "city": city,
        "state": state,
        "zip": zip_,
        "country": country,
    }


CUSTOMERS: list[Customer] = [
    Customer(
        "C0004935",
        "ACME Industrial Supply",
        "8f14e45f-ceea-467a-9575-0c0f6f9a2a10",
        "USD",
        Decimal("50000.00"),
        _address("ACME Industrial Supply", "400 Summit St", "Toledo", "OH", "43604", "US"),
        [
            _address("ACME Warehouse 3", "1200 Front St", "Toledo", "OH", "43605", "US"),
            _address("ACME West", "88 Harbor Way", "San Francisco", "CA", "94107", "US"),
            _address("ACME Dock & Yard", "5 Rail Rd", "Portland", "OR", "97210", "US"),
        ],
        160,
    ),
    Customer(
        "C010268",
        "Gibsonburg Hardware",
        "rec-000010268",
        "USD",
        Decimal("15000.00"),
        _address("Gibsonburg Hardware", "12 Main St", "GIBSONBURG", "OH", "43431", "US"),
        [_address("Gibsonburg Hardware", "12 Main St", "GIBSONBURG", "OH", "43431", "US")],
        40,
    ),
    Customer(
        "C0002211",
        "Sjöström Verktyg AB",
        "4c1d9a7e-0b52-4d4e-9e0f-2a9f3b1c5d77",
        "SEK",
        Decimal("250000.00"),
        _address("Sjöström Verktyg AB", "Östra Hamngatan 5", "Göteborg", "", "411 05", "SE"),
        [_address("Åsa Sjöström", "Lilla Torget 1", "Malmö", "", "211 34", "SE")],
        25,
    ),
    Customer(
        "C0007777",
        "شركة النور للتجارة",
        "rec-000007777",
        "USD",
        Decimal("20000.00"),
        _address("شركة النور للتجارة", "12 Herzl St", "Tel Aviv", "", "6578302", "IL"),
        [_address("חברת האור בע״מ", "3 Rothschild Blvd", "Tel Aviv", "", "6688101", "IL")],
        20,
    ),
    Customer(
        "C0003300",
        "Pacific Coast Foods",
        "rec-000003300",
        "USD",
        Decimal("30000.00"),
        _address("Pacific Coast Foods", "700 Alameda St", "Los Angeles", "CA", "90012", "US"),
        [_address("PCF Cold Store", "9 Pier Ave", "Long Beach", "CA", "90802", "US")],
        30,
    ),
    Customer(
        "C0009999",
        "Dormant Accounts LLC",
        "rec-000009999",
        "USD",
        Decimal("1000.00"),
        _address("Dormant Accounts LLC", "1 Quiet Ln", "Dover", "DE", "19901", "US"),
        [_address("Dormant Accounts LLC", "1 Quiet Ln", "Dover", "DE", "19901", "US")],
        0,
        credit_hold=True,
    ),
]
