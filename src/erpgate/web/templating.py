"""Jinja2 pages: one environment over every domain's templates/ folder, autoescaped."""

from __future__ import annotations

import importlib.resources
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from erpgate.kit.clock import exact_time, readable_time
from erpgate.kit.money import format_money

TEMPLATE_PACKAGES = (
    "web",
    "storefront",
    "checkout",
    "event",
    "problem",
    "notification",
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


def _fmt_datetime(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _fmt_json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str).decode()


def _fmt_money(value: Decimal | None, currency: str | None = None) -> str:
    return format_money(value, currency)


def build_environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(d) for d in _template_dirs()]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = _fmt_money
    env.filters["dt"] = _fmt_datetime
    env.filters["exact_dt"] = exact_time
    env.filters["readable_dt"] = readable_time
    env.filters["pretty_json"] = _fmt_json
    return env
