"""A store's adapter settings: the copy of a profile it keeps, which endpoints it serves, and the
targets the integration snapshot builds from them.

Stored as ``integration.adapter = {"profile": {...}, "endpoints": ["orders", ...],
"key_encrypted": ..., "token_encrypted": ...}``. A listed endpoint is read through the profile,
whatever its contract URL says. The adapter's Key and Token are its auth driver's secrets (client
id and secret, API key and secret, user name and password): its own, since the endpoints left on
contract URLs (taxes, shipping, ...) may be served by a middleware with other credentials. They
are encrypted like the integration's Token and never shown again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from erpgate.erp.adapters.profile import (
    ADAPTABLE,
    Profile,
    ProfileError,
    parse_profile,
    profile_json,
    shipped_profile,
)
from erpgate.erp.adapters.targets import adapter_target
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpNotConfiguredError
from erpgate.erp.options import ErpClientOptions
from erpgate.erp.targets import ErpTarget
from erpgate.kit.crypto import SecretBox

ADAPTABLE_NAMES = tuple(endpoint.value for endpoint in ADAPTABLE)


@dataclass(frozen=True, slots=True)
class AdapterSettings:
    profile: Profile
    endpoints: tuple[Endpoint, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "profile": profile_json(self.profile),
            "endpoints": [endpoint.value for endpoint in self.endpoints],
        }


class AdapterSettingsError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def read_adapter_settings(raw: Any) -> AdapterSettings:
    """Checked settings from what the form or the API sent (AdapterSettingsError: every
    problem, each a sentence)."""
    if not isinstance(raw, dict):
        raise AdapterSettingsError(['adapter: expected an object {"profile", "endpoints"}'])
    problems: list[str] = []
    profile: Profile | None = None
    source = raw.get("profile")
    if isinstance(source, str):  # the name of a shipped profile: start from its copy
        try:
            profile = shipped_profile(source)
        except ProfileError as exc:
            problems.extend(exc.problems)
    else:
        try:
            profile = parse_profile(source)
        except ProfileError as exc:
            problems.extend(f"profile: {problem}" for problem in exc.problems)
    names = raw.get("endpoints", [])
    endpoints: list[Endpoint] = []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        problems.append("endpoints: expected a list of endpoint names")
        names = []
    for name in names:
        if name not in ADAPTABLE_NAMES:
            problems.append(f"endpoints: {name!r} is not one of {', '.join(ADAPTABLE_NAMES)}")
        elif profile is not None and profile.endpoints.get(name) is None:
            problems.append(f"endpoints: the profile does not map {name}")
        elif Endpoint(name) not in endpoints:
            endpoints.append(Endpoint(name))
    if problems or profile is None:
        raise AdapterSettingsError(problems or ["profile: missing"])
    return AdapterSettings(profile, tuple(endpoints))


def stored_json(
    settings: AdapterSettings,
    box: SecretBox,
    *,
    key: str | None,
    token: str | None,
    previous: dict[str, Any] | None,
) -> dict[str, Any]:
    """What ``integration.adapter`` keeps. A secret given as None keeps the saved one (the form
    never shows it again); an empty text removes it."""
    stored = settings.as_json()
    for name, value in (("key", key), ("token", token)):
        field = f"{name}_encrypted"
        if value is None:
            if previous and previous.get(field):
                stored[field] = previous[field]
        elif value:
            stored[field] = box.encrypt(value)
    return stored


def adapter_secrets(raw: dict[str, Any] | None, box: SecretBox) -> tuple[str, str]:
    """The adapter's Key and Token, decrypted ("" when not set)."""
    raw = raw or {}
    key, token = raw.get("key_encrypted"), raw.get("token_encrypted")
    return (box.decrypt(key) if key else "", box.decrypt(token) if token else "")


def secret_hints(raw: dict[str, Any] | None) -> dict[str, bool]:
    """Whether each secret is set: all a page or the API may say about them."""
    raw = raw or {}
    return {
        "key_set": bool(raw.get("key_encrypted")),
        "token_set": bool(raw.get("token_encrypted")),
    }


def stored_adapter(raw: dict[str, Any] | None) -> AdapterSettings | str | None:
    """The stored settings, or the sentence saying why they no longer load."""
    if not raw:
        return None
    try:
        return read_adapter_settings(raw)
    except AdapterSettingsError as exc:
        return f"The adapter profile no longer loads: {exc}"


def adapter_targets(
    raw: dict[str, Any] | None,
    options: ErpClientOptions,
    box: SecretBox,
    *,
    store_id: uuid.UUID,
    timeouts: dict[Endpoint, float],
    store_slug: str,
) -> dict[Endpoint, ErpTarget]:
    """One target per endpoint the adapter serves (a refusing one if the profile broke)."""
    settings = stored_adapter(raw)
    key, token = adapter_secrets(raw, box)
    if settings is None:
        return {}
    if isinstance(settings, str):
        endpoints = [Endpoint(n) for n in (raw or {}).get("endpoints", []) if n in ADAPTABLE_NAMES]
        refusal = ErpNotConfiguredError(settings)
        return {
            endpoint: ErpTarget(
                store_id=store_id,
                endpoint=endpoint,
                url="adapter:",
                timeout_seconds=timeouts[endpoint],
                credentials=Credentials(),
                refusal=refusal,
                store_slug=store_slug,
            )
            for endpoint in endpoints
        }
    return {
        endpoint: adapter_target(
            options,
            store_id=store_id,
            endpoint=endpoint,
            profile=settings.profile,
            timeout_seconds=timeouts[endpoint],
            key=key,
            token=token,
            store_slug=store_slug,
        )
        for endpoint in settings.endpoints
    }
