"""Attempt records: one per outbound HTTP attempt, handed to a sink (the events domain stores them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID


@dataclass(slots=True)
class AttemptRecord:
    request_id: str
    trace_id: str
    store_id: UUID | None
    endpoint: str
    method: str
    url: str  # userinfo removed, secret query parameters masked
    started_at: datetime
    duration_ms: float
    request_headers: list[tuple[str, str]]  # secrets masked
    request_body: bytes
    status: int | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""  # capped by the client at its response cap
    response_truncated: bool = False
    error: str | None = None  # the human sentence when this attempt failed
    attempt: int = 1


class AttemptSink(Protocol):
    """Receives attempt records. Must not block: the buyer's request never waits on storage."""

    def record(self, attempt: AttemptRecord) -> None: ...


class NullSink:
    def record(self, attempt: AttemptRecord) -> None:
        return None


class ListSink:
    """Keeps records in memory; used by the conformance checker and by tests."""

    def __init__(self) -> None:
        self.records: list[AttemptRecord] = []

    def record(self, attempt: AttemptRecord) -> None:
        self.records.append(attempt)
