"""Admin › Notifications: every queued e-mail with its status and why it failed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from erpgate.admin.deps import AdminPrincipal, require
from erpgate.admin.roles import Capability
from erpgate.models.notification import STATUSES, Notification
from erpgate.notification import service
from erpgate.notification.figures import CHANNELS
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.params import PageNumber
from erpgate.web.responses import JsonResponse

router = APIRouter()
PAGE_SIZE = 50
Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
Page = PageNumber  # the bounds every list shares


def notification_json(row: Notification) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "kind": row.kind,
        "channel": row.channel,
        "route_id": str(row.route_id) if row.route_id else None,
        "problem_id": str(row.problem_id) if row.problem_id else None,
        "endpoint": row.endpoint,
        "event_id": str(row.event_id) if row.event_id else None,
        "sender": row.sender,
        "receivers": row.receivers,
        "invalid_receivers": row.invalid_receivers,
        "subject": row.subject,
        "status": row.status,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "next_attempt_at": row.next_attempt_at.isoformat(),
        "created_at": row.created_at.isoformat(),
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
    }


def _status(value: str | None) -> str | None:
    return value if value in STATUSES else None


def _channel(value: str | None) -> str | None:
    return value if value in CHANNELS else None


async def _page_of_notifications(
    db: DbSession,
    principal: AdminPrincipal,
    status: str | None,
    page: int,
    page_size: int,
    channel: str | None = None,
) -> tuple[list[Notification], bool]:
    """One page of rows, and whether another follows (one extra row is read to know)."""
    rows = await service.list_notifications(
        db,
        principal.store_id,
        status=status,
        channel=channel,
        limit=page_size + 1,
        offset=(page - 1) * page_size,
    )
    return rows[:page_size], len(rows) > page_size


@router.get("/admin/notifications", include_in_schema=False)
async def notifications_page(
    request: Request,
    db: DbSession,
    principal: Viewer,
    status: str | None = None,
    channel: str | None = None,
    page: Page = 1,
) -> Response:
    rows, has_next = await _page_of_notifications(
        db, principal, _status(status), page, PAGE_SIZE, _channel(channel)
    )
    return render(
        request,
        "notification/notifications.html",
        {
            "principal": principal,
            "rows": rows,
            "has_next": has_next,
            "page": page,
            "status": _status(status),
            "statuses": STATUSES,
            "channel": _channel(channel),
            "channels": CHANNELS,
        },
    )


@router.get("/api/v1/admin/notifications")
async def list_notifications_api(
    db: DbSession,
    principal: Viewer,
    status: str | None = None,
    channel: str | None = None,
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = PAGE_SIZE,
) -> JsonResponse:
    """List the store's notifications (e-mails and webhooks), newest first, with status and
    failure reason; filters ``status`` and ``channel`` (email, webhook)."""
    rows, has_next = await _page_of_notifications(
        db, principal, _status(status), page, page_size, _channel(channel)
    )
    return JsonResponse(
        {"items": [notification_json(row) for row in rows], "page": page, "has_next": has_next}
    )
