"""How each front end tells the user which setting to change: CLI flags or the admin's fields.

The rules never print a CLI flag themselves: the admin console's Test integration has fields,
not flags, so every "give…" or "check…" in a message comes from the caller's ``Wording``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from erpgate.erp.endpoints import Endpoint

# The plan's inputs a message may ask for, as the settings of each front end name them.
CLI_SETTINGS: dict[str, str] = {
    "order_id": "--order-id",
    "invoice_id": "--invoice-id",
    "other_customer_code": "--other-customer-code",
    "other_order_id": "--other-order-id",
    "other_invoice_id": "--other-invoice-id",
    "submit_sku": "--submit-sku",
    "skus": "--sku",
}
ADMIN_SETTINGS: dict[str, str] = {
    "order_id": 'the "Known order id" field',
    "invoice_id": 'the "Known invoice id" field',
    "other_customer_code": 'the "Another customer\'s code" field',
    "other_order_id": 'the "Another customer\'s order id" field',
    "other_invoice_id": 'the "Another customer\'s invoice id" field',
    # Test integration places no order (Caller.places_orders): no field asks for a SKU.
    "submit_sku": "a SKU the ERP sells",
    "skus": 'the "SKUs" field',
}


@dataclass(frozen=True, slots=True)
class Wording:
    settings: Mapping[str, str]
    urls: Mapping[Endpoint, str]  # where the endpoint's URL is set, for a 404
    allow_private: str  # how to let a loopback or private host through the SSRF guard
    credentials: str  # where the credentials are set, for a 401

    def setting(self, name: str) -> str:
        return self.settings[name]


def cli_wording(base_paths: Mapping[Endpoint, str]) -> Wording:
    """``base_paths``: the endpoints whose URL came from --base-url, with the path it assumed."""
    urls: dict[Endpoint, str] = {}
    for endpoint in Endpoint:
        flag = f"--{endpoint.value}-url"
        path = base_paths.get(endpoint)
        urls[endpoint] = (
            f"--base-url assumes the mock ERP's layout (<base>{path}); give {flag} "
            "when your ERP uses another path"
            if path
            else f"check {flag}"
        )
    return Wording(
        settings=CLI_SETTINGS,
        urls=urls,
        allow_private="pass --allow-private",
        credentials="check --token (or ERPGATE_CHECK_TOKEN), --key and --auth-style",
    )


ADMIN_WORDING = Wording(
    settings=ADMIN_SETTINGS,
    urls={endpoint: f"check the {endpoint.label} in the settings" for endpoint in Endpoint},
    allow_private="add its host to the ERPGATE_ALLOWED_PRIVATE_HOSTS setting of this app",
    credentials="check the Key, the Token and the auth style in the settings",
)
