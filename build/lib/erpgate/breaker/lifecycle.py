"""Start-up and shut-down of the breaker sync of this process."""

from __future__ import annotations

from erpgate.breaker.service import BreakerSync
from erpgate.logging import get_logger
from erpgate.web.state import AppState

BREAKER_SYNC = "breaker_sync"
log = get_logger(__name__)


def breaker_sync(state: AppState) -> BreakerSync | None:
    sync: BreakerSync | None = state.services.get(BREAKER_SYNC)
    return sync


async def startup(state: AppState) -> None:
    sync = BreakerSync(
        state.session_factory,
        state.gateway.breakers,
        state.clock,
        state.settings.breaker_sync_seconds,
    )
    await sync.sync_once()  # start with what the other instances and operators decided
    sync.start()
    state.services[BREAKER_SYNC] = sync


async def shutdown(state: AppState) -> None:
    sync: BreakerSync | None = state.services.pop(BREAKER_SYNC, None)
    if sync is not None:
        await sync.close()
