"""The integration settings typed as whole numbers within bounds: how old stale data may be, how
long a placed order is sent again, how long live prices and stock are used.

Each names its field, default and bounds, and says what is wrong in the words of its form label,
so the form and the JSON API refuse "abc", "12.5", "1e9" or a number out of bounds alike.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_STALE_SECONDS = 24 * 3600
STALE_MAX_SECONDS = 30 * 24 * 3600
# How long a placed order is sent again while the ERP fails (its delivery then gives up).
DEFAULT_ORDER_RETRY_HOURS = 24
ORDER_RETRY_MAX_HOURS = 7 * 24
# How long a buyer's live prices and stock are used before the ERP is asked again (0: every page).
DEFAULT_PRICE_CACHE_SECONDS = 300
PRICE_CACHE_MAX_SECONDS = 24 * 3600
DEFAULT_STOCK_CACHE_SECONDS = 30
STOCK_CACHE_MAX_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class WholeNumberSetting:
    """A setting typed as a whole number within bounds, with its two sentences: ``not_whole``
    for text that is no whole number ("abc", "12.5", "1e9"), ``out_of_bounds`` for one outside."""

    name: str
    default: int
    low: int
    high: int
    not_whole: str
    out_of_bounds: str


STALE_MAX_AGE = WholeNumberSetting(
    "stale_max_age_seconds",
    DEFAULT_STALE_SECONDS,
    0,
    STALE_MAX_SECONDS,
    "The maximum age is a whole number of seconds.",
    f"The maximum age is between 0 and {STALE_MAX_SECONDS} seconds (30 days).",
)
ORDER_RETRY = WholeNumberSetting(
    "order_retry_hours",
    DEFAULT_ORDER_RETRY_HOURS,
    1,
    ORDER_RETRY_MAX_HOURS,
    "Keep trying for a whole number of hours.",
    f"Keep trying for between 1 and {ORDER_RETRY_MAX_HOURS} hours (7 days).",
)
PRICE_CACHE = WholeNumberSetting(
    "price_cache_seconds",
    DEFAULT_PRICE_CACHE_SECONDS,
    0,
    PRICE_CACHE_MAX_SECONDS,
    "Prices are used for a whole number of seconds.",
    f"Prices are used for between 0 and {PRICE_CACHE_MAX_SECONDS} seconds (a day).",
)
STOCK_CACHE = WholeNumberSetting(
    "stock_cache_seconds",
    DEFAULT_STOCK_CACHE_SECONDS,
    0,
    STOCK_CACHE_MAX_SECONDS,
    "Stock is used for a whole number of seconds.",
    f"Stock is used for between 0 and {STOCK_CACHE_MAX_SECONDS} seconds (an hour).",
)
WHOLE_NUMBER_SETTINGS = (STALE_MAX_AGE, ORDER_RETRY, PRICE_CACHE, STOCK_CACHE)


def check_whole_number(text: str, setting: WholeNumberSetting, errors: dict[str, str]) -> int:
    """The number typed, or the default when nothing is; a bad one leaves its sentence in
    ``errors`` under the setting's name."""
    text = text.strip()
    if not text:
        return setting.default
    try:
        number = int(text)
    except ValueError:
        errors[setting.name] = setting.not_whole
        return setting.default
    if not setting.low <= number <= setting.high:
        errors[setting.name] = setting.out_of_bounds
    return number
