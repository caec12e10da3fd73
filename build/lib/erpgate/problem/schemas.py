"""JSON shapes of the problems API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from erpgate.models.problem import Problem

State = Literal["open", "acknowledged", "resolved"]


class ProblemOut(BaseModel):
    id: str
    code: str = Field(description="Every reference a buyer was given for it starts with this")
    state: State
    endpoint: str
    kind: str = Field(description="The error kind, e.g. timeout, unavailable, contract")
    scope: Literal["endpoint", "customer"] = Field(
        description="endpoint: every customer; customer: only customer_code fails"
    )
    customer_code: str | None
    error: str = Field(description="The latest failure's sentence")
    count: int = Field(description="Failures since first seen")
    refusals: int = Field(description="Calls the circuit breaker held back meanwhile")
    customers: int = Field(description="Distinct customer accounts affected")
    first_seen: dt.datetime
    last_seen: dt.datetime
    opened_at: dt.datetime
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    resolved_by: str | None
    episodes: int = Field(description="How many times it opened")
    sample_event_ids: list[str]
    occurred_at: dt.datetime | None = Field(
        default=None, description="With ?q=<reference>: when that buyer's failure happened"
    )

    @classmethod
    def of(cls, row: Problem, occurred_at: dt.datetime | None = None) -> ProblemOut:
        return cls(
            id=str(row.id),
            code=row.code,
            state=row.state,
            endpoint=row.endpoint,
            kind=row.kind,
            scope="customer" if row.scope == "customer" else "endpoint",
            customer_code=row.customer_key or None,
            error=row.error,
            count=row.occurrences,
            refusals=row.refusals,
            customers=row.customers,
            first_seen=row.first_seen,
            last_seen=row.last_seen,
            opened_at=row.opened_at,
            acknowledged_at=row.acknowledged_at,
            resolved_at=row.resolved_at,
            resolved_by=row.resolved_by,
            episodes=row.episodes,
            sample_event_ids=list(row.sample_event_ids),
            occurred_at=occurred_at,
        )


class ProblemsPage(BaseModel):
    items: list[ProblemOut]
    page: int
    has_next: bool
