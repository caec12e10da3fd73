"""Demo data of the admin console: the store owner."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin.accounts import create_admin

DEMO_ADMIN = ("admin@example.com", "demo-admin")


async def seed(db: AsyncSession, context: Any, *, fresh: bool) -> None:
    if fresh:
        email, password = DEMO_ADMIN
        await create_admin(
            db,
            store_id=context.store.id,
            email=email,
            password=password,
            role="owner",
            name="Dana Owner",
        )
    context.printed.append(f"admin console: /admin  ({DEMO_ADMIN[0]} / {DEMO_ADMIN[1]})")
