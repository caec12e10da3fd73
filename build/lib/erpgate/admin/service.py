"""Admin console rules that span domains: who may set a buyer's password, what signing out
everywhere ends, what an import records, how the integration's settings and API keys change
(audited), what the home page sums up. Never commits; the audit rows go with the change."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin import accounts, audit, health
from erpgate.admin.health import EndpointState
from erpgate.admin.roles import Capability, can
from erpgate.auth import service as auth_service
from erpgate.auth.service import IssuedSession
from erpgate.customer import csv_import
from erpgate.customer import service as customer_service
from erpgate.erp.gateway import ErpGateway
from erpgate.erp.options import ErpClientOptions
from erpgate.errors import Conflict, Forbidden
from erpgate.integration import service as integration_service
from erpgate.integration import settings as integration_settings
from erpgate.kit.crypto import SecretBox
from erpgate.models.admin_user import AdminUser
from erpgate.models.api_key import ApiKey
from erpgate.models.integration import Integration
from erpgate.models.notification import Notification
from erpgate.models.problem import Problem
from erpgate.models.store import Store
from erpgate.models.user import PERMISSIONS, User
from erpgate.models.web_session import WebSession
from erpgate.notification import service as notification_service
from erpgate.problem import service as problem_service
from erpgate.problem.service import ProblemQuery
from erpgate.store import service as store_service
from erpgate.storefront import api_keys as api_key_service

PASSWORDS_NOT_ALLOWED = "Your role does not allow setting passwords."


def check_may_set_passwords(admin: AdminUser) -> None:
    """Setting a buyer's password lets whoever knows it sign in as the buyer: owners and
    admins only (support manages users but must not be able to take one over)."""
    if not can(admin.role, Capability.SET_PASSWORDS):
        raise Forbidden(PASSWORDS_NOT_ALLOWED)


async def set_buyer_password(
    db: AsyncSession,
    admin: AdminUser,
    store_id: uuid.UUID,
    user_id: uuid.UUID,
    password: str,
    *,
    now: datetime,
) -> User:
    """Set the password, end every session of the buyer (whoever holds one must sign in with the
    new password) and audit it."""
    check_may_set_passwords(admin)
    user = await customer_service.set_password(db, store_id, user_id, password)
    ended = await auth_service.end_all_sessions(db, kind="buyer", principal_id=user.id, now=now)
    await audit.record(
        db,
        store_id=store_id,
        admin=admin,
        action=audit.USER_PASSWORD_SET,
        now=now,
        subject=user.email,
        details={"user_id": str(user.id), "sessions_ended": ended},
    )
    return user


async def create_buyer(
    db: AsyncSession,
    admin: AdminUser,
    store_id: uuid.UUID,
    *,
    customer_account_id: uuid.UUID,
    email: str,
    name: str,
    permissions: Iterable[str] = PERMISSIONS,
    password: str | None,
    now: datetime,
) -> User:
    """A new buyer; a password given with it follows the rules of ``set_buyer_password``."""
    if password:
        check_may_set_passwords(admin)
    user = await customer_service.create_buyer(
        db,
        store_id,
        customer_account_id=customer_account_id,
        email=email,
        password=None,
        name=name,
        permissions=permissions,
    )
    if password:
        await set_buyer_password(db, admin, store_id, user.id, password, now=now)
    return user


async def update_buyer(
    db: AsyncSession,
    admin: AdminUser,
    store_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    name: str | None = None,
    email: str | None = None,
    customer_account_id: uuid.UUID | None = None,
    permissions: Iterable[str] | None = None,
    is_active: bool | None = None,
    password: str | None = None,
    now: datetime,
) -> User:
    """Change the given fields (None leaves one alone); a password only as ``set_buyer_password``
    allows, checked before anything changes."""
    if password:
        check_may_set_passwords(admin)
    user = await customer_service.update_user(
        db,
        store_id,
        user_id,
        name=name,
        email=email,
        customer_account_id=customer_account_id,
        permissions=permissions,
        is_active=is_active,
    )
    if password:
        await set_buyer_password(db, admin, store_id, user_id, password, now=now)
    return user


async def end_sessions_everywhere(
    db: AsyncSession, admin: AdminUser, *, now: datetime
) -> tuple[int, int]:
    """End every session of the admin, and every storefront session opened with Login on
    storefront by the admin, audited. Returns (admin sessions, storefront sessions) ended."""
    ended = await auth_service.end_all_sessions(db, kind="admin", principal_id=admin.id, now=now)
    storefront = await auth_service.end_impersonations(db, admin_id=admin.id, now=now)
    await audit.record(
        db,
        store_id=admin.store_id,
        admin=admin,
        action=audit.SESSIONS_ENDED,
        now=now,
        subject=admin.email,
        details={"sessions": ended, "storefront_sessions": storefront},
    )
    return ended, storefront


async def import_customers(
    db: AsyncSession,
    admin: AdminUser,
    store_id: uuid.UUID,
    data: bytes,
    *,
    source: str,
    dry_run: bool = False,
    now: datetime,
) -> csv_import.ImportReport:
    """The CSV import (all or nothing), audited when it imported something: from the page
    (``source`` is the file's name) and the API alike."""
    report = await csv_import.import_customers(db, store_id, data, dry_run=dry_run)
    if report.ok and not dry_run:
        await audit.record(
            db,
            store_id=store_id,
            admin=admin,
            action=audit.CUSTOMERS_IMPORTED,
            now=now,
            subject=source,
            details={"accounts": report.accounts_created, "users": report.users_created},
        )
    return report


async def start_impersonation(
    db: AsyncSession,
    admin: AdminUser,
    store_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    lifetime: timedelta,
    now: datetime,
) -> tuple[Store, IssuedSession]:
    """Login on storefront: a buyer session for an active buyer, marked with the admin, audited."""
    user = await customer_service.get_user(db, store_id, user_id)
    if not user.is_active:
        raise Conflict("This user is deactivated; activate them first to see their storefront.")
    store = await store_service.get_store(db, store_id)
    issued = await auth_service.start_session(
        db,
        kind="buyer",
        principal_id=user.id,
        store_id=store.id,
        now=now,
        lifetime=lifetime,
        impersonator_admin_id=admin.id,
    )
    await audit.record(
        db,
        store_id=store.id,
        admin=admin,
        action=audit.IMPERSONATION_STARTED,
        now=now,
        subject=user.email,
        details={
            "user_id": str(user.id),
            "session_id": str(issued.record.id),
            "expires_at": issued.record.expires_at.isoformat(),
        },
    )
    return store, issued


async def end_impersonation(db: AsyncSession, record: WebSession, *, now: datetime) -> None:
    """End a storefront session opened with Login on storefront, audited under its admin."""
    await auth_service.end_session(db, record, now)
    assert record.impersonator_admin_id is not None
    admin = await accounts.get_admin(db, record.impersonator_admin_id)
    user = (
        await customer_service.get_user(db, record.store_id, record.principal_id)
        if record.store_id
        else None
    )
    await audit.record(
        db,
        store_id=record.store_id,
        admin=admin,
        action=audit.IMPERSONATION_ENDED,
        now=now,
        subject=user.email if user else str(record.principal_id),
        details={"user_id": str(record.principal_id), "session_id": str(record.id)},
    )


APP_NAME = "Generic ERP Integration"


async def set_installed(
    db: AsyncSession, admin: AdminUser, store_id: uuid.UUID, *, installed: bool, now: datetime
) -> None:
    await integration_service.set_installed(db, store_id, installed)
    await audit.record(
        db,
        store_id=store_id,
        admin=admin,
        action=audit.INTEGRATION_INSTALLED if installed else audit.INTEGRATION_UNINSTALLED,
        now=now,
        subject=APP_NAME,
    )


async def save_settings(
    db: AsyncSession,
    admin: AdminUser,
    store_id: uuid.UUID,
    raw: Mapping[str, Any],
    *,
    box: SecretBox,
    options: ErpClientOptions,
    now: datetime,
) -> Integration:
    """Validate, store and audit the whole settings form ``raw`` (every field; an empty one
    switches its feature off); ValidationFailed means nothing was stored."""
    integration = await integration_service.get_integration(db, store_id)
    clean = await integration_settings.validate_settings(
        raw, current=integration, box=box, options=options, store_id=store_id
    )
    row, changed, changes = await integration_settings.save_settings(db, store_id, box, clean)
    await audit.record(
        db,
        store_id=store_id,
        admin=admin,
        action=audit.INTEGRATION_SETTINGS_CHANGED,
        now=now,
        subject=APP_NAME,
        details={"changed": changed, "changes": changes},
    )
    return row


async def current_settings_form(
    db: AsyncSession, store_id: uuid.UUID, box: SecretBox
) -> dict[str, str]:
    """The stored settings as the whole form (the Token left empty: kept), for partial updates
    to start from, so a field nobody named keeps its value."""
    integration = await integration_service.get_integration(db, store_id)
    return integration_settings.form_values(integration_settings.settings_view(integration, box))


async def set_store_locale(
    db: AsyncSession, admin: AdminUser, store_id: uuid.UUID, locale: str, *, now: datetime
) -> Store:
    """Change the locale the store's pages show money and dates in, audited as a settings change
    (``locale: en_US → de_CH``) when it changed; ValidationFailed means nothing was stored."""
    store, before = await store_service.set_locale(db, store_id, locale)
    if store.locale != before:
        await audit.record(
            db,
            store_id=store_id,
            admin=admin,
            action=audit.STORE_SETTINGS_CHANGED,
            now=now,
            subject=store.name,
            details={
                "changed": ["locale"],
                "changes": [{"field": "locale", "old": before, "new": store.locale}],
            },
        )
    return store


# The "API keys" section of the app settings. The storefront domain owns API keys (it is the one
# that checks them); the admin console calls its service for its own store and audits.


async def list_api_keys(db: AsyncSession, store_id: uuid.UUID) -> list[ApiKey]:
    return await api_key_service.list_api_keys(db, store_id)


async def create_api_key(
    db: AsyncSession, admin: AdminUser, store_id: uuid.UUID, label: str, *, now: datetime
) -> str:
    """Create a key for the store; returns the plaintext, to be shown once."""
    name = label.strip()[:100] or "API key"
    record, plaintext = await api_key_service.create_api_key(db, store_id, name)
    await audit.record(
        db,
        store_id=store_id,
        admin=admin,
        action=audit.API_KEY_CREATED,
        now=now,
        subject=f"{record.name} ({record.prefix}…)",
    )
    return plaintext


async def revoke_api_key(
    db: AsyncSession, admin: AdminUser, store_id: uuid.UUID, key_id: uuid.UUID, *, now: datetime
) -> None:
    record = await api_key_service.revoke_api_key(db, store_id, key_id, now=now)
    await audit.record(
        db,
        store_id=store_id,
        admin=admin,
        action=audit.API_KEY_REVOKED,
        now=now,
        subject=f"{record.name} ({record.prefix}…)",
    )


# The home page


LATEST_PROBLEMS = 5


@dataclass(frozen=True, slots=True)
class HomeSummary:
    open_problems: int
    latest_problems: list[Problem]  # open, the most recently failing first
    endpoints: list[EndpointState]
    last_notification: Notification | None


async def home_summary(
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    gateway: ErpGateway,
    box: SecretBox,
    now: datetime,
) -> HomeSummary:
    """The store's open problems, each endpoint's state over the health page's window and the
    newest notification, from the services of those pages: five queries, whatever the data."""
    open_problems = await problem_service.count_open(db, store_id)
    found, _more = await problem_service.list_problems(
        db, store_id, ProblemQuery(state="open"), page=1, page_size=LATEST_PROBLEMS
    )
    endpoints = await health.endpoint_states(gateway, box, now, db, store_id)
    newest = await notification_service.list_notifications(
        db, store_id, status=None, limit=1, offset=0
    )
    return HomeSummary(
        open_problems=open_problems,
        latest_problems=[f.problem for f in found],
        endpoints=endpoints,
        last_notification=newest[0] if newest else None,
    )
