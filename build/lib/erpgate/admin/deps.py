"""Who is calling the admin console, and what they may do. Every admin query is scoped by store_id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request

from erpgate.admin import accounts
from erpgate.admin.roles import Capability, can
from erpgate.auth import service as auth_service
from erpgate.auth.cookies import ADMIN_COOKIE
from erpgate.auth.service import CSRF_HEADER, CSRF_REFUSED
from erpgate.errors import Forbidden, Unauthorized
from erpgate.models.admin_user import AdminUser
from erpgate.models.web_session import WebSession
from erpgate.web.db import DbSession
from erpgate.web.state import get_state


@dataclass(frozen=True, slots=True)
class AdminPrincipal:
    admin: AdminUser
    session: WebSession

    @property
    def store_id(self) -> uuid.UUID:
        # Platform operators have no store; routes that need one refuse them via require().
        if self.admin.store_id is None:
            raise Forbidden("This page belongs to a store; platform operators have none.")
        return self.admin.store_id

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token

    def can(self, capability: Capability) -> bool:
        return can(self.admin.role, capability)


def admin_session_lifetime(request: Request) -> timedelta:
    return timedelta(minutes=get_state(request).settings.session_max_age_minutes)


async def current_admin(request: Request, db: DbSession) -> AdminPrincipal:
    now = get_state(request).clock.now()
    record = await auth_service.resolve_session(
        db, request.cookies.get(ADMIN_COOKIE), kind="admin", now=now
    )
    if record is None:
        raise Unauthorized("Please sign in to the admin console.")
    admin = await accounts.get_admin(db, record.principal_id)
    if admin is None or not admin.is_active:
        raise Unauthorized("Please sign in to the admin console.")
    return AdminPrincipal(admin=admin, session=record)


CurrentAdmin = Annotated[AdminPrincipal, Depends(current_admin)]


def _check_capability(principal: AdminPrincipal, capability: Capability) -> None:
    if principal.admin.store_id is None and capability != Capability.MANAGE_ADMINS:
        raise Forbidden("This page belongs to a store; platform operators have none.")
    if not principal.can(capability):
        raise Forbidden("Your role does not allow this.")


def require(capability: Capability) -> Any:
    """Dependency factory: the signed-in admin must have ``capability`` in a store."""

    async def dependency(principal: CurrentAdmin) -> AdminPrincipal:
        _check_capability(principal, capability)
        return principal

    return Depends(dependency)


def require_api_write(capability: Capability) -> Any:
    """Dependency factory for JSON writes: ``capability``, and the session's CSRF token in the
    X-CSRF-Token header. Checked as a dependency, so a forged request is refused (403) before
    its body is even read."""

    async def dependency(request: Request, principal: CurrentAdmin) -> AdminPrincipal:
        _check_capability(principal, capability)
        check_api_csrf(principal, request)
        return principal

    return Depends(dependency)


def check_csrf(principal: AdminPrincipal, submitted: str | None) -> None:
    if not auth_service.csrf_matches(principal.session, submitted):
        raise Forbidden(CSRF_REFUSED)


def check_api_csrf(principal: AdminPrincipal, request: Request) -> None:
    """JSON writes: the session's CSRF token must come back in the X-CSRF-Token header."""
    check_csrf(principal, request.headers.get(CSRF_HEADER))
