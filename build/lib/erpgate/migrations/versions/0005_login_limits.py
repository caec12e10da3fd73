"""login limits for buyers too: login_attempt gets kind and store_id

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        # Rows written before this revision are all admin sign-ins.
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="admin", nullable=False)
        )
        batch_op.add_column(sa.Column("store_id", sa.Uuid(), nullable=True))
        batch_op.drop_index("ix_login_attempt_email_occurred_at")
        batch_op.drop_index("ix_login_attempt_address_occurred_at")
        batch_op.create_index(
            "ix_login_attempt_account_occurred_at",
            ["kind", "store_id", "email", "occurred_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_login_attempt_address_occurred_at",
            ["kind", "address", "occurred_at"],
            unique=False,
        )


def downgrade() -> None:
    # The older schema cannot tell a buyer's attempt from an admin's: drop the buyers'.
    op.execute(sa.text("DELETE FROM login_attempt WHERE kind = 'buyer'"))
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempt_address_occurred_at")
        batch_op.drop_index("ix_login_attempt_account_occurred_at")
        batch_op.drop_column("store_id")
        batch_op.drop_column("kind")
        batch_op.create_index(
            "ix_login_attempt_address_occurred_at", ["address", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_login_attempt_email_occurred_at", ["email", "occurred_at"], unique=False
        )
