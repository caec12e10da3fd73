"""The audit log: who did what in the admin console. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin import repository
from erpgate.kit.redaction import MASK, is_sensitive_name
from erpgate.models.admin_user import AdminUser
from erpgate.models.audit_log import AuditLog
from erpgate.web.params import offset

# Action names shown on /admin/audit and usable as its filter.
IMPERSONATION_STARTED = "impersonation.started"
IMPERSONATION_ENDED = "impersonation.ended"
INTEGRATION_INSTALLED = "integration.installed"
INTEGRATION_UNINSTALLED = "integration.uninstalled"
INTEGRATION_SETTINGS_CHANGED = "integration.settings_changed"
INTEGRATION_ADAPTER_CHANGED = "integration.adapter_changed"
STORE_SETTINGS_CHANGED = "store.settings_changed"
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
EVENT_FIXTURES_EXPORTED = "events.fixtures_exported"
ORDER_DELIVERY_RETRIED = "order_delivery.retried"
ORDER_DELIVERY_CANCELLED = "order_delivery.cancelled"
PLACED_ORDERS_EXPORTED = "placed_orders.exported"
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


@dataclass(frozen=True, slots=True)
class DetailLine:
    """One line of an entry's details: ``field: old → new`` for a change (``old`` not None),
    ``field: new`` for a fact."""

    field: str
    new: str
    old: str | None = None


# Ids the page shows as a link (the subject) rather than as text.
_LINKED = frozenset({"user_id", "session_id"})


def _fact(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def detail_lines(details: Mapping[str, Any]) -> list[DetailLine]:
    """An entry's details as lines to read. Recorded changes were masked when recorded; any
    other detail with a secret's name is masked here, so a page never shows one."""
    changes = details.get("changes")
    lines = [DetailLine(c["field"], c["new"], c["old"]) for c in changes or ()]
    for name, value in details.items():
        # Entries from before changes were recorded name only the changed settings.
        if name in _LINKED or name == "changes" or (name == "changed" and changes is not None):
            continue
        lines.append(DetailLine(name, MASK if is_sensitive_name(name) else _fact(value)))
    return lines
