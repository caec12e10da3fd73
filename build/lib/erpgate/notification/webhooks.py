"""Webhook alert routes: a store's signed JSON POSTs about its problems, sent through the outbox.

What a receiver gets (Standard Webhooks, https://www.standardwebhooks.com):

- headers ``webhook-id`` (the outbox row's id: the same on every retry, so a receiver can drop a
  repeat), ``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``
  (``v1,`` + base64 of HMAC-SHA256 over ``{id}.{timestamp}.{body}`` with the route's secret,
  whose ``whsec_`` base64 part is the key);
- a JSON body with ``type`` (``problem.opened``, ``problem.reminder``, ``problem.resolved``,
  ``test``), ``timestamp``, a one-line ``text`` (what Slack's and Mattermost's incoming webhooks
  show), and ``data`` with the store and the problem.

The signing is done here by hand: it is four lines of the standard library's ``hmac``, and the
tests check it with the ``standardwebhooks`` package's own verifier.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.erp.options import ErpClientOptions
from erpgate.erp.webhook import WebhookSender
from erpgate.errors import Conflict, NotFound, ValidationFailed
from erpgate.kit.crypto import SecretBox
from erpgate.kit.redaction import mask_webhook_url
from erpgate.models.alert_route import AlertRoute
from erpgate.models.integration import URL_LENGTH
from erpgate.notification import repository
from erpgate.notification.compose import ProblemFacts

if TYPE_CHECKING:
    from erpgate.notification.worker import WebhookDelivery

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
MAX_ROUTES = 5
MAX_NAME = 100


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, sha256).digest()).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert as every route receives it."""

    type: str
    text: str
    body: bytes


def problem_alert(
    kind: str, facts: ProblemFacts, *, store: str, state: str, now: datetime
) -> Alert:
    """``kind``: opened, reminder or resolved."""
    who = (
        f"customer {facts.customer_code}"
        if facts.customer_code
        else f"{facts.customers} customer(s)"
    )
    headline = {
        "opened": "Problem opened",
        "reminder": "Problem still open",
        "resolved": "Problem resolved",
    }.get(kind, kind)
    text = (
        f"[{store}] {headline}: {facts.endpoint.label} — {facts.error} ({facts.error_kind}); "
        f"{facts.occurrences} failure(s), {who}; reference {facts.reference}. {facts.problem_url}"
    )
    data: dict[str, Any] = {
        "store": store,
        "problem": {
            "code": facts.reference,
            "state": state,
            "endpoint": facts.endpoint.value,
            "kind": facts.error_kind,
            "error": facts.error,
            "customer_code": facts.customer_code,
            "customers": facts.customers,
            "occurrences": facts.occurrences,
            "refusals": facts.refusals,
            "opened_at": facts.opened_at.isoformat(),
            "last_seen": facts.last_seen.isoformat(),
            "url": facts.problem_url,
        },
    }
    return _alert(f"problem.{kind}", text, data, now)


def test_alert(store: str, route_name: str, now: datetime) -> Alert:
    text = f"[{store}] Test alert from erpgate to the route {route_name!r}: it works."
    return _alert("test", text, {"store": store}, now)


def _alert(kind: str, text: str, data: dict[str, Any], now: datetime) -> Alert:
    body = orjson.dumps({"type": kind, "timestamp": now.isoformat(), "text": text, "data": data})
    return Alert(kind, text, body)


def webhook_options(settings: Settings) -> ErpClientOptions:
    """The webhook client's SSRF rules: the ERP client's, with its own allowlist."""
    return ErpClientOptions(
        allowed_private_hosts=frozenset(settings.webhook_allowed_private_hosts),
        require_https=settings.is_production,
    )


def webhook_delivery(settings: Settings) -> WebhookDelivery:
    from erpgate.notification.worker import WebhookDelivery

    return WebhookDelivery(
        WebhookSender(webhook_options(settings)), SecretBox(settings.encryption_keys)
    )


# -- the routes of a store ------------------------------------------------------------------


async def list_routes(db: AsyncSession, store_id: uuid.UUID) -> list[AlertRoute]:
    return await repository.routes_of(db, store_id)


async def get_route(db: AsyncSession, store_id: uuid.UUID, route_id: uuid.UUID) -> AlertRoute:
    route = await repository.route(db, store_id, route_id)
    if route is None:
        raise NotFound("No such alert route.")
    return route


async def add_route(
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    name: str,
    url: str,
    url_problem: str | None,
    box: SecretBox,
    now: datetime,
) -> tuple[AlertRoute, str]:
    """Add a webhook route; returns it and its signing secret (shown to the admin once).
    ``url_problem`` is what the SSRF guard said about the URL (checked by the caller)."""
    errors: dict[str, str] = {}
    name = name.strip()
    url = url.strip()
    if not name:
        errors["name"] = "Give the route a name (e.g. #erp-alerts)."
    elif len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
        errors["name"] = f"A name is one line of at most {MAX_NAME} characters."
    if not url:
        errors["url"] = "The webhook URL is missing."
    elif len(url) > URL_LENGTH:
        errors["url"] = f"The address is longer than {URL_LENGTH} characters."
    elif url_problem is not None:
        errors["url"] = url_problem + "."
    if errors:
        raise ValidationFailed("The alert route is not valid; see the fields.", fields=errors)
    if len(await repository.routes_of(db, store_id)) >= MAX_ROUTES:
        raise Conflict(f"A store has at most {MAX_ROUTES} alert routes; remove one first.")
    secret = new_secret()
    route = AlertRoute(
        store_id=store_id,
        kind="webhook",
        name=name,
        url_encrypted=box.encrypt(url),
        url_shown=mask_webhook_url(url),
        secret_encrypted=box.encrypt(secret),
        enabled=True,
        created_at=now,
    )
    await repository.add(db, route)
    return route, secret


async def remove_route(db: AsyncSession, store_id: uuid.UUID, route_id: uuid.UUID) -> AlertRoute:
    route = await get_route(db, store_id, route_id)
    await repository.delete_route(db, route)
    return route


async def rotate_secrets(db: AsyncSession, box: SecretBox) -> int:
    """Re-encrypt every route's secret and URL under the first key (``erpgate rotate-key``)."""
    routes = await repository.all_routes(db)
    for route in routes:
        route.secret_encrypted = box.rotate(route.secret_encrypted)
        route.url_encrypted = box.rotate(route.url_encrypted)
    await db.flush()
    return len(routes)
