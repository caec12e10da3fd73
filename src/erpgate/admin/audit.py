"""The audit log: who did what in the admin console. Never commits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin import repository
from erpgate.models.admin_user import AdminUser
from erpgate.models.audit_log import AuditLog
from erpgate.web.params import offset

# Action names shown on /admin/audit and usable as its filter.
IMPERSONATION_STARTED = "impersonation.started"
IMPERSONATION_ENDED = "impersonation.ended"
INTEGRATION_INSTALLED = "integration.installed"
INTEGRATION_UNINSTALLED = "integration.uninstalled"
INTEGRATION_SETTINGS_CHANGED = "integration.settings_changed"
SECRETS_ROTATED = "secrets.rotated"
SESSIONS_ENDED = "admin.sessions_ended"
API_KEY_CREATED = "api_key.created"
API_KEY_REVOKED = "api_key.revoked"
CUSTOMERS_IMPORTED = "customers.imported"
PROBLEM_ACKNOWLEDGED = "problem.acknowledged"
PROBLEM_RESOLVED = "problem.resolved"
BREAKER_RESET = "breaker.reset"
BREAKER_FORCED_OPEN = "breaker.forced_open"
EVENTS_REPLAYED = "events.replayed"
ALERT_ROUTE_ADDED = "alert_route.added"
ALERT_ROUTE_REMOVED = "alert_route.removed"
ALERT_ROUTE_TESTED = "alert_route.tested"
USER_PASSWORD_SET = "user.password_set"  # noqa: S105  (an action name)


async def record(
    db: AsyncSession,
    *,
    store_id: uuid.UUID | None,
    admin: AdminUser | None,
    action: str,
    now: datetime,
    subject: str = "",
    details: dict[str, Any] | None = None,
) -> AuditLog:
    return await repository.add_audit_entry(
        db,
        AuditLog(
            store_id=store_id,
            admin_id=admin.id if admin else None,
            admin_email=admin.email if admin else "",
            action=action,
            subject=subject[:200],
            details=details or {},
            occurred_at=now,
        ),
    )


async def list_entries(
    db: AsyncSession, store_id: uuid.UUID, *, action: str | None, page: int, per_page: int = 50
) -> tuple[list[AuditLog], int]:
    return await repository.list_audit_entries(
        db, store_id, action=action, offset=offset(page, per_page), limit=per_page
    )
