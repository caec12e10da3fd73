"""erpgate: connects a B2B storefront to a merchant's ERP in real time."""

__version__ = "0.1.0"
PRODUCT = "erpgate"
