"""Admin accounts: creation and password sign-in. Never commits."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin import repository
from erpgate.admin.roles import ROLE_CAPABILITIES
from erpgate.auth.login_limits import LoginKey, SignInCandidate
from erpgate.auth.passwords import hash_password, verify_password
from erpgate.customer.service import check_new_password, normalize_email
from erpgate.errors import Conflict, ValidationFailed
from erpgate.models.admin_user import AdminUser


async def create_admin(
    db: AsyncSession,
    *,
    store_id: uuid.UUID | None,
    email: str,
    password: str,
    role: str,
    name: str = "",
) -> AdminUser:
    if role not in ROLE_CAPABILITIES:
        raise ValidationFailed(
            f"Unknown role {role!r}; one of {', '.join(ROLE_CAPABILITIES)}.",
            fields={"role": "unknown"},
        )
    if (role == "platform") != (store_id is None):
        raise ValidationFailed("A platform operator has no store; every other admin has one.")
    check_new_password(password)
    address = normalize_email(email)
    if any(a.store_id == store_id for a in await repository.find_by_email(db, address)):
        raise Conflict(f"An admin with e-mail {address} exists already.")
    admin = AdminUser(
        store_id=store_id,
        email=address,
        name=name.strip(),
        password_hash=await hash_password(password),
        role=role,
    )
    return await repository.add(db, admin)


async def sign_in_candidate(
    db: AsyncSession, email: str, password: str
) -> SignInCandidate[AdminUser]:
    """Load the active admins with this e-mail; the check then finds the one whose password
    matches (None when none does, at the same cost for an unknown e-mail)."""
    candidates = [a for a in await repository.find_by_email(db, email) if a.is_active]

    async def check() -> AdminUser | None:
        matched = None
        for admin in candidates:
            if await verify_password(admin.password_hash, password):
                matched = admin
        if not candidates:
            await verify_password(None, password)  # equal time for unknown e-mails
        return matched

    return SignInCandidate(LoginKey(kind="admin", store_id=None, email=email), check)


async def authenticate(db: AsyncSession, email: str, password: str) -> AdminUser | None:
    """The active admin with this e-mail and password, or None (no rate limit: scripts, tests)."""
    return await (await sign_in_candidate(db, email, password)).check()


async def get_admin(db: AsyncSession, admin_id: uuid.UUID) -> AdminUser | None:
    return await repository.get(db, admin_id)
