"""A store's locale: checked once when it is set, parsed once per process, used for every number
and date a page shows (Babel, from the CLDR data)."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates

from erpgate.kit.clock import ensure_utc

DEFAULT_LOCALE = "en_US"
LOCALE_MAX = 32  # the column's size; CLDR's longest identifiers are far shorter
_TAG = re.compile(r"^[A-Za-z]{2,8}([_-][A-Za-z0-9]{1,8}){0,3}$")


class LocaleError(ValueError):
    pass


@lru_cache(maxsize=64)
def babel_locale(tag: str) -> Locale:
    """The parsed locale: ``Locale.parse`` reads and merges CLDR files, far too slow to run for
    each amount of a hot page, so each store's locale is parsed once per process."""
    return Locale.parse(tag)


def check_locale(text: str) -> str:
    """A locale identifier as stored (``de_CH``); ``de-CH`` is accepted too. LocaleError when
    Babel has no data for it."""
    tag = text.strip()
    if not tag:
        raise LocaleError("Choose a locale, such as en_US or de_CH.")
    if len(tag) > LOCALE_MAX or not _TAG.match(tag):
        raise LocaleError("A locale is a language, often with a territory: en_US, de_CH, fr.")
    try:
        return str(babel_locale(tag.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        raise LocaleError(
            f"{tag} is not a locale we know; use one such as en_US or de_CH."
        ) from None


def format_date(value: date | None, locale: str = DEFAULT_LOCALE) -> str:
    """A day in the locale's medium form: Mar 1, 2026 / 01.03.2026 / 1 mars 2026."""
    if value is None:
        return ""
    return babel_dates.format_date(value, "medium", locale=babel_locale(locale))


def format_datetime(value: datetime | None, locale: str = DEFAULT_LOCALE) -> str:
    """A moment in UTC (the zone of every time on the pages, named): the locale's medium day and
    short time, joined as the locale joins them."""
    if value is None:
        return ""
    where = babel_locale(locale)
    value = ensure_utc(value)
    pattern = str(babel_dates.get_datetime_format("medium", locale=where)).replace("'", "")
    day = babel_dates.format_date(value, "medium", locale=where)
    time = babel_dates.format_time(value, "short", tzinfo=value.tzinfo, locale=where)
    return pattern.replace("{0}", time).replace("{1}", day) + " UTC"
