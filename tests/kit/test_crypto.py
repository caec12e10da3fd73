from __future__ import annotations

import pytest

from erpgate.kit.crypto import SecretBox, SecretBoxError, generate_key, token_digest


def test_round_trip_and_ciphertext_hides_the_secret() -> None:
    box = SecretBox([generate_key()])
    ciphertext = box.encrypt("tok_live_123456")
    assert "tok_live_123456" not in ciphertext
    assert box.decrypt(ciphertext) == "tok_live_123456"


def test_rotation_moves_secrets_to_the_new_first_key() -> None:
    old, new = generate_key(), generate_key()
    stored = SecretBox([old]).encrypt("secret-value")
    rotating = SecretBox([new, old])
    rotated = rotating.rotate(stored)
    assert SecretBox([new]).decrypt(rotated) == "secret-value"
    with pytest.raises(SecretBoxError):
        SecretBox([old]).decrypt(rotated)


def test_unknown_key_and_bad_key_fail_clearly() -> None:
    stored = SecretBox([generate_key()]).encrypt("x")
    with pytest.raises(SecretBoxError, match="cannot be decrypted"):
        SecretBox([generate_key()]).decrypt(stored)
    with pytest.raises(SecretBoxError, match="not a valid Fernet key"):
        SecretBox(["short"])
    with pytest.raises(SecretBoxError):
        SecretBox([])


def test_token_digest_is_stable_and_not_the_token() -> None:
    assert token_digest("abc") == token_digest("abc")
    assert token_digest("abc") != "abc"
    assert len(token_digest("abc")) == 64
