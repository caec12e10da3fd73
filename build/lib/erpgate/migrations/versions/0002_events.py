"""events, related requests, notification outbox

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import erpgate.db.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _utc() -> erpgate.db.types.UTCDateTime:
    return erpgate.db.types.UTCDateTime()


def _store_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["store_id"], ["store.id"], name=op.f(f"fk_{table}_store_id_store"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", _utc(), nullable=False),
        sa.Column("trace_id", sa.String(length=64), nullable=False),
        sa.Column("endpoint", sa.String(length=16), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("customer_account_id", sa.Uuid(), nullable=True),
        sa.Column("impersonator_admin_id", sa.Uuid(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("error_kind", sa.String(length=32), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("data", _json(), nullable=False),
        _store_fk("event"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sa.UniqueConstraint("trace_id", name=op.f("uq_event_trace_id")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_store_id_occurred_at", ["store_id", "occurred_at"], unique=False
        )

    op.create_table(
        "related_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("trace_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("endpoint", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("request_headers", _json(), nullable=False),
        sa.Column("request_body", sa.Text(), nullable=True),
        sa.Column("request_body_encoding", sa.String(length=8), nullable=False),
        sa.Column("request_body_size", sa.Integer(), nullable=False),
        sa.Column("request_truncated", sa.Boolean(), nullable=False),
        sa.Column("response_headers", _json(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_body_encoding", sa.String(length=8), nullable=False),
        sa.Column("response_body_size", sa.Integer(), nullable=False),
        sa.Column("response_truncated", sa.Boolean(), nullable=False),
        sa.Column("bodies_purged", sa.Boolean(), nullable=False),
        _store_fk("related_request"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_related_request")),
    )
    with op.batch_alter_table("related_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_related_request_started_at"), ["started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_related_request_store_id"), ["store_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_related_request_trace_id"), ["trace_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("endpoint", sa.String(length=16), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("receivers", _json(), nullable=False),
        sa.Column("invalid_receivers", _json(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", _utc(), nullable=False),
        sa.Column("lease_expires_at", _utc(), nullable=True),
        sa.Column("claim_token", sa.String(length=64), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("provider_message_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        _store_fk("notification"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notification_store_id"), ["store_id"], unique=False)

    op.create_table(
        "alert_state",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint", sa.String(length=16), nullable=False),
        sa.Column("error_kind", sa.String(length=32), nullable=False),
        sa.Column("last_sent_at", _utc(), nullable=False),
        sa.Column("held_back", sa.Integer(), nullable=False),
        sa.Column("alerted", sa.Boolean(), nullable=False),
        sa.Column("last_event_id", sa.Uuid(), nullable=True),
        _store_fk("alert_state"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_state")),
        sa.UniqueConstraint(
            "store_id",
            "endpoint",
            "error_kind",
            name=op.f("uq_alert_state_store_id_endpoint_error_kind"),
        ),
    )
    with op.batch_alter_table("alert_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_state_store_id"), ["store_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_state_store_id"))
    op.drop_table("alert_state")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_store_id"))
        batch_op.drop_index("ix_notification_status_next_attempt_at")
    op.drop_table("notification")
    with op.batch_alter_table("related_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_related_request_trace_id"))
        batch_op.drop_index(batch_op.f("ix_related_request_store_id"))
        batch_op.drop_index(batch_op.f("ix_related_request_started_at"))
    op.drop_table("related_request")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_store_id_occurred_at")
    op.drop_table("event")
