"""Where a store's alerts go besides e-mail: a webhook (a signed JSON POST, Slack compatible).

The signing secret and the URL are encrypted like the integration's Token
(``kit.crypto.SecretBox``): a chat service's webhook URL carries its own token (anyone holding it
can post to the channel), so pages, the API, the audit log and the notifications list show only
``url_shown`` (``kit.redaction.mask_webhook_url``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.models._columns import created_at, uuid_pk
from erpgate.models.integration import URL_LENGTH


class AlertRoute(Base):
    __tablename__ = "alert_route"

    id: Mapped[uuid.UUID] = uuid_pk()
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="webhook")
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    url_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    url_shown: Mapped[str] = mapped_column(String(URL_LENGTH), nullable=False)
    secret_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = created_at()
