"""What `erpgate check-erp` checks: a config file (TOML or JSON) merged with flags, validated."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from erpgate.conformance.payloads import DEFAULT_PAGE_SIZE, SAMPLE_CURRENCY, CheckPlan
from erpgate.erp.adapters.outgoing import join_url
from erpgate.erp.adapters.profile import (
    ADAPTABLE,
    Profile,
    ProfileError,
    load_profile,
    with_addresses,
)
from erpgate.erp.adapters.targets import adapter_target, driver_credentials, driver_refusal
from erpgate.erp.contract import MAX_PAGE_SIZE, MAX_PRICE_LINES
from erpgate.erp.credentials import AUTH_STYLES, AuthStyle, Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.options import ErpClientOptions, PrivateHost, normalize_host
from erpgate.erp.ssrf import url_refusal
from erpgate.erp.targets import ErpTarget, build_target
from erpgate.mock_erp.paths import PATHS

# The mock ERP's layout, which --base-url assumes.
BASE_PATHS: dict[Endpoint, str] = {Endpoint(name): path for name, path in PATHS.items()}
URL_KEYS: dict[str, Endpoint] = {f"{endpoint.value}_url": endpoint for endpoint in Endpoint}
TEXT_KEYS = (
    "base_url",
    "auth_style",
    "key",
    "token",
    "token_url",
    "customer_code",
    "seller_reference",
    "order_id",
    "invoice_id",
    "other_customer_code",
    "other_order_id",
    "other_invoice_id",
    "submit_sku",
    "currency",
    "format",
    "output",
    "profile",
    "fixtures",
)
KNOWN_KEYS = frozenset(
    {*TEXT_KEYS, *URL_KEYS, "skus", "allow_private", "page_size", "timeout", "latency_budget_ms"}
    | {"timeouts", "budgets_ms"}
)
FORMATS = ("text", "json", "junit")
# One request carries at most MAX_PRICE_LINES SKUs: the given ones and the checker's unknown one.
MAX_SKUS = MAX_PRICE_LINES - 1
CURRENCY_CODE = re.compile(r"[A-Za-z]{3}")
# Every call of a run is a test; a breaker opening half-way would hide the later rules' answers.
NO_BREAKER = 1_000_000


class ConfigProblem(ValueError):
    """A setting that cannot work; the message says which and why (exit code 2)."""


@dataclass(slots=True)
class CheckConfig:
    urls: dict[Endpoint, str]
    credentials: Credentials
    plan: CheckPlan
    allow_private: bool = False
    timeouts: dict[Endpoint, float] = field(default_factory=dict)
    format: str = "text"
    output: str | None = None
    # Endpoints whose URL --base-url made, with the path it assumed (a 404's hint names it).
    base_paths: dict[Endpoint, str] = field(default_factory=dict)
    # --profile: these endpoints are read through the adapter profile, not a contract URL.
    profile: Profile | None = None
    fixtures: str | None = None

    def client_options(self) -> ErpClientOptions:
        hosts: set[str] = set()
        if self.allow_private:
            urls = [*self.urls.values(), self.credentials.token_url or ""]
            if self.profile is not None:
                urls.append(self.profile.base_url)
            hosts = {host for url in urls if (host := _host(url))}
        return ErpClientOptions(
            allowed_private_hosts=frozenset(hosts), breaker_min_calls=NO_BREAKER
        )

    def targets(self, options: ErpClientOptions) -> dict[Endpoint, ErpTarget]:
        profile = self.profile
        return {
            endpoint: adapter_target(
                options,
                store_id=None,
                endpoint=endpoint,
                profile=profile,
                timeout_seconds=self.timeouts.get(endpoint, endpoint.default_timeout_seconds),
                key=self.credentials.key,
                token=self.credentials.token,
            )
            if profile is not None and profile.endpoint(endpoint) is not None
            else build_target(
                options,
                store_id=None,
                endpoint=endpoint,
                url=url,
                timeout_seconds=self.timeouts.get(endpoint, endpoint.default_timeout_seconds),
                credentials=self.credentials,
            )
            for endpoint, url in self.urls.items()
        }


def read_config_file(path: Path) -> dict[str, Any]:
    """A TOML or JSON file of the same keys as the flags (underscores for dashes)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigProblem(f"Cannot read config file {path}: {exc.strerror}") from None
    try:
        data: Any = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        raise ConfigProblem(f"Config file {path} is not valid {kind}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigProblem(f"Config file {path} must hold an object of settings")
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise ConfigProblem(f"Config file {path}: unknown setting(s) {', '.join(unknown)}")
    return data


def _host(url: str) -> str | None:
    """The URL's host and port as an allowlist entry: --allow-private opens exactly those."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return str(PrivateHost(normalize_host(parts.hostname), port))


def _text(values: Mapping[str, Any], name: str) -> str | None:
    value = values.get(name)
    if value is None:
        return None
    if not isinstance(value, str | int):
        raise ConfigProblem(f"{name} must be text")
    # A token pasted with a trailing newline or spaces must still work.
    text = str(value).strip()
    return text or None


def _number(value: Any, name: str, *, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigProblem(f"{name} must be a number")
    try:
        number = float(value)
    except ValueError:
        raise ConfigProblem(f"{name} must be a number, not {value!r}") from None
    if not number >= minimum:
        raise ConfigProblem(f"{name} must be at least {minimum:g}")
    return number


def _per_endpoint(value: Any, name: str, *, minimum: float) -> dict[Endpoint, float]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigProblem(f"{name} must map endpoint names to numbers")
    result: dict[Endpoint, float] = {}
    for key, raw in value.items():
        try:
            endpoint = Endpoint(key)
        except ValueError:
            names = ", ".join(e.value for e in Endpoint)
            raise ConfigProblem(f"{name}: unknown endpoint {key!r} (one of {names})") from None
        result[endpoint] = _number(raw, f"{name}.{key}", minimum=minimum)
    return result


def _urls(values: Mapping[str, Any]) -> tuple[dict[Endpoint, str], dict[Endpoint, str]]:
    """The URL of every endpoint to check, and those made from --base-url (with their path)."""
    urls: dict[Endpoint, str] = {}
    from_base: dict[Endpoint, str] = {}
    base = _text(values, "base_url")
    if base:
        urls = {endpoint: base.rstrip("/") + path for endpoint, path in BASE_PATHS.items()}
        from_base = dict(BASE_PATHS)
    for key, endpoint in URL_KEYS.items():
        # Not stripped: a URL with spaces inside must be refused, not repaired.
        raw = values.get(key)
        if isinstance(raw, str) and raw.strip():
            urls[endpoint] = raw
            from_base.pop(endpoint, None)
    if not urls:
        raise ConfigProblem("Give --base-url or at least one endpoint URL (e.g. --orders-url)")
    return urls, from_base


def _skus(values: Mapping[str, Any]) -> list[str]:
    """The SKUs given (a list, or one text), trimmed, each once."""
    raw = values.get("skus")
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str | int) else raw
    if not isinstance(items, list | tuple) or not all(
        isinstance(item, str | int) and not isinstance(item, bool) for item in items
    ):
        raise ConfigProblem("skus must be a list of SKUs (text)")
    skus = list(dict.fromkeys(text for item in items if (text := str(item).strip())))
    if len(skus) > MAX_SKUS:
        raise ConfigProblem(f"skus: give at most {MAX_SKUS} (one request carries them all)")
    return skus


def _currency(values: Mapping[str, Any]) -> str:
    currency = _text(values, "currency") or SAMPLE_CURRENCY
    if not CURRENCY_CODE.fullmatch(currency):
        raise ConfigProblem(f"currency must be a three-letter ISO 4217 code, not {currency!r}")
    return currency.upper()


def _check_urls(urls: Mapping[str, str], allow_private: bool) -> None:
    hosts = {host for url in urls.values() if (host := _host(url))} if allow_private else set()
    options = ErpClientOptions(allowed_private_hosts=frozenset(hosts))
    for label, url in urls.items():
        refusal = url_refusal(url, options)
        if refusal is not None:
            hint = ""
            if not allow_private and any(
                word in refusal for word in ("loopback", "private", "link-local")
            ):
                hint = " (for a local ERP, pass --allow-private)"
            raise ConfigProblem(f"{label}: {refusal}{hint}")


def _profile(values: Mapping[str, Any]) -> Profile | None:
    source = _text(values, "profile")
    if source is None:
        return None
    try:
        profile = load_profile(source)
    except ProfileError as exc:
        raise ConfigProblem(f"--profile: {exc}") from None
    return with_addresses(
        profile, base_url=_text(values, "base_url"), token_url=_text(values, "token_url")
    )


def _profile_config(values: Mapping[str, Any], profile: Profile) -> CheckConfig:
    """--profile: the adapted endpoints' addresses and the auth driver's credentials."""
    urls = {
        endpoint: join_url(profile.base_url, spec.path)
        for endpoint in ADAPTABLE
        if (spec := profile.endpoint(endpoint)) is not None
    }
    for key, endpoint in URL_KEYS.items():  # contract URLs for the rest (taxes, shipping, ...)
        raw = values.get(key)
        if isinstance(raw, str) and raw.strip() and endpoint not in urls:
            urls[endpoint] = raw
    credentials = driver_credentials(
        profile, _text(values, "key") or "", _text(values, "token") or ""
    )
    if _text(values, "fixtures"):
        return _finish(values, urls, {}, credentials, profile)  # offline: nothing is called
    problem = driver_refusal(profile, credentials)
    if problem is not None:
        raise ConfigProblem(f"{problem} (--key, and --token or ERPGATE_CHECK_TOKEN)")
    labelled = {"the profile's base URL": profile.base_url}
    if credentials.token_url:
        labelled["--token-url"] = credentials.token_url
    labelled.update({URL_KEYS_LABEL[e]: url for e, url in urls.items() if e not in ADAPTABLE})
    _check_urls(labelled, bool(values.get("allow_private")))
    return _finish(values, urls, {}, credentials, profile)


def build_config(values: Mapping[str, Any]) -> CheckConfig:
    """Validate merged settings (file, then flags on top) into what a run needs."""
    profile = _profile(values)
    if profile is not None:
        return _profile_config(values, profile)
    if _text(values, "fixtures"):
        raise ConfigProblem("--fixtures needs --profile: the mapping to run over them")
    urls, from_base = _urls(values)
    style = _text(values, "auth_style") or "bearer"
    if style not in AUTH_STYLES:
        raise ConfigProblem(f"--auth-style must be one of {', '.join(AUTH_STYLES)}, not {style!r}")
    auth_style: AuthStyle = style  # type: ignore[assignment]
    token_url = _text(values, "token_url")
    credentials = Credentials(
        auth_style=auth_style,
        key=_text(values, "key") or "",
        token=_text(values, "token") or "",
        token_url=token_url,
    )
    try:
        credentials.validate()
    except ValueError as exc:
        hint = " (use --token or the ERPGATE_CHECK_TOKEN variable)" if "Token" in str(exc) else ""
        raise ConfigProblem(f"{exc}{hint}") from None
    labelled = {URL_KEYS_LABEL[endpoint]: url for endpoint, url in urls.items()}
    if auth_style == "oauth2" and token_url:
        labelled["--token-url"] = token_url
    _check_urls(labelled, bool(values.get("allow_private")))
    return _finish(values, urls, from_base, credentials, None)


def _finish(
    values: Mapping[str, Any],
    urls: dict[Endpoint, str],
    from_base: dict[Endpoint, str],
    credentials: Credentials,
    profile: Profile | None,
) -> CheckConfig:
    """The settings every run shares: the test customer, timeouts, budgets, page size, report."""
    customer_code = _text(values, "customer_code")
    if not customer_code:
        raise ConfigProblem("Give --customer-code: the ERP account number to test with")
    timeouts = {endpoint: endpoint.default_timeout_seconds for endpoint in Endpoint}
    if values.get("timeout") is not None:
        seconds = _number(values["timeout"], "timeout", minimum=0.05)
        timeouts = dict.fromkeys(Endpoint, seconds)
    timeouts.update(_per_endpoint(values.get("timeouts"), "timeouts", minimum=0.05))
    budgets: dict[Endpoint, float] = {}
    if values.get("latency_budget_ms") is not None:
        budget = _number(values["latency_budget_ms"], "latency_budget_ms", minimum=1)
        budgets = dict.fromkeys(Endpoint, budget)
    budgets.update(_per_endpoint(values.get("budgets_ms"), "budgets_ms", minimum=1))
    page_size = int(_number(values.get("page_size", DEFAULT_PAGE_SIZE), "page_size", minimum=1))
    if page_size > MAX_PAGE_SIZE:
        raise ConfigProblem(f"page_size must be at most {MAX_PAGE_SIZE}, the contract's largest")
    other_code = _text(values, "other_customer_code")
    if other_code is not None and other_code == customer_code:
        raise ConfigProblem("--other-customer-code must name another customer than --customer-code")
    output_format = _text(values, "format") or "text"
    if output_format not in FORMATS:
        raise ConfigProblem(f"--format must be one of {', '.join(FORMATS)}")
    plan = CheckPlan(
        customer_code=customer_code,
        seller_reference=_text(values, "seller_reference"),
        order_id=_text(values, "order_id"),
        invoice_id=_text(values, "invoice_id"),
        other_customer_code=other_code,
        other_order_id=_text(values, "other_order_id"),
        other_invoice_id=_text(values, "other_invoice_id"),
        submit_sku=_text(values, "submit_sku"),
        skus=_skus(values),
        currency=_currency(values),
        page_size=page_size,
        budgets_ms=budgets,
    )
    return CheckConfig(
        urls=urls,
        credentials=credentials,
        plan=plan,
        allow_private=bool(values.get("allow_private")),
        timeouts={endpoint: timeouts[endpoint] for endpoint in urls},
        format=output_format,
        output=_text(values, "output"),
        base_paths={endpoint: path for endpoint, path in from_base.items() if endpoint in urls},
        profile=profile,
        fixtures=_text(values, "fixtures"),
    )


URL_KEYS_LABEL: dict[Endpoint, str] = {endpoint: f"--{endpoint.value}-url" for endpoint in Endpoint}
