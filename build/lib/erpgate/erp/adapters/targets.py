"""Adapted targets: an endpoint served by the store's adapter profile, judged once when the
integration snapshot is built (base URL, credentials for the auth driver), like a contract URL."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from uuid import UUID

from erpgate.erp.adapters.outgoing import AdapterPlan, join_url
from erpgate.erp.adapters.profile import AuthSpec, Profile
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpBlockedError, ErpCredentialsError, ErpSsrfError
from erpgate.erp.options import ErpClientOptions
from erpgate.erp.ssrf import url_refusal
from erpgate.erp.targets import ErpTarget


def driver_credentials(profile: Profile, key: str, token: str) -> Credentials:
    """The store's Key and Token as the profile's auth driver uses them."""
    auth = profile.auth
    if auth.driver == "oauth2":
        return Credentials("oauth2", key, token, token_url=auth.token_url, scope=auth.scope)
    if auth.driver == "header":
        return Credentials("header", auth.header or "", token)
    return Credentials("bearer", key, token)


def driver_refusal(profile: Profile, credentials: Credentials) -> str | None:
    driver = profile.auth.driver
    if driver in ("token", "login_session", "oauth2") and not (
        credentials.key and credentials.token
    ):
        what = {"token": "API key and secret", "login_session": "user name and password"}
        return f"The {driver} driver needs a Key and a Token ({what.get(driver, 'client id and secret')})"
    if not credentials.token:
        return f"The {driver} driver needs a Token"
    if any(ch in value for value in (credentials.key, credentials.token) for ch in "\r\n\0"):
        return "Key and Token cannot contain line breaks"
    return None


def static_headers(profile: Profile, credentials: Credentials) -> tuple[tuple[str, str], ...]:
    driver = profile.auth.driver
    if driver == "bearer":
        return (("Authorization", f"Bearer {credentials.token}"),)
    if driver == "header":
        return ((credentials.key, credentials.token),)
    if driver == "token":
        return (("Authorization", f"token {credentials.key}:{credentials.token}"),)
    return ()  # oauth2: a fetched token; login_session: the session's cookies


def adapter_target(
    options: ErpClientOptions,
    *,
    store_id: UUID | None,
    endpoint: Endpoint,
    profile: Profile,
    timeout_seconds: float,
    key: str,
    token: str,
    store_slug: str = "",
) -> ErpTarget:
    spec = profile.endpoint(endpoint)
    if spec is None:
        raise ValueError(f"profile {profile.name!r} does not map {endpoint.value}")
    credentials = driver_credentials(profile, key, token)
    refusal: ErpBlockedError | None = None
    reason = url_refusal(profile.base_url, options, store_id)
    if reason is not None:
        refusal = ErpSsrfError(f"Adapter base URL: {reason}")
    elif (problem := driver_refusal(profile, credentials)) is not None:
        refusal = ErpCredentialsError(problem)
    fingerprint = hashlib.sha256(f"{key}\0{token}".encode()).hexdigest()[:16]
    plan = AdapterPlan(
        profile=profile,
        spec=spec,
        endpoint=endpoint,
        static_headers=static_headers(profile, credentials) if refusal is None else (),
        session_key=(store_id, profile.base_url, fingerprint)
        if profile.auth.driver == "login_session"
        else None,
    )
    return ErpTarget(
        store_id=store_id,
        endpoint=endpoint,
        url=join_url(profile.base_url, spec.path),
        timeout_seconds=timeout_seconds,
        credentials=credentials,
        refusal=refusal,
        store_slug=store_slug,
        adapter=plan,
    )


def without_credentials(target: ErpTarget) -> ErpTarget:
    """The same adapted endpoint sending the ERP's own request with no credential at all (no
    token, no login, no auth header): the conformance checker's "auth required" probe."""
    plan = target.adapter
    if plan is None:
        raise ValueError("not an adapted target")
    bare_auth = AuthSpec(driver="bearer", headers=plan.profile.auth.headers)
    profile = plan.profile.model_copy(update={"auth": bare_auth})
    bare_plan = replace(plan, profile=profile, static_headers=(), session_key=None, ask_anyway=True)
    return replace(target, credentials=Credentials(), refusal=None, adapter=bare_plan)
