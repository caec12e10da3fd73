"""Jinja2 pages: one environment over every domain's templates/ folder, autoescaped."""

from __future__ import annotations

import importlib.resources
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from erpgate.kit.clock import exact_time, readable_time
from erpgate.kit.locales import DEFAULT_LOCALE, format_date, format_datetime
from erpgate.kit.money import format_money, format_number

TEMPLATE_PACKAGES = (
    "web",
    "storefront",
    "checkout",
    "event",
    "problem",
    "adapter",
    "notification",
    "delivery",
    "admin",
    "auth",
)


def _template_dirs() -> list[str]:
    root = Path(str(importlib.resources.files("erpgate")))
    return [
        str(root / name / "templates")
        for name in TEMPLATE_PACKAGES
        if (root / name / "templates").is_dir()
    ]


def _locale(context: Context) -> str | None:
    """The locale of the store whose page this is (a storefront page has ``store``)."""
    store = context.get("store")
    return getattr(store, "locale", None)


@pass_context
def _fmt_datetime(context: Context, value: datetime | None) -> str:
    locale = _locale(context)
    if locale is not None:
        return format_datetime(value, locale)
    # Staff pages: to the minute in the form of the logs and events they are read against.
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


@pass_context
def _fmt_date(context: Context, value: date | None) -> str:
    return format_date(value, _locale(context) or DEFAULT_LOCALE)


def _fmt_json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str).decode()


@pass_context
def _fmt_money(context: Context, value: Decimal | None, currency: str | None = None) -> str:
    """An amount in its own currency (the document's), in the page's store's locale."""
    return format_money(value, currency, _locale(context) or DEFAULT_LOCALE)


@pass_context
def _fmt_number(context: Context, value: Decimal | None) -> str:
    return format_number(value, _locale(context) or DEFAULT_LOCALE)


def build_environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(d) for d in _template_dirs()]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = _fmt_money
    env.filters["dt"] = _fmt_datetime
    env.filters["date"] = _fmt_date
    env.filters["number"] = _fmt_number
    env.filters["exact_dt"] = exact_time
    env.filters["readable_dt"] = readable_time
    env.filters["pretty_json"] = _fmt_json
    return env
