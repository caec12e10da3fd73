"""The login_session auth driver's sessions: one per store and credentials, shared by its calls.

A session is the cookies a login call set (SAP Business One's ``B1SESSION`` and ``ROUTEID``).
It is reused until it nears its lifetime, the ERP answers 401 (one new login, then the request
again), the store's settings change (the old session is logged out: ERPs cap open sessions per
licence) or the app shuts down (every session is logged out).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any
from uuid import UUID

from erpgate.logging import get_logger

log = get_logger(__name__)

LOGOUT_SECONDS = 2.0
SessionKey = tuple[UUID | None, str, str]  # store, base URL, fingerprint of the credentials


@dataclass(slots=True)
class Session:
    cookies: dict[str, str]
    expires_at: float
    logout: Callable[[], Awaitable[None]] | None = field(default=None, repr=False)

    @property
    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    @property
    def fresh(self) -> bool:
        return time.monotonic() < self.expires_at


def cookies_set(headers: Any) -> dict[str, str]:
    """Every cookie a response's ``Set-Cookie`` headers set."""
    values = headers.getall("Set-Cookie", []) if hasattr(headers, "getall") else []
    if not values and hasattr(headers, "get") and headers.get("Set-Cookie"):
        values = [headers.get("Set-Cookie")]
    found: dict[str, str] = {}
    for value in values:
        jar: SimpleCookie = SimpleCookie()
        with contextlib.suppress(CookieError):
            jar.load(value)
        found.update({name: morsel.value for name, morsel in jar.items()})
    return found


class LoginSessions:
    def __init__(self) -> None:
        self._sessions: dict[SessionKey, Session] = {}
        self._locks: dict[SessionKey, asyncio.Lock] = {}

    async def get(
        self,
        key: SessionKey,
        login: Callable[[], Awaitable[Session]],
        *,
        rejected: Session | None = None,
    ) -> Session:
        """The live session of ``key``, logging in when there is none, it aged, or the ERP just
        rejected it (``rejected``). Concurrent callers share one login."""
        self._retire_others(key)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            session = self._sessions.get(key)
            if session is not None and session.fresh and session is not rejected:
                return session
            self._sessions.pop(key, None)
            session = await login()
            self._sessions[key] = session
            return session

    def _retire_others(self, key: SessionKey) -> None:
        """The store's settings changed: log its older sessions out, in the background."""
        for other in [k for k in self._sessions if k[0] == key[0] and k != key]:
            session = self._sessions.pop(other)
            self._locks.pop(other, None)
            if session.logout is not None:
                task = asyncio.get_running_loop().create_task(_quietly(session.logout))
                _BACKGROUND.add(task)
                task.add_done_callback(_BACKGROUND.discard)

    async def logout_all(self) -> None:
        sessions = list(self._sessions.values())
        self._sessions.clear()
        self._locks.clear()
        await asyncio.gather(*(_quietly(s.logout) for s in sessions if s.logout is not None))

    def __len__(self) -> int:
        return len(self._sessions)


_BACKGROUND: set[asyncio.Task[None]] = set()


async def _quietly(logout: Callable[[], Awaitable[None]]) -> None:
    try:
        async with asyncio.timeout(LOGOUT_SECONDS):
            await logout()
    except Exception as exc:  # a failed logout only leaves a session to expire on its own
        log.info("erp_logout_failed", error=type(exc).__name__)
