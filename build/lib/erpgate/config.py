"""Settings, read from ERPGATE_* environment variables or a .env file."""

from __future__ import annotations

import ipaddress
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Development defaults. They let the demo start with no setup; production refuses them.
DEV_SESSION_SECRET = "dev-only-session-secret-change-me"  # noqa: S105
DEV_SECRET_KEY = "ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE="  # noqa: S105


class ConfigError(RuntimeError):
    """A setting that makes it unsafe or impossible to start; the message says which and why."""


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ERPGATE_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/erpgate.db"
    session_secret: SecretStr = SecretStr(DEV_SESSION_SECRET)
    # Fernet keys, comma separated; the first encrypts, all decrypt (rotation).
    secret_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=lambda: [SecretStr(DEV_SECRET_KEY)]
    )
    allowed_private_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    # One access-log line per request (method, route, status, duration, trace id, store); this
    # share of them is written (5xx always).
    access_log: bool = True
    access_log_sample_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    # OpenTelemetry: spans go to this OTLP/HTTP endpoint (e.g. http://collector:4318); unset:
    # tracing off. Needs the `tracing` extra.
    otlp_endpoint: str | None = None
    otel_service_name: str = "erpgate"
    # /readyz: how long the database may take to answer before the instance reports not ready.
    ready_timeout_seconds: float = Field(default=1.5, gt=0, le=10)
    # On SIGTERM, /readyz answers 503 this long (requests still served) before the server stops
    # accepting connections, so a load balancer takes the instance out of rotation first.
    shutdown_drain_seconds: float = Field(default=5.0, ge=0, le=300)
    public_url: str = "http://127.0.0.1:8000"

    # ERP client
    erp_response_cap_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    erp_connections_per_host: int = Field(default=100, ge=1)
    # The breaker of (store, endpoint) opens when, within the window, at least min_calls calls
    # were made, at least failure_rate of them failed by the ERP's fault (transport, timeout,
    # 5xx), from at least min_customers accounts; it stays open open_seconds, then probes once.
    erp_breaker_window_seconds: float = Field(default=60.0, gt=0)
    erp_breaker_min_calls: int = Field(default=10, ge=1)
    erp_breaker_failure_rate: float = Field(default=0.5, gt=0, le=1)
    erp_breaker_min_customers: int = Field(default=3, ge=1)
    erp_breaker_open_seconds: float = Field(default=30.0, gt=0)
    # How often each instance publishes its breakers' transitions and learns the others' (and
    # operators' resets and forced opens): the delay before every instance obeys a change.
    breaker_sync_seconds: float = Field(default=2.0, gt=0, le=60)
    # Identical ERP calls (same store, endpoint, credentials, canonical request) finishing within
    # this window share the last successful answer; 0 shares only calls in flight together.
    erp_share_window_ms: int = Field(default=1000, ge=0)

    # Freeze start-up objects and collect the young generation less often (erpgate.web.gc_tuning);
    # off only where many apps start in one process (the test suite).
    gc_tuning: bool = True

    # Database connections of one process. A request holds at most one at a time; a request that
    # finds none free within this many seconds is answered 503 ("busy, try again") at once
    # instead of waiting on (SQLAlchemy's default is 30 s, then a 500).
    db_pool_timeout_seconds: float = Field(default=3.0, gt=0, le=60)

    # Bodies above this are refused with 413 (the largest legitimate one is a 5 MB CSV upload).
    max_request_body_bytes: int = Field(default=8 * 1024 * 1024, ge=64 * 1024)

    # In-process caches of hot reads. Changes made in this process apply at once; a change made
    # by another instance (sign-out, revocation, new settings) applies here within the TTL.
    # 0 turns a cache off. Cookie-session buyers are cached for GET/HEAD requests only.
    buyer_cache_seconds: float = Field(default=5.0, ge=0)
    integration_cache_seconds: float = Field(default=5.0, ge=0)
    # The stale-fallback copy of an ERP answer is rewritten at most once per this many seconds
    # per request key (written in the background, never in the buyer's transaction).
    stale_save_interval_seconds: float = Field(default=60.0, ge=0)

    # Events, related requests, saved answers and problems: written by one writer per process.
    # A buyer handed the reference of a new problem waits at most this long for it to be stored.
    durable_wait_seconds: float = Field(default=2.0, gt=0)
    # How often the writer stores what accumulated (events, counts); a crash loses at most this.
    writer_flush_seconds: float = Field(default=1.0, gt=0, le=60)
    # A problem resolves after this many successes in a row, or after this many quiet seconds.
    problem_resolve_after_successes: int = Field(default=10, ge=1)
    problem_quiet_seconds: int = Field(default=1800, ge=1)
    # How far back an instance learns which saved answers exist (the longest stale max age).
    stale_index_hours: float = Field(default=24.0, gt=0)
    event_success_sample_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    # Of the successes kept as events, this share also keeps its related requests (the request
    # and the answer, bodies included). Failures, not-founds, Test integration, replays and every
    # call of a Login on storefront session always keep theirs.
    success_requests_sample_rate: float = Field(default=0.1, ge=0.0, le=1.0)
    request_body_cap_bytes: int = Field(default=64 * 1024, ge=256)
    request_queue_size: int = Field(default=10_000, ge=10)
    retention_days: int = Field(default=15, ge=1)
    body_retention_days: int | None = Field(default=None, ge=1)

    # Notifications
    mail_backend: Literal["file", "smtp", "ses"] = "file"
    mail_dir: Path = Path("./var/mail")
    notify_throttle_minutes: int = Field(default=15, ge=1)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    ses_region: str | None = None
    ses_endpoint_url: str | None = None
    ses_access_key_id: str | None = None
    ses_secret_access_key: SecretStr | None = None

    # Workers: the outbox and retention jobs run inside the app unless `erpgate worker` runs them.
    run_worker_in_process: bool = True
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    # `erpgate worker` serves /healthz and /metrics on this port (0: none).
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    worker_metrics_host: str = "127.0.0.1"
    # Webhook alert routes may not call private addresses, except these (the same forms as
    # ERPGATE_ALLOWED_PRIVATE_HOSTS): e.g. a chat relay on the internal network.
    webhook_allowed_private_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Bulk replay: the pause between two replayed requests (at most 100 per action).
    replay_interval_seconds: float = Field(default=0.2, ge=0, le=10)

    # Sessions
    session_max_age_minutes: int = Field(default=12 * 60, ge=1)
    impersonation_minutes: int = Field(default=30, ge=1)
    cookie_secure: bool | None = None  # None: secure in production, plain http allowed in dev

    # Deployment. The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed
    # (IP addresses, networks or *; `erpgate serve` hands them to uvicorn): the client address
    # the sign-in limits count, and https behind a proxy, come from there. And the database pool
    # of each web process: at most db_pool_size + db_max_overflow connections.
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"]
    )
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)

    @field_validator("secret_keys", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return _split_commas(value)

    @field_validator("forwarded_allow_ips", mode="before")
    @classmethod
    def _trusted_proxies(cls, value: object) -> object:
        entries = _split_commas(value)
        if not isinstance(entries, list):
            return entries
        canonical = []
        for entry in (str(item).strip() for item in entries):
            if entry == "*":
                return ["*"]
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ConfigError(
                    f"ERPGATE_FORWARDED_ALLOW_IPS: {entry!r} is not an IP address, a network"
                    " (10.0.0.0/8) or * (a host name is not resolved: give the proxy's address)"
                ) from None
            single = network.num_addresses == 1 and "/" not in entry
            canonical.append(str(network.network_address if single else network))
        return canonical

    @field_validator("allowed_private_hosts", "webhook_allowed_private_hosts", mode="before")
    @classmethod
    def _private_host_entries(cls, value: object, info: ValidationInfo) -> object:
        from erpgate.erp.options import ENTRY_FORMS, PrivateHost, split_private_hosts

        entries = split_private_hosts(value) if isinstance(value, str) else value
        if not isinstance(entries, list | tuple | set | frozenset):
            return entries
        canonical = []
        for entry in entries:
            if not isinstance(entry, str) or not entry.strip():
                continue
            try:
                canonical.append(str(PrivateHost.parse(entry)))
            except ValueError as exc:
                raise ConfigError(
                    f"ERPGATE_{(info.field_name or '').upper()}: entry {entry.strip()!r} is not valid: "
                    f"{exc}; {ENTRY_FORMS}"
                ) from None
        return canonical

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment != "production":
            return self
        problems = []
        secret = self.session_secret.get_secret_value()
        if secret == DEV_SESSION_SECRET or len(secret) < 32:
            problems.append(
                "ERPGATE_SESSION_SECRET must be set to a random value of at least 32 characters"
            )
        keys = [key.get_secret_value() for key in self.secret_keys]
        if not keys or DEV_SECRET_KEY in keys:
            problems.append(
                "ERPGATE_SECRET_KEYS must be set to your own Fernet key(s); "
                "make one with `erpgate generate-key`"
            )
        if problems:
            raise ConfigError("refusing to start in production: " + "; ".join(problems))
        return self

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.is_production if self.cookie_secure is None else self.cookie_secure

    @cached_property
    def encryption_keys(self) -> list[str]:
        return [key.get_secret_value() for key in self.secret_keys]


def load_settings(**overrides: object) -> Settings:
    """Build settings; a ConfigError carries a message fit to print as is."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        for error in exc.errors():
            if isinstance(error.get("ctx", {}).get("error"), ConfigError):
                raise error["ctx"]["error"] from None
        fields = ", ".join(
            "ERPGATE_" + ".".join(str(p) for p in e["loc"]).upper() + f": {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigError(f"invalid settings: {fields}") from None
