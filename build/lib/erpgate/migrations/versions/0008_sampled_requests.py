"""sampled requests: an event says whether its related requests were kept

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every existing event kept its related requests (there was no sampling of them).
    with op.batch_alter_table("event") as batch:
        batch.add_column(
            sa.Column("requests_kept", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.drop_column("requests_kept")
