"""problems, saved answers as the ERP sent them, events linked to problems; alert state goes

Revision ID: 0006
Revises: 0005

The saved answers of the stale fallback are a cache: the old table is dropped, not converted
(after the upgrade, buyers see stale data again once each request has succeeded once). Alert
state is replaced by problems, which start empty.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import erpgate.db.types

revision = "0006"
down_revision = "0005"
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
        "problem",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("endpoint", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("customer_key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("first_seen", _utc(), nullable=False),
        sa.Column("last_seen", _utc(), nullable=False),
        sa.Column("opened_at", _utc(), nullable=False),
        sa.Column("acknowledged_at", _utc(), nullable=True),
        sa.Column("acknowledged_by", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", _utc(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("refusals", sa.Integer(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("episodes", sa.Integer(), nullable=False),
        sa.Column("sample_event_ids", _json(), nullable=False),
        sa.Column("last_mailed_at", _utc(), nullable=True),
        sa.Column("held_back", sa.Integer(), nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False),
        _store_fk("problem"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem")),
        sa.UniqueConstraint("code", name=op.f("uq_problem_code")),
        sa.UniqueConstraint("store_id", "endpoint", "kind", "customer_key", name="uq_problem_key"),
    )
    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.create_index(
            "ix_problem_store_id_state_last_seen", ["store_id", "state", "last_seen"], unique=False
        )
    op.create_table(
        "problem_customer",
        sa.Column("problem_id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("first_seen", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problem.id"],
            name=op.f("fk_problem_customer_problem_id_problem"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("problem_id", "customer_code", name=op.f("pk_problem_customer")),
    )
    op.create_table(
        "saved_answer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("endpoint", sa.String(length=16), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("fetched_at", _utc(), nullable=False),
        sa.Column("saved_by", sa.String(length=16), nullable=False),
        _store_fk("saved_answer"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_answer")),
        sa.UniqueConstraint(
            "store_id", "customer_code", "endpoint", "request_digest", name="uq_saved_answer_key"
        ),
    )
    with op.batch_alter_table("saved_answer", schema=None) as batch_op:
        batch_op.create_index("ix_saved_answer_fetched_at", ["fetched_at"], unique=False)
    op.drop_table("erp_answer_cache")
    with op.batch_alter_table("alert_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_state_store_id"))
    op.drop_table("alert_state")
    # The event data is derived from the columns now (Event.data); only failures are indexed by
    # reference and problem; related requests are found by id or trace id, never by store alone.
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("problem_id", sa.Uuid(), nullable=True))
        batch_op.drop_column("data")
    op.create_index(
        "ix_event_problem_id_occurred_at",
        "event",
        ["problem_id", "occurred_at"],
        unique=False,
        sqlite_where=sa.text("problem_id IS NOT NULL"),
        postgresql_where=sa.text("problem_id IS NOT NULL"),
    )
    op.create_index(
        "ix_event_store_id_reference",
        "event",
        ["store_id", "reference"],
        unique=False,
        sqlite_where=sa.text("reference IS NOT NULL"),
        postgresql_where=sa.text("reference IS NOT NULL"),
    )
    with op.batch_alter_table("related_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_related_request_store_id"))
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("problem_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notification_problem_id"), ["problem_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_problem_id"))
        batch_op.drop_column("problem_id")
    with op.batch_alter_table("related_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_related_request_store_id"), ["store_id"], unique=False)
    op.drop_index("ix_event_store_id_reference", table_name="event")
    op.drop_index("ix_event_problem_id_occurred_at", table_name="event")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data", _json(), nullable=False, server_default="{}"))
        batch_op.drop_column("problem_id")
        batch_op.drop_column("reference")
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
    op.create_table(
        "erp_answer_cache",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("endpoint", sa.String(length=16), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("answer", _json(), nullable=False),
        sa.Column("fetched_at", _utc(), nullable=False),
        _store_fk("erp_answer_cache"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_answer_cache")),
        sa.UniqueConstraint(
            "store_id",
            "customer_code",
            "endpoint",
            "request_digest",
            name=op.f("uq_erp_answer_cache_key"),
        ),
    )
    with op.batch_alter_table("saved_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_saved_answer_fetched_at")
    op.drop_table("saved_answer")
    op.drop_table("problem_customer")
    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.drop_index("ix_problem_store_id_state_last_seen")
    op.drop_table("problem")
