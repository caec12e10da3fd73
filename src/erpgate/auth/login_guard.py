"""One sign-in attempt under the rate limits: check, authenticate, count; for admins and buyers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.auth import login_limits
from erpgate.auth.login_limits import LoginKey
from erpgate.web.state import get_state

T = TypeVar("T")


def client_address(request: Request) -> str:
    # uvicorn's proxy-headers handling (when enabled) has already put the real client here.
    return request.client.host if request.client else "unknown"


async def limited_sign_in(
    request: Request,
    db: AsyncSession,
    key: LoginKey,
    check: Callable[[], Awaitable[T | None]],
) -> T | None:
    """Raise TooManyRequests when locked out; otherwise run ``check`` and count its outcome."""
    state = get_state(request)
    now = state.clock.now()
    address = client_address(request)
    await login_limits.check_allowed(db, key, address=address, now=now)
    found = await check()
    await login_limits.record_attempt(
        state.session_factory, key, address=address, succeeded=found is not None, now=now
    )
    return found
