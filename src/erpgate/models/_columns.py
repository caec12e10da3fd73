"""Column helpers shared by the tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.types import UTCDateTime
from erpgate.kit.clock import utcnow
from erpgate.kit.ids import new_uuid


def uuid_pk() -> Mapped[uuid.UUID]:
    # Time-ordered (kit/ids.py): new rows land at one edge of the primary-key index.
    return mapped_column(Uuid, primary_key=True, default=new_uuid)


def created_at() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, default=utcnow, nullable=False)
