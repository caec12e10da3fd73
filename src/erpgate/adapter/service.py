"""Reading, saving and removing a store's adapter settings (``integration.adapter``).

The integration row owns the column; this service only replaces its value, flushes, and tells
the integration snapshots to reload, so the next ERP read already goes through the new profile.
Services never commit and never write the audit log (the admin routes do, with ``changes``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.erp.adapters.profile import SHIPPED, Profile, shipped_profile
from erpgate.errors import Conflict, ValidationFailed
from erpgate.integration import service as integration_service
from erpgate.integration.adapter import (
    AdapterSettings,
    AdapterSettingsError,
    read_adapter_settings,
    secret_hints,
    stored_adapter,
    stored_json,
)
from erpgate.integration.settings import clean_secret
from erpgate.kit.crypto import SecretBox
from erpgate.models.integration import Integration

NOT_INSTALLED = (
    "Install the Generic ERP Integration app first: the adapter is part of its settings."
)


@dataclass(frozen=True, slots=True)
class AdapterState:
    """What the page and the API show: the stored copy as stored, and whether it still loads."""

    profile: dict[str, Any] | None
    endpoints: list[str]
    problem: str | None
    # Whether the adapter's own Key and Token are set: all that is ever shown of them.
    key_set: bool = False
    token_set: bool = False


def shipped_choices() -> list[tuple[str, str]]:
    """(name, label) of each profile erpgate ships."""
    return [(name, shipped_profile(name).label or name) for name in SHIPPED]


def adapter_state(integration: Integration | None) -> AdapterState:
    raw = integration.adapter if integration is not None else None
    loaded = stored_adapter(raw)
    if raw is None or loaded is None:
        return AdapterState(None, [], None)
    hints = secret_hints(raw)
    if isinstance(loaded, str):  # kept as stored, so nothing is lost while it is fixed
        profile = raw.get("profile")
        endpoints = raw.get("endpoints")
        return AdapterState(
            profile if isinstance(profile, dict) else None,
            [e for e in endpoints if isinstance(e, str)] if isinstance(endpoints, list) else [],
            loaded,
            **hints,
        )
    settings = loaded.as_json()
    return AdapterState(settings["profile"], settings["endpoints"], None, **hints)


async def get_adapter(db: AsyncSession, store_id: uuid.UUID) -> AdapterState:
    return adapter_state(await integration_service.get_integration(db, store_id))


def check_adapter(raw: Any) -> AdapterSettings:
    """Checked settings, or ValidationFailed listing every problem (nothing is saved)."""
    try:
        return read_adapter_settings(raw)
    except AdapterSettingsError as exc:
        raise invalid(exc.problems) from None


def check_secrets(key: str | None, token: str | None) -> dict[str, str | None]:
    """The Key and Token as given, trimmed and checked like the integration's own (length,
    line breaks and other control characters); ValidationFailed names each bad one."""
    fields: dict[str, str] = {}
    cleaned = {
        name: clean_secret(value, f"adapter {name.capitalize()}", fields, name)
        if value is not None
        else None
        for name, value in (("key", key), ("token", token))
    }
    if fields:
        raise ValidationFailed(
            "The adapter settings have problems; nothing was saved.", fields=fields
        )
    return cleaned


def invalid(problems: list[str]) -> ValidationFailed:
    """Every problem sentence, grouped under the part of the body it concerns."""
    fields: dict[str, list[str]] = {}
    for problem in problems:
        name = problem.split(":", 1)[0] if ":" in problem else "profile"
        name = name if name in ("profile", "endpoints") else "profile"
        fields.setdefault(name, []).append(problem)
    return ValidationFailed(
        "The adapter settings have problems; nothing was saved.",
        fields={name: "; ".join(found) for name, found in fields.items()},
        extra={"problems": problems},
    )


async def save_adapter(
    db: AsyncSession,
    store_id: uuid.UUID,
    settings: AdapterSettings,
    box: SecretBox,
    *,
    key: str | None = None,
    token: str | None = None,
) -> tuple[AdapterState, list[dict[str, str | None]]]:
    """Store the settings; returns what is stored now and the changes to audit. A secret given
    as None keeps the saved one; an empty text removes it."""
    integration = await _integration(db, store_id)
    before = adapter_state(integration)
    previous = integration.adapter
    integration.adapter = stored_json(settings, box, key=key, token=token, previous=previous)
    secrets_changed = [
        name
        for name, value in (("key", key), ("token", token))
        if value is not None
        and (value or (previous or {}).get(f"{name}_encrypted"))  # "" changes only what was set
    ]
    await db.flush()
    integration_service.integration_changed(db)
    after = adapter_state(integration)
    # The secrets are never audited by value, only as changed.
    found = changes(before, after) + [
        {"field": f"adapter {name}", "old": None, "new": "changed"} for name in secrets_changed
    ]
    return after, found


async def remove_adapter(
    db: AsyncSession, store_id: uuid.UUID
) -> tuple[AdapterState, list[dict[str, str | None]]]:
    """No adapter: every endpoint is read from its contract URL again."""
    integration = await _integration(db, store_id)
    before = adapter_state(integration)
    integration.adapter = None
    await db.flush()
    integration_service.integration_changed(db)
    after = adapter_state(integration)
    return after, changes(before, after)


async def _integration(db: AsyncSession, store_id: uuid.UUID) -> Integration:
    integration = await integration_service.get_integration(db, store_id)
    if integration is None:
        raise Conflict(NOT_INSTALLED)
    return integration


def changes(before: AdapterState, after: AdapterState) -> list[dict[str, str | None]]:
    """Audit lines: the endpoints and the profile's name as values; other profile parts by
    name only, since a header or a login body may hold something close to a secret."""
    found: list[dict[str, str | None]] = []
    if before.endpoints != after.endpoints:
        found.append(
            {
                "field": "adapter endpoints",
                "old": ", ".join(before.endpoints) or "none",
                "new": ", ".join(after.endpoints) or "none",
            }
        )
    old_name = (before.profile or {}).get("name")
    new_name = (after.profile or {}).get("name")
    if old_name != new_name:
        found.append(
            {
                "field": "adapter profile",
                "old": str(old_name or "none"),
                "new": str(new_name or "none"),
            }
        )
    for path in changed_paths(before.profile or {}, after.profile or {}):
        if path != "name":
            found.append({"field": f"adapter profile {path}", "old": None, "new": "changed"})
    return found


def changed_paths(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted paths where two profiles differ, down to the endpoint's parts."""
    if not (isinstance(old, dict) and isinstance(new, dict)) or prefix.count(".") >= 2:
        return [prefix] if old != new else []
    paths: list[str] = []
    for key in sorted(set(old) | set(new)):
        path = f"{prefix}.{key}" if prefix else key
        paths.extend(changed_paths(old.get(key), new.get(key), path))
    return paths


async def preview_profile(db: AsyncSession, store_id: uuid.UUID, raw: Any) -> Profile | None:
    """The profile a preview runs: the one sent (a name or an object, unsaved) or the saved one
    (None when there is none); ValidationFailed when it does not load."""
    if raw is not None:
        return check_adapter({"profile": raw, "endpoints": []}).profile
    integration = await integration_service.get_integration(db, store_id)
    loaded = stored_adapter(integration.adapter if integration is not None else None)
    if isinstance(loaded, str):
        raise ValidationFailed(loaded, fields={"profile": loaded})
    return loaded.profile if loaded is not None else None
