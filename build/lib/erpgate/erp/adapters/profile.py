"""Adapter profiles: what a store's adapter is, checked before any call uses it.

A profile is declarative data: the ERP's base URL, an auth driver, and per contract endpoint a
request template, a paging style and a JSONata mapping to the contract's answer. Four ship with
erpgate (``profiles/*.toml``); a store keeps its own copy in its settings and may edit it.
"""

from __future__ import annotations

import json
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from erpgate.erp.adapters.mapping import compile_issue
from erpgate.erp.adapters.templates import REQUEST_VALUES, SECRET_VALUES, check_template
from erpgate.erp.endpoints import Endpoint

ADAPTABLE = (Endpoint.ORDERS, Endpoint.ORDER, Endpoint.INVOICES, Endpoint.INVOICE, Endpoint.BALANCE)
LIST_ENDPOINTS = frozenset({Endpoint.ORDERS, Endpoint.INVOICES})
SHIPPED = ("business-central", "sap-b1", "erpnext", "odoo")
DEFAULT_ROW_CAP = 1000
MAX_ROW_CAP = 20_000

AuthDriver = Literal["bearer", "header", "token", "oauth2", "login_session"]
PagingStyle = Literal["odata", "limit_start", "offset_limit", "none"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LoginSpec(_Strict):
    path: str = Field(min_length=1, description="Login path, relative to the base URL.")
    body: dict[str, Any] = Field(description="JSON template; {key} and {token} are the secrets.")
    cookies: tuple[str, ...] = Field(min_length=1, description="Cookies the login must set.")
    logout_path: str | None = None
    session_seconds: int = Field(default=1500, ge=30, le=86_400)


class AuthSpec(_Strict):
    driver: AuthDriver
    header: str | None = Field(default=None, description="The header driver's header name.")
    token_url: str | None = None
    scope: str | None = None
    login: LoginSpec | None = None
    headers: dict[str, str] = Field(default_factory=dict, description="Sent on every call.")


class PagingSpec(_Strict):
    style: PagingStyle = "none"
    rows: str = Field(default="", description="Dotted path to the rows; empty: the answer.")
    put: Literal["query", "body"] = "query"
    next_link: str | None = Field(default=None, description="Key of the next page's link.")
    max_pages: int = Field(default=10, ge=1, le=100)


class EndpointSpec(_Strict):
    method: Literal["GET", "POST"] = "GET"
    path: str = Field(min_length=1)
    query: dict[str, Any] = Field(default_factory=dict)
    body: Any = None
    headers: dict[str, str] = Field(default_factory=dict)
    paging: PagingSpec = PagingSpec()
    filters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    mapping: str = Field(min_length=1)


class Profile(_Strict):
    name: str = Field(min_length=1, max_length=80)
    label: str = ""
    base_url: str = Field(min_length=1)
    auth: AuthSpec
    endpoints: dict[str, EndpointSpec]
    row_cap: int = Field(default=DEFAULT_ROW_CAP, ge=1, le=MAX_ROW_CAP)

    def endpoint(self, endpoint: Endpoint) -> EndpointSpec | None:
        return self.endpoints.get(endpoint.value)


class ProfileError(ValueError):
    """A profile that cannot work; ``problems`` holds one sentence per thing to fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_profile(data: Any) -> Profile:
    """A checked profile, or ProfileError naming every problem (settings form, API, CLI)."""
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(
            [
                f"{'.'.join(str(p) for p in error['loc']) or 'profile'}: {error['msg']}"
                for error in exc.errors(include_url=False)
            ]
        ) from None
    problems = profile_problems(profile)
    if problems:
        raise ProfileError(problems)
    return profile


def profile_problems(profile: Profile) -> list[str]:
    problems: list[str] = []
    known = {endpoint.value for endpoint in ADAPTABLE}
    auth = profile.auth
    if auth.driver == "oauth2" and not auth.token_url:
        problems.append("auth: the oauth2 driver needs a token_url")
    if auth.driver == "login_session":
        if auth.login is None:
            problems.append("auth: the login_session driver needs a [auth.login] section")
        else:
            for problem in check_template(auth.login.body, allowed=SECRET_VALUES, filters={}):
                problems.append(f"auth.login.body: {problem}")
    if auth.driver == "header" and not auth.header:
        problems.append("auth: the header driver needs the header's name")
    if not profile.endpoints:
        problems.append("endpoints: the profile maps no endpoint")
    for name, spec in profile.endpoints.items():
        if name not in known:
            problems.append(
                f"endpoints.{name}: not an endpoint an adapter serves ({sorted(known)})"
            )
            continue
        for part, template in (("path", spec.path), ("query", spec.query), ("body", spec.body)):
            for problem in check_template(template, allowed=REQUEST_VALUES, filters=spec.filters):
                problems.append(f"endpoints.{name}.{part}: {problem}")
        issue = compile_issue(spec.mapping)
        if issue is not None:
            problems.append(f"endpoints.{name}.mapping: {issue.sentence()}")
        if Endpoint(name) in LIST_ENDPOINTS and spec.paging.style == "none":
            problems.append(f"endpoints.{name}.paging: a list needs a paging style")
        if spec.paging.style == "odata" and not spec.paging.next_link:
            problems.append(f"endpoints.{name}.paging: odata paging needs next_link")
    return problems


@cache
def shipped_profile(name: str) -> Profile:
    """One of the profiles erpgate ships, parsed and checked (a broken one fails its tests)."""
    if name not in SHIPPED:
        raise ProfileError([f"no shipped profile {name!r}; shipped: {', '.join(SHIPPED)}"])
    text = resources.files("erpgate.erp.adapters").joinpath(f"profiles/{name}.toml").read_text()
    return parse_profile(tomllib.loads(text))


def load_profile(source: str) -> Profile:
    """A shipped profile by name, or a profile file (.toml or .json) by path."""
    if source in SHIPPED:
        return shipped_profile(source)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ProfileError(
            [
                f"{source!r} is neither a shipped profile ({', '.join(SHIPPED)}) nor a readable "
                f"file ({exc.strerror})"
            ]
        ) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(
            [f"{source}: not valid {path.suffix.lstrip('.') or 'TOML'}: {exc}"]
        ) from None
    return parse_profile(data)


def with_addresses(
    profile: Profile, *, base_url: str | None = None, token_url: str | None = None
) -> Profile:
    """The profile pointed at another ERP (a store's own, a twin): only the addresses change."""
    changes: dict[str, Any] = {}
    if base_url:
        changes["base_url"] = base_url
    if token_url:
        changes["auth"] = profile.auth.model_copy(update={"token_url": token_url})
    return profile.model_copy(update=changes) if changes else profile


def profile_json(profile: Profile) -> dict[str, Any]:
    """The profile as the settings keep it."""
    return profile.model_dump(mode="json", exclude_defaults=False)
