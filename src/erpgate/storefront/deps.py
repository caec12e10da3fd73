"""Who is calling the storefront: a signed-in buyer (cookie) or a store API key on behalf of one.

Every ERP call is made with the customer code of the buyer resolved here, never one from the
request, so a buyer can only ever see their own account's data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from erpgate.auth import service as auth_service
from erpgate.auth.cookies import BUYER_COOKIE
from erpgate.auth.service import CSRF_REFUSED
from erpgate.checkout.service import CheckoutBuyer
from erpgate.customer import service as customer_service
from erpgate.errors import Forbidden, NotFound, Unauthorized
from erpgate.event.gateway import Actor, Source
from erpgate.integration.service import LiveIntegration, load_live_integration
from erpgate.kit.crypto import token_digest
from erpgate.kit.local_cache import INTEGRATIONS, SESSIONS, LocalCache, generation
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.store import Store
from erpgate.models.user import User
from erpgate.models.web_session import WebSession
from erpgate.store import service as store_service
from erpgate.storefront import api_keys, repository
from erpgate.web.db import DbSession
from erpgate.web.state import get_state

ON_BEHALF_HEADER = "X-On-Behalf-Of"
CACHED_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class Impersonation:
    admin_email: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Buyer:
    """The resolved buyer with their store, customer account and live integration."""

    store: Store
    user: User
    account: CustomerAccount
    integration: LiveIntegration
    source: Source
    session: WebSession | None = None  # None for API-key calls
    impersonation: Impersonation | None = None

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token if self.session else ""

    @property
    def actor(self) -> Actor:
        return Actor(
            source=self.source,
            customer_account_id=self.account.id,
            customer_code=self.account.customer_code,
            user_id=self.user.id,
            impersonator_admin_id=self.session.impersonator_admin_id if self.session else None,
        )

    def checkout_buyer(self) -> CheckoutBuyer:
        return CheckoutBuyer(store=self.store, account=self.account, actor=self.actor)

    def may(self, permission: str) -> bool:
        return permission in (self.user.permissions or [])

    def require(self, permission: str) -> None:
        """Refuse before any ERP call when the buyer lacks the permission."""
        if not self.may(permission):
            raise Forbidden(f"Your account does not have access to {permission}.")


async def buyer_for_user(
    request: Request,
    db: DbSession,
    store: Store,
    user_id: uuid.UUID,
    source: Source,
    session: WebSession | None,
) -> Buyer | None:
    state = get_state(request)
    # Like the buyer cache: reads may use a snapshot a few seconds old, changes never do.
    cached = request.method in CACHED_METHODS
    ttl = state.settings.integration_cache_seconds if cached else 0.0
    user = await repository_user(db, store.id, user_id)
    if user is None or not user.is_active:
        return None
    account = await customer_service.get_account(db, store.id, user.customer_account_id)
    impersonation = None
    if session is not None and session.impersonator_admin_id is not None:
        email = await repository.admin_email(db, session.impersonator_admin_id)
        impersonation = Impersonation(email or "an administrator", session.expires_at)
    return Buyer(
        store=store,
        user=user,
        account=account,
        integration=await load_live_integration(db, store.id, state.secret_box, cache_seconds=ttl),
        source=source,
        session=session,
        impersonation=impersonation,
    )


async def repository_user(db: DbSession, store_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
    try:
        return await customer_service.get_user(db, store_id, user_id)
    except NotFound:
        return None


async def store_by_slug(db: DbSession, slug: str) -> Store:
    store = await store_service.find_store_by_slug(db, slug)
    if store is None:
        raise NotFound("There is no such store.")
    return store


# Resolved cookie buyers by session-token digest. Reads (GET/HEAD) use it, so a page view or
# JSON read costs no session, buyer, account, store or integration query; anything that changes
# state resolves the session from the database. Sign-out, revocation and buyer/account edits in
# this process drop the cache at once; on other instances they apply within
# ERPGATE_BUYER_CACHE_SECONDS. Session expiry is checked on every hit.
_buyers: LocalCache[str, Buyer] = LocalCache((SESSIONS, INTEGRATIONS))


async def session_buyer(request: Request, db: DbSession, store: Store | None) -> Buyer | None:
    """The buyer of the session cookie, when it is live (and belongs to ``store`` if given)."""
    state = get_state(request)
    now = state.clock.now()
    token = request.cookies.get(BUYER_COOKIE)
    ttl = state.settings.buyer_cache_seconds if request.method in CACHED_METHODS else 0.0
    key = token_digest(token) if token and ttl > 0 and len(token) <= 128 else None
    if key is not None:
        cached = _buyers.get(key, ttl)
        if cached is not None and cached.session is not None and cached.session.expires_at > now:
            if store is not None and cached.store.id != store.id:
                return None
            integration_ttl = state.settings.integration_cache_seconds
            if integration_ttl < ttl:  # the integration's own, shorter TTL still applies
                live = await load_live_integration(
                    db, cached.store.id, state.secret_box, cache_seconds=integration_ttl
                )
                cached = replace(cached, integration=live)
            return cached
    as_of = generation(_buyers.topics)
    record = await auth_service.resolve_session(db, token, kind="buyer", now=now)
    if record is None or record.store_id is None:
        return None
    if store is None:
        store = await store_service.get_store(db, record.store_id)
    elif record.store_id != store.id:
        return None
    buyer = await buyer_for_user(request, db, store, record.principal_id, "storefront", record)
    if buyer is not None and key is not None:
        _detach(db, buyer)
        _buyers.put(key, buyer, ttl, as_of=as_of)
    return buyer


def _detach(db: DbSession, buyer: Buyer) -> None:
    # The cached rows must outlive this request's session: a request that fails (an ERP outage
    # answers 503) rolls back, and a rollback expires every row still in the session, so a
    # cached row would then fail every later read that touches it. Detached now, they keep the
    # values they were loaded with; only their columns are read (no lazy relationships).
    for row in (buyer.store, buyer.user, buyer.account, buyer.session):
        if row is not None and row in db:
            db.expunge(row)


async def page_buyer(request: Request, db: DbSession, slug: str) -> Buyer:
    """Pages under /store/{slug}/: a live buyer session of that store, or off to its login."""
    store = await store_by_slug(db, slug)
    buyer = await session_buyer(request, db, store)
    if buyer is None:
        raise Unauthorized("Please sign in.")
    return buyer


async def api_buyer(request: Request, db: DbSession) -> Buyer:
    """JSON API: `Authorization: Bearer <store API key>` + `X-On-Behalf-Of`, or a buyer session."""
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        now = get_state(request).clock.now()
        key = await api_keys.authenticate_api_key(db, authorization[7:].strip(), now)
        if key is None:
            raise Unauthorized("The API key is not valid.")
        email = request.headers.get(ON_BEHALF_HEADER, "").strip().lower()
        if not email:
            raise Unauthorized(f"Name the buyer in the {ON_BEHALF_HEADER} header.")
        store = await store_service.get_store(db, key.store_id)
        user = await customer_service.find_user_by_email(db, store.id, email)
        buyer = None
        if user is not None:
            buyer = await buyer_for_user(request, db, store, user.id, "api", None)
        if buyer is None:
            raise Forbidden("No active buyer with that e-mail in this store.")
        return buyer
    buyer = await session_buyer(request, db, None)
    if buyer is None:
        raise Unauthorized("Please sign in.")
    return buyer


PageBuyer = Annotated[Buyer, Depends(page_buyer)]
ApiBuyer = Annotated[Buyer, Depends(api_buyer)]


def check_csrf(buyer: Buyer, submitted: str | None) -> None:
    """Cookie sessions must echo their CSRF token; API-key calls carry no cookie to forge."""
    if buyer.session is None:
        return
    if not auth_service.csrf_matches(buyer.session, submitted):
        raise Forbidden(CSRF_REFUSED)
