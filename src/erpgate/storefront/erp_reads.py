"""Reading from the ERP for a buyer: permission checked first, last good answer kept for outages.

On success the answer is saved per (store, customer code, endpoint, canonical request); when the
ERP fails and a saved answer is younger than the store's stale-data max age, that answer is
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
    digest = request_digest(payload)
    try:
        result = await call_erp(
            state, buyer.integration, endpoint, payload, response_model, buyer.actor
        )
    except ErpNotConfigured:
        raise NotFound("This page is not available in this store.") from None
    except ErpNotFoundError:
        raise NotFound("We could not find that in your account.") from None
    except ErpCallFailed as exc:
        saved = await repository.get_cached_answer(db, buyer.store.id, code, endpoint, digest)
        max_age = timedelta(seconds=buyer.integration.stale_max_age_seconds)
        if saved is not None and state.clock.now() - saved.fetched_at <= max_age:
            try:
                value = response_model.model_validate(saved.answer)
            except ValueError:
                raise ErpUnavailable(exc.reference) from None
            return Answer(value, stale_as_of=saved.fetched_at, reference=exc.reference)
        raise ErpUnavailable(exc.reference) from None
    await repository.save_answer(
        db,
        buyer.store.id,
        code,
        endpoint,
        digest,
        result.value.model_dump(mode="json"),
        state.clock.now(),
    )
    return Answer(result.value)
