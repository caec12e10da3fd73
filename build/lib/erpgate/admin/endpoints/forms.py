"""Small pieces shared by the admin console's HTML pages."""

from __future__ import annotations

from typing import Any

from erpgate.errors import AppError


def refused(context: dict[str, Any], values: dict[str, Any], exc: AppError) -> dict[str, Any]:
    """A form page's context after a refused save: what was typed, the errors, and why."""
    context.update(
        values=values, errors=exc.fields or {"form": exc.message}, flashes=[("error", exc.message)]
    )
    return context
