"""Delivery tests share the storefront's fixtures (a store wired to the mock ERP, its buyers)."""

from tests.storefront.conftest import buyer_client, recorder, shop

__all__ = ["buyer_client", "recorder", "shop"]
