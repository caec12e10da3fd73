"""Login CSRF: a double-submit token on the sign-in forms.

Before anyone is signed in there is no session to hold a CSRF token, so a hostile page could post
the sign-in form with the attacker's own credentials and sign the victim in as the attacker.
The sign-in page therefore sets a random value in a short-lived ``SameSite=Strict`` cookie and
repeats it in a hidden field; the post must carry both, equal. A cross-site page can neither read
the cookie nor make the browser send it. The JSON sign-in APIs need none of this: they accept
only ``application/json`` bodies, which a cross-site form cannot send without a CORS preflight.

The value is signed with ERPGATE_SESSION_SECRET (the "signed double-submit" variant), so a cookie
planted from a sibling subdomain or over plain http cannot be paired with a field of its choosing.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from fastapi import Request, Response

from erpgate.errors import Forbidden
from erpgate.kit.crypto import constant_time_equals
from erpgate.kit.ids import new_token
from erpgate.web.pages import render
from erpgate.web.state import get_state

LOGIN_CSRF_COOKIE = "erpgate_login_csrf"
LOGIN_CSRF_FIELD = "login_csrf"
# Long enough to type a password (or fetch it from a manager), short enough not to linger.
LOGIN_CSRF_MAX_AGE_SECONDS = 60 * 60
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32}\.[0-9a-f]{32}$")
REFUSED = "The form expired or did not come from this site. Reload the page and sign in again."


def _signature(request: Request, nonce: str) -> str:
    secret = get_state(request).settings.session_secret.get_secret_value().encode()
    return hmac.new(secret, nonce.encode(), hashlib.sha256).hexdigest()[:32]


def _is_genuine(request: Request, token: str) -> bool:
    if not _TOKEN_SHAPE.match(token):
        return False
    nonce, signature = token.split(".")
    return constant_time_equals(signature, _signature(request, nonce))


def login_csrf_token(request: Request) -> str:
    """The browser's current token, or a new one: two open sign-in tabs share one value."""
    current = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if _is_genuine(request, current):
        return current
    nonce = new_token(24)
    return f"{nonce}.{_signature(request, nonce)}"


def set_login_csrf_cookie(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=LOGIN_CSRF_MAX_AGE_SECONDS,
        httponly=True,
        secure=secure,
        samesite="strict",
        path="/",
    )


def render_login_page(
    request: Request, template: str, context: dict[str, object], status_code: int = 200
) -> Response:
    """The sign-in page, carrying the login-CSRF token in its hidden field and in its cookie."""
    token = login_csrf_token(request)
    response = render(
        request,
        template,
        {**context, "login_csrf": token, "login_csrf_field": LOGIN_CSRF_FIELD},
        status_code=status_code,
    )
    set_login_csrf_cookie(response, token, secure=get_state(request).settings.secure_cookies)
    return response


def check_login_csrf(request: Request, submitted: str) -> None:
    """Refuse (403) a sign-in form whose hidden token does not match its cookie."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not _is_genuine(request, cookie) or not constant_time_equals(cookie, submitted or ""):
        raise Forbidden(REFUSED, code="csrf_failed")
