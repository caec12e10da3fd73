from __future__ import annotations

import pytest

from erpgate.config import DEV_SECRET_KEY, ConfigError, load_settings
from erpgate.kit.crypto import generate_key


def test_defaults_point_at_a_local_sqlite_file() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///./var/erpgate.db"
    assert settings.allowed_private_hosts == []
    assert settings.environment == "development"


def test_comma_lists_are_split_and_trimmed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERPGATE_ALLOWED_PRIVATE_HOSTS", " 127.0.0.1, erp.local ,,")
    key_a, key_b = generate_key(), generate_key()
    monkeypatch.setenv("ERPGATE_SECRET_KEYS", f"{key_a},{key_b}")
    settings = load_settings()
    assert settings.allowed_private_hosts == ["127.0.0.1", "erp.local"]
    assert settings.encryption_keys == [key_a, key_b]


def test_production_refuses_default_secrets() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environment="production")
    message = str(caught.value)
    assert "ERPGATE_SESSION_SECRET" in message
    assert "ERPGATE_SECRET_KEYS" in message


def test_production_refuses_the_development_key_even_beside_a_real_one() -> None:
    with pytest.raises(ConfigError, match="ERPGATE_SECRET_KEYS"):
        load_settings(
            environment="production",
            session_secret="x" * 40,
            secret_keys=f"{generate_key()},{DEV_SECRET_KEY}",
        )


def test_production_starts_with_real_secrets() -> None:
    settings = load_settings(
        environment="production", session_secret="s" * 40, secret_keys=generate_key()
    )
    assert settings.is_production
    assert settings.secure_cookies is True


def test_garbage_values_get_a_clear_error() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(retention_days="soon")
    assert "ERPGATE_RETENTION_DAYS" in str(caught.value)
    with pytest.raises(ConfigError, match="ERPGATE_ENVIRONMENT"):
        load_settings(environment="staging")
    for rate in ("1.5", "-0.1", "often"):
        with pytest.raises(ConfigError, match="ERPGATE_SUCCESS_REQUESTS_SAMPLE_RATE"):
            load_settings(success_requests_sample_rate=rate)
