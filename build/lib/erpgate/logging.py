"""structlog setup: console in development, JSON in production; secrets are redacted in every row.

Lines of the standard library's loggers (uvicorn, asyncio's "exception was never retrieved",
SQLAlchemy, alembic) go through the same processors, so in production every line on stderr is
one JSON object, tracebacks included (as an ``exception`` field, not 170 lines of text).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import orjson
import structlog

from erpgate.kit.redaction import MASK, is_sensitive_name


def _redact(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if key != "event" and is_sensitive_name(key):
            event[key] = MASK
    return event


def _orjson_dumps(value: Any, **_kw: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _renderer(log_format: str) -> Any:
    if log_format == "json":
        return structlog.processors.JSONRenderer(serializer=_orjson_dumps)
    return structlog.dev.ConsoleRenderer(colors=False)


def level_number(level: str) -> int:
    """``ERPGATE_LOG_LEVEL`` as logging's number (an unknown name reads as INFO)."""
    return logging.getLevelNamesMapping().get(level.upper(), logging.INFO)


def configure_logging(log_format: str = "console", level: str = "INFO") -> None:
    numeric_level = level_number(level)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, _renderer(log_format)],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _renderer(log_format),
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.set_name("erpgate")
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == "erpgate":
            root.removeHandler(existing)
    root.addHandler(handler)
    # Other libraries' chatter (HTTP clients' request lines, driver debug) stays out; their
    # warnings and errors, uncaught exceptions included, come through.
    root.setLevel(max(numeric_level, logging.WARNING))
    # uvicorn's loggers print through their own plain-text handlers unless told otherwise.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


def log_startup_failure(message: str) -> None:
    """A refusal to start, as one log line (JSON in production) rather than plain text."""
    get_logger("erpgate").error("startup_failed", reason=message)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
