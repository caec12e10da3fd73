"""One database session per request: committed when the endpoint returns, rolled back on error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.web.state import get_state


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_state(request).session_factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": commit before the response leaves, so a client never sees unsaved success.
DbSession = Annotated[AsyncSession, Depends(_request_session, scope="function")]
