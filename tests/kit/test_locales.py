from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from erpgate.kit.locales import (
    LocaleError,
    babel_locale,
    check_locale,
    format_date,
    format_datetime,
)

DAY = date(2026, 3, 1)
MOMENT = datetime(2026, 3, 1, 14, 5, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "day", "moment"),
    [
        ("en_US", "Mar 1, 2026", "Mar 1, 2026, 2:05\u202fPM UTC"),
        ("de_CH", "01.03.2026", "01.03.2026, 14:05 UTC"),
        ("fr_FR", "1 mars 2026", "1 mars 2026, 14:05 UTC"),
    ],
)
def test_days_and_moments_take_the_locales_medium_form(locale: str, day: str, moment: str) -> None:
    assert format_date(DAY, locale) == day
    assert format_datetime(MOMENT, locale) == moment


def test_moments_are_shown_in_utc_and_nothing_is_empty() -> None:
    paris = MOMENT.astimezone(timezone(timedelta(hours=1)))
    assert format_datetime(paris, "de_CH") == "01.03.2026, 14:05 UTC"
    assert format_datetime(MOMENT.replace(tzinfo=None), "de_CH") == "01.03.2026, 14:05 UTC"
    assert format_date(None) == "" and format_datetime(None) == ""


def test_a_locale_is_parsed_once() -> None:
    assert babel_locale("de_CH") is babel_locale("de_CH")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("de_CH", "de_CH"), ("de-CH", "de_CH"), (" fr_FR ", "fr_FR"), ("fr", "fr")],
)
def test_known_locales_are_stored_in_one_spelling(typed: str, stored: str) -> None:
    assert check_locale(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Choose a locale, such as en_US or de_CH."),
        ("xx_XX", "xx_XX is not a locale we know; use one such as en_US or de_CH."),
        ("de_XX", "de_XX is not a locale we know; use one such as en_US or de_CH."),
        ("../etc", "A locale is a language, often with a territory: en_US, de_CH, fr."),
        ("en_US" * 10, "A locale is a language, often with a territory: en_US, de_CH, fr."),
    ],
)
def test_unknown_or_malformed_locales_are_refused_in_words(typed: str, message: str) -> None:
    with pytest.raises(LocaleError) as refused:
        check_locale(typed)
    assert str(refused.value) == message
