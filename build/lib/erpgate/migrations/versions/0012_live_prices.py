"""live prices and stock: the Prices and Inventory URLs, their cache ages, and each placed line's
price source

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("integration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prices_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("inventory_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(
            sa.Column("price_cache_seconds", sa.Integer(), server_default="300", nullable=False)
        )
        batch_op.add_column(
            sa.Column("stock_cache_seconds", sa.Integer(), server_default="30", nullable=False)
        )
    with op.batch_alter_table("local_order_line", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "price_source", sa.String(length=16), server_default="catalog", nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("local_order_line", schema=None) as batch_op:
        batch_op.drop_column("price_source")
    with op.batch_alter_table("integration", schema=None) as batch_op:
        batch_op.drop_column("stock_cache_seconds")
        batch_op.drop_column("price_cache_seconds")
        batch_op.drop_column("inventory_url")
        batch_op.drop_column("prices_url")
