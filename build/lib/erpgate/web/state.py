"""What a running app holds for its requests; reached through ``request.app.state.erpgate``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncEngine

from erpgate.config import Settings
from erpgate.db.engine import SessionFactory
from erpgate.erp.gateway import ErpGateway
from erpgate.kit.clock import Clock
from erpgate.kit.crypto import SecretBox
from erpgate.web.probes import Draining


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    session_factory: SessionFactory
    secret_box: SecretBox
    gateway: ErpGateway
    clock: Clock
    # Services owned by higher domains (outcome writer, outbox worker, ...), by name; request
    # code reaches them through their domain's typed accessor and passes them on explicitly.
    services: dict[str, Any] = field(default_factory=dict)
    # Set when a shutdown begins: /readyz answers 503 from then on.
    draining: Draining = field(default_factory=Draining)


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.erpgate
    return state
