"""The integration settings form and API: validate what the merchant typed, then save it.

One validator serves the HTML form and the JSON API, so both refuse the same inputs with the same
words. Errors are collected per field (never stop at the first) so the form can show each one next
to its input, and the typed values go back unchanged so nothing the merchant typed is lost.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.erp.credentials import AUTH_STYLES, Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.options import ErpClientOptions
from erpgate.erp.ssrf import check_url
from erpgate.errors import ValidationFailed
from erpgate.integration import repository
from erpgate.integration.numbers import (
    DEFAULT_ORDER_RETRY_HOURS,
    DEFAULT_PRICE_CACHE_SECONDS,
    DEFAULT_STOCK_CACHE_SECONDS,
    ORDER_RETRY,
    PRICE_CACHE,
    STALE_MAX_AGE,
    STOCK_CACHE,
    WHOLE_NUMBER_SETTINGS,
    check_whole_number,
)
from erpgate.integration.service import TAX_POLICIES, URL_FIELDS, integration_changed
from erpgate.kit.crypto import SecretBox
from erpgate.kit.redaction import mask_tail, mask_url
from erpgate.models.integration import URL_LENGTH, Integration

TIMEOUT_MIN_SECONDS = 0.5
TIMEOUT_MAX_SECONDS = 30.0
MAX_RECEIVERS = 20
SECRET_MAX_LENGTH = 4096
_RECEIVER_SEPARATORS = re.compile(r"[,;\r\n]+")


def timeout_field(endpoint: Endpoint) -> str:
    return f"timeout_{endpoint.value}"


@dataclass(slots=True)
class CleanSettings:
    """Settings that passed every check; token None means "keep the stored Token"."""

    key: str
    token: str | None
    auth_style: str
    oauth_token_url: str | None
    urls: dict[Endpoint, str | None]
    timeouts: dict[str, float]
    tax_failure_policy: str
    stale_max_age_seconds: int
    notify_sender: str | None
    notify_receivers: list[str] = field(default_factory=list)
    order_retry_hours: int = DEFAULT_ORDER_RETRY_HOURS
    price_cache_seconds: int = DEFAULT_PRICE_CACHE_SECONDS
    stock_cache_seconds: int = DEFAULT_STOCK_CACHE_SECONDS


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value)


def clean_secret(value: str, label: str, errors: dict[str, str], name: str) -> str:
    # Pasting from a password manager or a terminal often brings a space or a newline along.
    cleaned = value.strip()
    if len(cleaned) > SECRET_MAX_LENGTH:
        errors[name] = f"The {label} is longer than {SECRET_MAX_LENGTH} characters."
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned):
        errors[name] = f"The {label} contains a line break or another control character."
    return cleaned


def _address(value: str) -> str:
    return validate_email(value, check_deliverability=False).normalized


async def _check_url_field(
    raw_value: str,
    name: str,
    options: ErpClientOptions,
    errors: dict[str, str],
    store_id: uuid.UUID | None,
) -> str | None:
    value = raw_value.strip()
    if not value:
        return None
    if len(value) > URL_LENGTH:
        errors[name] = f"The address is longer than {URL_LENGTH} characters."
        return None
    problem = await check_url(value, options, store_id)
    if problem is not None:
        errors[name] = problem + "."
        return None
    return value


def _check_timeout(raw_value: str, endpoint: Endpoint, errors: dict[str, str]) -> float:
    text = raw_value.strip().removesuffix("s").strip()
    if not text:
        return endpoint.default_timeout_seconds
    try:
        seconds = float(text)
    except ValueError:
        errors[timeout_field(endpoint)] = "The timeout is a number of seconds, such as 5 or 2.5."
        return endpoint.default_timeout_seconds
    if not TIMEOUT_MIN_SECONDS <= seconds <= TIMEOUT_MAX_SECONDS:
        errors[timeout_field(endpoint)] = (
            f"The timeout is between {TIMEOUT_MIN_SECONDS:g} and {TIMEOUT_MAX_SECONDS:g} seconds."
        )
    return seconds


def _check_notifications(
    raw: Mapping[str, Any], errors: dict[str, str]
) -> tuple[str | None, list[str]]:
    sender_text = _text(raw, "notify_sender").strip()
    sender: str | None = None
    if sender_text:
        if "\n" in sender_text or "\r" in sender_text:
            errors["notify_sender"] = "The sender is one address on one line."
        else:
            try:
                sender = _address(sender_text)
            except EmailNotValidError as exc:
                errors["notify_sender"] = f"{sender_text} is not a valid e-mail address: {exc}"
    receivers_raw = raw.get("notify_receivers")
    if isinstance(receivers_raw, list):
        items = [str(item) for item in receivers_raw]
        if any("\n" in item or "\r" in item for item in items):
            errors["notify_receivers"] = "Each receiver is one address without line breaks."
            return sender, []
        pieces = [piece for item in items for piece in _RECEIVER_SEPARATORS.split(item)]
    else:
        pieces = _RECEIVER_SEPARATORS.split(_text(raw, "notify_receivers"))
    receivers: list[str] = []
    bad: list[str] = []
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        try:
            address = _address(piece)
        except EmailNotValidError:
            bad.append(piece)
            continue
        if address.lower() not in (r.lower() for r in receivers):
            receivers.append(address)
    if bad:
        errors["notify_receivers"] = "Not valid e-mail addresses: " + ", ".join(bad[:5]) + "."
    elif len(receivers) > MAX_RECEIVERS:
        errors["notify_receivers"] = f"At most {MAX_RECEIVERS} receivers."
    return sender, receivers


async def validate_settings(
    raw: Mapping[str, Any],
    *,
    current: Integration | None,
    box: SecretBox,
    options: ErpClientOptions,
    store_id: uuid.UUID | None = None,
) -> CleanSettings:
    """Check every field; raise ValidationFailed with one message per bad field. ``store_id``
    is the store the settings are for (allowlist entries may name stores)."""
    errors: dict[str, str] = {}
    auth_style = _text(raw, "auth_style").strip().lower() or "bearer"
    if auth_style not in AUTH_STYLES:
        errors["auth_style"] = f"Choose one of: {', '.join(AUTH_STYLES)}."
    key = clean_secret(_text(raw, "key"), "Key", errors, "key")
    typed_token = clean_secret(_text(raw, "token"), "Token", errors, "token")
    # Write-only: an empty Token field keeps the stored one.
    token = typed_token or None
    if token and auth_style == "bearer" and any(ch.isspace() for ch in token):
        errors["token"] = "A bearer Token has no spaces inside; paste only the token itself."  # noqa: S105
    effective_token = token if token is not None else _stored_token(current, box)

    oauth_token_url = None
    if auth_style == "oauth2":
        oauth_token_url = await _check_url_field(
            _text(raw, "oauth_token_url"), "oauth_token_url", options, errors, store_id
        )
        if oauth_token_url is None and "oauth_token_url" not in errors:
            errors["oauth_token_url"] = "OAuth2 needs a token URL."  # noqa: S105

    urls: dict[Endpoint, str | None] = {}
    timeouts: dict[str, float] = {}
    for endpoint in Endpoint:
        name = URL_FIELDS[endpoint]
        urls[endpoint] = await _check_url_field(_text(raw, name), name, options, errors, store_id)
        timeouts[endpoint.value] = _check_timeout(
            _text(raw, timeout_field(endpoint)), endpoint, errors
        )

    policy = _text(raw, "tax_failure_policy").strip().lower() or "estimate"
    if policy not in TAX_POLICIES:
        errors["tax_failure_policy"] = f"Choose one of: {', '.join(TAX_POLICIES)}."
    numbers = {
        setting.name: check_whole_number(_text(raw, setting.name), setting, errors)
        for setting in WHOLE_NUMBER_SETTINGS
    }
    sender, receivers = _check_notifications(raw, errors)

    if not {"key", "token", "auth_style"} & errors.keys() and auth_style in AUTH_STYLES:
        _check_credentials(auth_style, key, effective_token, oauth_token_url, errors)
    if errors:
        raise ValidationFailed("Some settings are not valid; see the fields.", fields=errors)
    return CleanSettings(
        key=key,
        token=token,
        auth_style=auth_style,
        oauth_token_url=oauth_token_url,
        urls=urls,
        timeouts=timeouts,
        tax_failure_policy=policy,
        stale_max_age_seconds=numbers[STALE_MAX_AGE.name],
        notify_sender=sender,
        notify_receivers=receivers,
        order_retry_hours=numbers[ORDER_RETRY.name],
        price_cache_seconds=numbers[PRICE_CACHE.name],
        stock_cache_seconds=numbers[STOCK_CACHE.name],
    )


def _check_credentials(
    auth_style: str, key: str, token: str, token_url: str | None, errors: dict[str, str]
) -> None:
    credentials = Credentials(
        auth_style=auth_style,  # type: ignore[arg-type]
        key=key,
        token=token,
        token_url=token_url or None,
    )
    try:
        credentials.validate()
    except ValueError as exc:
        message = str(exc) + "."
        # Put the sentence next to the field it is about.
        if "token URL" in message:
            errors.setdefault("oauth_token_url", message)
        elif "Token" in message:
            errors.setdefault("token", message)
        else:
            errors.setdefault("key", message)


def _stored_token(current: Integration | None, box: SecretBox) -> str:
    if current is None or not current.token_encrypted:
        return ""
    return box.decrypt(current.token_encrypted)


def settings_view(current: Integration | None, box: SecretBox) -> dict[str, Any]:
    """What the form and GET show. The Token never leaves: only •••• and its last 4 characters."""
    if current is None:
        return {
            "installed": False,
            "key": "",
            "token_hint": "",
            "token_set": False,
            "auth_style": "bearer",
            "oauth_token_url": "",
            "urls": {e.value: "" for e in Endpoint},
            "timeouts": {e.value: e.default_timeout_seconds for e in Endpoint},
            "tax_failure_policy": "estimate",
            **{setting.name: setting.default for setting in WHOLE_NUMBER_SETTINGS},
            "notify_sender": "",
            "notify_receivers": [],
        }
    token = _stored_token(current, box)
    return {
        "installed": current.installed,
        "key": box.decrypt(current.key_encrypted) if current.key_encrypted else "",
        "token_hint": mask_tail(token),
        "token_set": bool(token),
        "auth_style": current.auth_style,
        "oauth_token_url": current.oauth_token_url or "",
        "urls": {e.value: getattr(current, URL_FIELDS[e]) or "" for e in Endpoint},
        "timeouts": {
            e.value: float(current.timeouts.get(e.value, e.default_timeout_seconds))
            for e in Endpoint
        },
        "tax_failure_policy": current.tax_failure_policy,
        **{setting.name: getattr(current, setting.name) for setting in WHOLE_NUMBER_SETTINGS},
        "notify_sender": current.notify_sender or "",
        "notify_receivers": list(current.notify_receivers or []),
    }


def form_values(view: dict[str, Any]) -> dict[str, str]:
    """The flat field-name → text mapping the HTML form uses."""
    values = {
        "key": view["key"],
        "token": "",
        "auth_style": view["auth_style"],
        "oauth_token_url": view["oauth_token_url"],
        "tax_failure_policy": view["tax_failure_policy"],
        **{setting.name: str(view[setting.name]) for setting in WHOLE_NUMBER_SETTINGS},
        "notify_sender": view["notify_sender"],
        "notify_receivers": "\n".join(view["notify_receivers"]),
    }
    for endpoint in Endpoint:
        values[URL_FIELDS[endpoint]] = view["urls"][endpoint.value]
        values[timeout_field(endpoint)] = f"{view['timeouts'][endpoint.value]:g}"
    return values


def _shown(name: str, value: Any) -> str:
    """A setting as the audit log may keep it: the Key masked like the Token (both are stored
    encrypted, never in clear), URLs without credentials, lists joined."""
    if name == "key":
        return mask_tail(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if name.startswith("urls.") or name == "oauth_token_url":
        return mask_url(value) if value else ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _flat(view: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in view.items():
        if name in ("installed", "token_hint", "token_set"):
            continue
        if isinstance(value, dict):
            flat.update({f"{name}.{sub}": item for sub, item in value.items()})
        else:
            flat[name] = value
    return flat


def setting_changes(
    before: dict[str, Any], after: dict[str, Any], *, token_replaced: bool
) -> list[dict[str, str]]:
    """Each changed setting as {"field", "old", "new"}, named as in the JSON API (``urls.orders``),
    with secrets masked (the Token as •••• and its last 4 characters, as the settings show it)."""
    old, new = _flat(before), _flat(after)
    changes = [
        {"field": name, "old": _shown(name, old[name]), "new": _shown(name, value)}
        for name, value in new.items()
        if old[name] != value
    ]
    if token_replaced:
        changes.append({"field": "token", "old": before["token_hint"], "new": after["token_hint"]})
    return changes


async def save_settings(
    db: AsyncSession, store_id: uuid.UUID, box: SecretBox, clean: CleanSettings
) -> tuple[Integration, list[str], list[dict[str, str]]]:
    """Store validated settings; returns the row, the names of the settings that changed and
    each change, masked (``setting_changes``)."""
    integration = await repository.get_for_store(db, store_id)
    if integration is None:
        integration = await repository.add(db, Integration(store_id=store_id, timeouts={}))
    before = settings_view(integration, box)
    integration.key_encrypted = box.encrypt(clean.key) if clean.key else None
    if clean.token is not None:
        integration.token_encrypted = box.encrypt(clean.token)
    integration.auth_style = clean.auth_style
    integration.oauth_token_url = clean.oauth_token_url
    for endpoint, url in clean.urls.items():
        setattr(integration, URL_FIELDS[endpoint], url)
    integration.timeouts = dict(clean.timeouts)
    integration.tax_failure_policy = clean.tax_failure_policy
    integration.stale_max_age_seconds = clean.stale_max_age_seconds
    integration.order_retry_hours = clean.order_retry_hours
    integration.price_cache_seconds = clean.price_cache_seconds
    integration.stock_cache_seconds = clean.stock_cache_seconds
    integration.notify_sender = clean.notify_sender
    integration.notify_receivers = list(clean.notify_receivers)
    await db.flush()
    integration_changed(db)
    after = settings_view(integration, box)
    changed = [name for name in after if name != "token_hint" and before[name] != after[name]]
    if clean.token is not None and "token_set" not in changed:
        changed.append("token")
    changes = setting_changes(before, after, token_replaced=clean.token is not None)
    return integration, changed, changes
