"""order delivery: placed orders sent to the ERP's submit_order endpoint through an outbox

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import erpgate.db.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("integration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submit_order_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(
            sa.Column("order_retry_hours", sa.Integer(), server_default="24", nullable=False)
        )
    with op.batch_alter_table("local_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))
    op.create_table(
        "order_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("order_number", sa.String(length=32), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("customer_account_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("request_body", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.Column("give_up_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.Column("lease_expires_at", erpgate.db.types.UTCDateTime(), nullable=True),
        sa.Column("claim_token", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_reference", sa.String(length=64), nullable=True),
        sa.Column("erp_order_id", sa.String(length=200), nullable=True),
        sa.Column("erp_order_number", sa.String(length=200), nullable=True),
        sa.Column("erp_status", sa.String(length=200), nullable=True),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", erpgate.db.types.UTCDateTime(), nullable=True),
        sa.Column("finished_at", erpgate.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["local_order.id"],
            name=op.f("fk_order_delivery_order_id_local_order"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_order_delivery_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_delivery")),
        sa.UniqueConstraint("order_id", name=op.f("uq_order_delivery_order_id")),
    )
    op.create_index(
        "ix_order_delivery_state_next_attempt_at",
        "order_delivery",
        ["state", "next_attempt_at"],
        unique=False,
    )
    op.create_index(
        "ix_order_delivery_store_created",
        "order_delivery",
        ["store_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_order_delivery_store_created", table_name="order_delivery")
    op.drop_index("ix_order_delivery_state_next_attempt_at", table_name="order_delivery")
    op.drop_table("order_delivery")
    with op.batch_alter_table("local_order", schema=None) as batch_op:
        batch_op.drop_column("notes")
    with op.batch_alter_table("integration", schema=None) as batch_op:
        batch_op.drop_column("order_retry_hours")
        batch_op.drop_column("submit_order_url")
