"""The Key and Token an ERP wants, and the auth style that says how they travel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

AuthStyle = Literal["bearer", "header", "basic", "oauth2"]
AUTH_STYLES: tuple[str, ...] = get_args(AuthStyle)


@dataclass(frozen=True, slots=True)
class Credentials:
    auth_style: AuthStyle = "bearer"
    key: str = ""
    token: str = ""
    token_url: str | None = None  # oauth2 only
    scope: str | None = None  # oauth2 only, when the token URL wants one (Entra ID does)

    def __repr__(self) -> str:
        # Keeps the Token out of logs and tracebacks that print the object.
        return f"Credentials(auth_style={self.auth_style!r}, key=..., token=..., token_url=...)"

    def secrets(self) -> tuple[str, ...]:
        """Values to mask wherever they appear (headers, bodies, logs)."""
        values = [self.token]
        # A `header` style Key is a header name, not a secret; every other style's Key is an id
        # the merchant may still not want shown, and masking costs nothing.
        if self.auth_style != "header":
            values.append(self.key)
        return tuple(value for value in values if value)

    def validate(self) -> None:
        """Raise ValueError with a sentence the merchant can act on when settings cannot work."""
        if self.auth_style not in AUTH_STYLES:
            raise ValueError(f"Unknown auth style {self.auth_style!r}")
        if self.auth_style == "bearer" and not self.token:
            raise ValueError("Bearer auth needs a Token")
        if self.auth_style == "header":
            if not self.key:
                raise ValueError("Header auth needs a Key: the name of the header to send")
            if not _is_header_name(self.key):
                raise ValueError(f"Key {self.key!r} is not a valid HTTP header name")
            if not self.token:
                raise ValueError("Header auth needs a Token: the value of the header")
        if self.auth_style == "basic" and not self.key:
            raise ValueError("Basic auth needs a Key: the user name")
        if self.auth_style == "basic" and ":" in self.key:
            raise ValueError("A Basic auth user name cannot contain ':'")
        if self.auth_style == "oauth2":
            if not self.token_url:
                raise ValueError("OAuth2 needs a token URL")
            if not self.key or not self.token:
                raise ValueError("OAuth2 needs a Key (client id) and a Token (client secret)")
        for value in (self.key, self.token):
            if any(ch in value for ch in "\r\n\0"):
                raise ValueError("Key and Token cannot contain line breaks")


_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


def _is_header_name(name: str) -> bool:
    return bool(name) and all(ch in _TOKEN_CHARS for ch in name)
