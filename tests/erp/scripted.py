"""A transport that answers from a script: the gateway's unit tests run without any socket."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from erpgate.erp.errors import ErpError
from erpgate.erp.exchange import Outbound, RawAnswer


@dataclass(frozen=True)
class Step:
    """One answer of the script: a status with a body, a failure to raise, or a pause first."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    raises: Callable[[], ErpError] | None = None
    delay: float = 0.0


def answer(payload: Any, status: int = 200, **headers: str) -> Step:
    return Step(status, orjson.dumps(payload), {"Content-Type": "application/json", **headers})


class ScriptedTransport:
    """Answers each URL with its steps in order, repeating the last; records every request."""

    def __init__(self, script: dict[str, list[Step]]) -> None:
        self.script = {url: list(steps) for url, steps in script.items()}
        self.requests: list[Outbound] = []

    def sent_to(self, url: str) -> list[Outbound]:
        return [request for request in self.requests if request.url == url]

    async def send(self, request: Outbound, answer: RawAnswer, *, cap: int, subject: str) -> None:
        self.requests.append(request)
        steps = self.script[request.url]
        step = steps.pop(0) if len(steps) > 1 else steps[0]
        if step.delay:
            await asyncio.sleep(step.delay)
        if step.raises is not None:
            raise step.raises()
        answer.status, answer.reason, answer.headers = step.status, None, dict(step.headers)
        answer.body, answer.truncated = step.body[:cap], len(step.body) > cap
