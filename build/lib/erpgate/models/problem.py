"""Problems: failures folded by store, endpoint and error kind (and customer when only one fails).

One row per key for the life of the store: a resolved problem is reopened by its next failure, so
its history, code and references stay in one place. Counters are cumulative since ``first_seen``;
``opened_at`` starts the current episode.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import JSONType, UTCDateTime
from erpgate.models._columns import uuid_pk

STATES = ("open", "acknowledged", "resolved")


class Problem(Base):
    __tablename__ = "problem"
    __table_args__ = (
        # customer_key is the customer code for a customer's problem, "" for the endpoint's.
        UniqueConstraint("store_id", "endpoint", "kind", "customer_key", name="uq_problem_key"),
        Index("ix_problem_store_id_state_last_seen", "store_id", "state", "last_seen"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), nullable=False
    )
    # Short and unique: the first half of every reference a buyer is given for this problem.
    code: Mapped[str] = mapped_column(String(8), unique=True, nullable=False)
    endpoint: Mapped[str] = mapped_column(String(16), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    scope: Mapped[str] = mapped_column(String(16), nullable=False)  # "endpoint" or "customer"
    customer_key: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")  # the latest sentence
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(64))  # "successes", "quiet", an admin
    occurrences: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    refusals: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # breaker open
    customers: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    episodes: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # The first events of the episode and the latest ones, newest last (bounded).
    sample_event_ids: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    # E-mail throttle: when the last mail about this problem went out, what was held back since,
    # and whether the current episode was announced (only then is its resolution announced).
    last_mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_back: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    announced: Mapped[bool] = mapped_column(nullable=False, default=False)


class ProblemCustomer(Base):
    """The distinct customer accounts a problem touched: counted across every instance."""

    __tablename__ = "problem_customer"

    problem_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("problem.id", ondelete="CASCADE"), primary_key=True
    )
    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
