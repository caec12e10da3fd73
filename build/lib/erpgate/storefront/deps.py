"""Who is calling the storefront: a signed-in buyer (cookie) or a store API key on behalf of one.

Every ERP call is made with the customer code of the buyer resolved here, never one from the
request, so a buyer can only ever see their own account's data. The buyer is resolved in a short
session of its own, closed before the route runs (and not opened at all when the buyer comes from
the cache): a storefront read then waits on the ERP holding no database connection, so slow ERP
calls can never exhaust the pool, and a route that also uses the request's session never holds
two connections at once. Closing that session detaches the buyer's rows with the values they were
loaded with, so a cached buyer outlives the request that loaded it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.auth import service as auth_service
from erpgate.auth.cookies import BUYER_COOKIE
from erpgate.auth.service import CSRF_REFUSED
from erpgate.customer import service as customer_service
from erpgate.erp.outcome import Source
from erpgate.errors import Forbidden, NotFound, Unauthorized
from erpgate.integration.service import load_cached_integration, load_live_integration
from erpgate.kit.coalesce import Coalescer
from erpgate.kit.crypto import token_digest
from erpgate.kit.local_cache import INTEGRATIONS, SESSIONS, LocalCache, generation
from erpgate.models.store import Store
from erpgate.models.user import User
from erpgate.models.web_session import WebSession
from erpgate.outcomes.lifecycle import saved_answers
from erpgate.store import service as store_service
from erpgate.storefront import api_keys, repository
from erpgate.storefront.buyers import Buyer, Impersonation
from erpgate.storefront.service import ErpReads
from erpgate.web.observe import tag_store
from erpgate.web.state import get_state

ON_BEHALF_HEADER = "X-On-Behalf-Of"
CACHED_METHODS = frozenset({"GET", "HEAD"})


async def buyer_for_user(
    request: Request,
    db: AsyncSession,
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
        integration=await load_live_integration(
            db, store.id, state.secret_box, state.gateway.options, cache_seconds=ttl
        ),
        source=source,
        session=session,
        impersonation=impersonation,
    )


async def repository_user(db: AsyncSession, store_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
    try:
        return await customer_service.get_user(db, store_id, user_id)
    except NotFound:
        return None


async def store_by_slug(db: AsyncSession, slug: str) -> Store:
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
# When a cached buyer expires, the reads of that session in flight at that moment share one
# look-up instead of each taking a database connection for the same rows (a headless client
# keeps dozens of reads in flight).
_looking_up: Coalescer[Buyer | None] = Coalescer()


async def _shared(
    key: Hashable | None, look_up: Callable[[], Awaitable[Buyer | None]]
) -> Buyer | None:
    """One look-up for the reads in flight under ``key``; without a key (not cacheable), its own."""
    return await (look_up() if key is None else _looking_up.run(key, look_up))


def _cached_buyer(request: Request) -> tuple[str | None, Buyer | None]:
    """(cache key, live cached buyer) of the session cookie; GET and HEAD only."""
    state = get_state(request)
    token = request.cookies.get(BUYER_COOKIE)
    ttl = state.settings.buyer_cache_seconds if request.method in CACHED_METHODS else 0.0
    key = token_digest(token) if token and ttl > 0 and len(token) <= 128 else None
    if key is None:
        return None, None
    cached = _buyers.get(key, ttl)
    if cached is None or cached.session is None:
        return key, None
    if cached.session.expires_at <= state.clock.now():
        return key, None
    return key, cached


async def _with_fresh_integration(request: Request, buyer: Buyer) -> Buyer:
    """A cached buyer whose integration snapshot has its own, shorter TTL."""
    state = get_state(request)
    integration_ttl = state.settings.integration_cache_seconds
    if integration_ttl >= state.settings.buyer_cache_seconds:
        return buyer
    options = state.gateway.options
    live = load_cached_integration(buyer.store.id, state.secret_box, options, integration_ttl)
    if live is None:
        async with state.session_factory() as db:
            live = await load_live_integration(
                db, buyer.store.id, state.secret_box, options, cache_seconds=integration_ttl
            )
    return replace(buyer, integration=live)


async def session_buyer(
    request: Request, db: AsyncSession, store: Store | None, key: str | None
) -> Buyer | None:
    """The buyer of the session cookie, when it is live (and belongs to ``store`` if given),
    resolved from the database and remembered under ``key`` for GET and HEAD."""
    state = get_state(request)
    as_of = generation(_buyers.topics)
    token = request.cookies.get(BUYER_COOKIE)
    record = await auth_service.resolve_session(db, token, kind="buyer", now=state.clock.now())
    if record is None or record.store_id is None:
        return None
    if store is None:
        store = await store_service.get_store(db, record.store_id)
    elif record.store_id != store.id:
        return None
    buyer = await buyer_for_user(request, db, store, record.principal_id, "storefront", record)
    if buyer is not None and key is not None:
        _buyers.put(key, buyer, state.settings.buyer_cache_seconds, as_of=as_of)
    return buyer


def storefront_slug(path: str) -> str | None:
    """The store's slug of a storefront page's path (/store/<slug>/...), else None."""
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "store" and parts[2]:
        return parts[2]
    return None


async def store_and_buyer(request: Request, slug: str) -> tuple[Store | None, Buyer | None]:
    """The store of ``slug`` (None when there is none) and this browser's live buyer session in
    it (None for a visitor), for pages that show the store to everyone, such as error pages."""
    key, cached = _cached_buyer(request)
    if cached is not None and cached.store.slug == slug:
        return cached.store, cached
    async with get_state(request).session_factory() as db:
        store = await store_service.find_store_by_slug(db, slug)
        if store is None:
            return None, None
        return store, await session_buyer(request, db, store, key)


async def page_buyer(request: Request, slug: str) -> Buyer:
    """Pages under /store/{slug}/: a live buyer session of that store, or off to its login."""
    tag_store(request.scope, slug)
    key, cached = _cached_buyer(request)
    if cached is not None and cached.store.slug == slug:
        return await _with_fresh_integration(request, cached)

    async def look_up() -> Buyer | None:
        async with get_state(request).session_factory() as db:
            store = await store_by_slug(db, slug)
            return await session_buyer(request, db, store, key)

    buyer = await _shared(None if key is None else (key, slug), look_up)
    if buyer is None:
        raise Unauthorized("Please sign in.")
    return buyer


async def api_buyer(request: Request) -> Buyer:
    """JSON API: `Authorization: Bearer <store API key>` + `X-On-Behalf-Of`, or a buyer session."""
    buyer = await _api_buyer(request)
    tag_store(request.scope, buyer.store.slug)  # for the access log
    return buyer


async def cached_session_buyer(request: Request) -> Buyer | None:
    """The JSON API's buyer when the session cache has it (a session cookie and no API key, GET
    or HEAD), as ``api_buyer`` would give it; None otherwise."""
    if _bearer_key(request) is not None:
        return None
    _key, cached = _cached_buyer(request)
    if cached is None:
        return None
    tag_store(request.scope, cached.store.slug)  # for the access log
    return await _with_fresh_integration(request, cached)


def _bearer_key(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    if not authorization.lower().startswith("bearer "):
        return None
    return authorization[7:].strip()


async def _api_buyer(request: Request) -> Buyer:
    plaintext = _bearer_key(request)
    if plaintext is None:
        key, cached = _cached_buyer(request)
        if cached is not None:
            return await _with_fresh_integration(request, cached)

        async def look_up() -> Buyer | None:
            async with get_state(request).session_factory() as db:
                return await session_buyer(request, db, None, key)

        buyer = await _shared(key, look_up)
        if buyer is None:
            raise Unauthorized("Please sign in.")
        return buyer
    async with get_state(request).session_factory() as db:
        buyer = await _api_key_buyer(request, db, plaintext)
        # The key's last-used time (written at most once a minute) goes with this session.
        await db.commit()
    return buyer


async def _api_key_buyer(request: Request, db: AsyncSession, plaintext: str) -> Buyer:
    now = get_state(request).clock.now()
    key = await api_keys.authenticate_api_key(db, plaintext, now)
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


PageBuyer = Annotated[Buyer, Depends(page_buyer)]
ApiBuyer = Annotated[Buyer, Depends(api_buyer)]


def check_csrf(buyer: Buyer, submitted: str | None) -> None:
    """Cookie sessions must echo their CSRF token; API-key calls carry no cookie to forge."""
    if buyer.session is None:
        return
    if not auth_service.csrf_matches(buyer.session, submitted):
        raise Forbidden(CSRF_REFUSED)


def erp_reads(request: Request) -> ErpReads:
    """The gateway, saved answers and clock a buyer's ERP read is given."""
    state = get_state(request)
    return ErpReads(state.gateway, saved_answers(state), state.clock)
