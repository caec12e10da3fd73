"""Reading from the ERP for a buyer: permission checked first, last good answer kept for outages.

On success the answer is saved per (store, customer code, endpoint, canonical request), in the
background and at most once per ERPGATE_STALE_SAVE_INTERVAL_SECONDS per key (``answers``); when
the ERP fails and a saved answer is younger than the store's stale-data max age, that answer is
returned with its time, otherwise ``ErpUnavailable`` carries the reference code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.erp.contract import WireRequest
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpNotFoundError
from erpgate.errors import ErpUnavailable, NotFound
from erpgate.event.gateway import ErpCallFailed, ErpNotConfigured, call_erp
from erpgate.storefront import repository
from erpgate.storefront.answers import ANSWER_SAVER, AnswerKey, AnswerSaver
from erpgate.storefront.deps import Buyer
from erpgate.web.state import AppState

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Answer(Generic[T]):
    value: T
    stale_as_of: datetime | None = None  # set when this is a saved answer shown during an outage
    reference: str | None = None  # the failed call's reference code, when stale


def request_digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def read_erp(
    state: AppState,
    db: AsyncSession,
    buyer: Buyer,
    endpoint: Endpoint,
    request: WireRequest,
    response_model: type[T],
) -> Answer[T]:
    """One ERP read on the buyer's behalf, with the stale fallback."""
    payload = request.to_wire()
    code = buyer.account.customer_code
    key: AnswerKey = (buyer.store.id, code, endpoint.value, request_digest(payload))
    saver: AnswerSaver | None = state.services.get(ANSWER_SAVER)
    try:
        result = await call_erp(
            state, buyer.integration, endpoint, payload, response_model, buyer.actor
        )
    except ErpNotConfigured:
        raise NotFound("This page is not available in this store.") from None
    except ErpNotFoundError:
        raise NotFound("We could not find that in your account.") from None
    except ErpCallFailed as exc:
        return await _stale_answer(state, db, buyer, key, saver, response_model, exc.reference)
    if saver is None:  # no background saver (app not started through its lifespan)
        await repository.save_answer(
            db, *key, result.value.model_dump(mode="json"), state.clock.now()
        )
    elif saver.wants(key):
        saver.save(key, result.value.model_dump(mode="json"), state.clock.now())
    return Answer(result.value)


async def _stale_answer(
    state: AppState,
    db: AsyncSession,
    buyer: Buyer,
    key: AnswerKey,
    saver: AnswerSaver | None,
    response_model: type[T],
    reference: str,
) -> Answer[T]:
    """The last good answer for this very request when young enough, else the calm 503."""
    queued = saver.pending(key) if saver is not None else None
    if queued is not None:
        answer, fetched_at = queued.answer, queued.fetched_at
    else:
        saved = await repository.get_cached_answer(db, *key)
        if saved is None:
            raise ErpUnavailable(reference)
        answer, fetched_at = saved.answer, saved.fetched_at
    max_age = timedelta(seconds=buyer.integration.stale_max_age_seconds)
    if state.clock.now() - fetched_at > max_age:
        raise ErpUnavailable(reference)
    try:
        value = response_model.model_validate(answer)
    except ValueError:
        raise ErpUnavailable(reference) from None
    return Answer(value, stale_as_of=fetched_at, reference=reference)
