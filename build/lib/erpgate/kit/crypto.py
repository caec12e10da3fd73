"""Secrets at rest: Fernet with key rotation (MultiFernet), and hashing of lookup tokens."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretBoxError(ValueError):
    pass


class SecretBox:
    """Encrypts with the first key, decrypts with any; ``rotate`` re-encrypts under the first key."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise SecretBoxError("at least one encryption key is needed")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except (ValueError, TypeError) as exc:
            raise SecretBoxError(
                "an encryption key is not a valid Fernet key (32 url-safe base64 bytes); "
                "make one with `erpgate generate-key`"
            ) from exc

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise SecretBoxError(
                "a stored secret cannot be decrypted with the configured keys"
            ) from exc

    def rotate(self, ciphertext: str) -> str:
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise SecretBoxError(
                "a stored secret cannot be decrypted with the configured keys"
            ) from exc


def generate_key() -> str:
    return Fernet.generate_key().decode()


def token_digest(token: str) -> str:
    """Digest under which session tokens and API keys are stored (never the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
