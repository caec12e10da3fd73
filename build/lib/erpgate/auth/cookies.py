"""Session cookies: HttpOnly, SameSite=Lax, Secure in production."""

from __future__ import annotations

from fastapi import Response

BUYER_COOKIE = "erpgate_buyer"
ADMIN_COOKIE = "erpgate_admin"


def set_session_cookie(
    response: Response, name: str, token: str, *, max_age_seconds: int, secure: bool
) -> None:
    response.set_cookie(
        name,
        token,
        max_age=max_age_seconds,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response, name: str, *, secure: bool) -> None:
    response.delete_cookie(name, path="/", httponly=True, secure=secure, samesite="lax")
