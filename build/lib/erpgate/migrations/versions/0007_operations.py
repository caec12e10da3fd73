"""operations: shared circuit breakers, webhook alert routes, the outbox's channel

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import erpgate.db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _utc() -> erpgate.db.types.UTCDateTime:
    return erpgate.db.types.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "erp_breaker",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("open_until", _utc(), nullable=True),
        sa.Column("cause", sa.String(length=32), nullable=False),
        sa.Column("changed_at", _utc(), nullable=False),
        sa.Column("changed_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_erp_breaker_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "endpoint", name=op.f("pk_erp_breaker")),
    )
    with op.batch_alter_table("erp_breaker", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erp_breaker_changed_at"), ["changed_at"], unique=False)
    op.create_table(
        "alert_route",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url_encrypted", sa.Text(), nullable=False),
        sa.Column("url_shown", sa.String(length=2048), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_alert_route_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_route")),
    )
    with op.batch_alter_table("alert_route", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_route_store_id"), ["store_id"], unique=False)
    with op.batch_alter_table("notification", schema=None) as batch_op:
        # Every row written before this revision is an e-mail.
        batch_op.add_column(
            sa.Column("channel", sa.String(length=16), server_default="email", nullable=False)
        )
        batch_op.add_column(sa.Column("route_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    # Webhook rows cannot be sent by the older version: drop them with their column.
    op.execute("DELETE FROM notification WHERE channel <> 'email'")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("route_id")
        batch_op.drop_column("channel")
    with op.batch_alter_table("alert_route", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_route_store_id"))
    op.drop_table("alert_route")
    with op.batch_alter_table("erp_breaker", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_breaker_changed_at"))
    op.drop_table("erp_breaker")
