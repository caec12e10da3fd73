"""One sign-in attempt under the rate limits, for admins and buyers: look the account up and reserve
the attempt, check the password, count a success.

Each step holds at most one database connection, and none while the password is checked:

1. the lookup and the reservation run in one short transaction of their own (committed, so the
   attempt counts even though a failed sign-in's request rolls back), at most
   ``SIGN_IN_CONNECTIONS`` of them at once per process, so a flood of sign-ins can never take
   the connections every other request needs;
2. the password check (argon2, on its own thread pool) holds no connection;
3. a success is marked in the request's own transaction, with the new session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.auth import login_limits
from erpgate.auth.login_limits import SignInCandidate
from erpgate.db.engine import transaction
from erpgate.web.state import AppState, get_state

T = TypeVar("T")

# Well below the smallest pool (SQLite's 5 + 10 overflow).
SIGN_IN_CONNECTIONS = 4
_SLOTS = "auth.sign_in_slots"


Lookup = Callable[[AsyncSession], Awaitable[SignInCandidate[T]]]


def client_address(request: Request) -> str:
    # uvicorn's proxy-headers handling (when enabled) has already put the real client here.
    return request.client.host if request.client else "unknown"


def _slots(state: AppState) -> asyncio.Semaphore:
    if _SLOTS not in state.services:
        state.services[_SLOTS] = asyncio.Semaphore(SIGN_IN_CONNECTIONS)
    slots: asyncio.Semaphore = state.services[_SLOTS]
    return slots


async def limited_sign_in(request: Request, db: AsyncSession, lookup: Lookup[T]) -> T | None:
    """Raise TooManyRequests when locked out; otherwise check the password, counting the attempt.

    ``lookup`` loads the account(s) in the reservation's transaction; ``db`` is the request's
    session, used afterwards to count a success (it must not have written anything yet).
    """
    state = get_state(request)
    now = state.clock.now()
    address = client_address(request)
    if db.in_transaction():
        # Only reads came before a sign-in (the store of a sign-in page): end them, so this
        # request gives its connection back instead of holding it during the reservation.
        await db.commit()
    async with _slots(state), transaction(state.session_factory) as reservation:
        candidate = await lookup(reservation)
        attempt_id = await login_limits.reserve_attempt(
            reservation, candidate.key, address=address, now=now
        )
    found = await candidate.check()
    if found is not None:
        await login_limits.mark_succeeded(db, attempt_id)
    return found
