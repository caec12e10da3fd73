"""Spotting a deployment where sign-in cannot work: Secure cookies over plain http.

In production every cookie is `Secure`, and a browser drops a Secure cookie that arrives over
plain http (except on localhost and 127.0.0.1, which count as secure). Then the sign-in form's
CSRF cookie never comes back and every sign-in answers "The form expired..." forever, with
nothing in the log. The pages say what to do instead, and so does the log, once per host.
"""

from __future__ import annotations

import ipaddress

import structlog
from fastapi import Request

from erpgate.web.state import AppState

NOTICE = (
    "Signing in cannot work on this address: it is plain http, and erpgate's cookies are set to "
    "travel over https only, so the browser drops them and every sign-in says the form expired. "
    "Serve erpgate over https (behind a proxy, list the proxy in ERPGATE_FORWARDED_ALLOW_IPS so "
    "its X-Forwarded-Proto counts), or for a trial on a private network set "
    "ERPGATE_COOKIE_SECURE=false."
)
_warned_hosts: set[str] = set()


def insecure_cookie_notice(request: Request) -> str | None:
    """The notice to show (and log once per host) when this request's cookies will be dropped."""
    state: AppState | None = getattr(request.app.state, "erpgate", None)
    if state is None or not state.settings.secure_cookies:
        return None
    if request.url.scheme == "https":
        return None
    host = (request.url.hostname or "").lower()
    if _is_loopback(host):
        return None
    if host not in _warned_hosts and len(_warned_hosts) < 100:
        _warned_hosts.add(host)
        structlog.get_logger(__name__).warning(
            "secure_cookies_over_http",
            host=host,
            hint="sign-ins fail: serve over https, or set ERPGATE_COOKIE_SECURE=false for a trial",
        )
    return NOTICE


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
