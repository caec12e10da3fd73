"""The app's one ``LivePrices`` (its caches live as long as the process)."""

from __future__ import annotations

from erpgate.pricing.service import LivePrices
from erpgate.web.state import AppState

_LIVE_PRICES = "live-prices"


def live_prices(state: AppState) -> LivePrices:
    """This process's live prices and stock; made on first use, with the app's gateway."""
    prices: LivePrices | None = state.services.get(_LIVE_PRICES)
    if prices is None:
        prices = state.services[_LIVE_PRICES] = LivePrices(state.gateway, state.clock)
    return prices
