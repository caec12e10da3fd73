"""storefront: catalog, carts, local orders, cached ERP answers, API keys

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import erpgate.db.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", erpgate.db.types.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", erpgate.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_api_key_store_id_store"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("key_digest", name=op.f("uq_api_key_key_digest")),
    )
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_key_store_id"), ["store_id"], unique=False)

    op.create_table(
        "catalog_product",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("uom", sa.String(length=16), nullable=False),
        sa.Column("created_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_catalog_product_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_product")),
        sa.UniqueConstraint("store_id", "sku", name=op.f("uq_catalog_product_store_id_sku")),
    )
    with op.batch_alter_table("catalog_product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_product_store_id"), ["store_id"], unique=False)

    op.create_table(
        "erp_answer_cache",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("endpoint", sa.String(length=16), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column(
            "answer",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("fetched_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_erp_answer_cache_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_answer_cache")),
        sa.UniqueConstraint(
            "store_id",
            "customer_code",
            "endpoint",
            "request_digest",
            name="uq_erp_answer_cache_key",
        ),
    )
    op.create_table(
        "cart",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "lines",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "ship_to",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_cart_store_id_store"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_cart_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart")),
        sa.UniqueConstraint("user_id", name=op.f("uq_cart_user_id")),
    )
    with op.batch_alter_table("cart", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cart_store_id"), ["store_id"], unique=False)

    op.create_table(
        "local_order",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_account_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("impersonator_admin_id", sa.Uuid(), nullable=True),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("po_number", sa.String(length=64), nullable=True),
        sa.Column(
            "ship_to",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("shipping_code", sa.String(length=64), nullable=True),
        sa.Column("shipping_label", sa.String(length=200), nullable=False),
        sa.Column("shipping_source", sa.String(length=8), nullable=False),
        sa.Column("subtotal", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("shipping_total", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("tax_total", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("tax_source", sa.String(length=8), nullable=False),
        sa.Column("tax_estimated", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("placed_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_account_id"],
            ["customer_account.id"],
            name=op.f("fk_local_order_customer_account_id_customer_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_local_order_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_local_order_user_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_order")),
        sa.UniqueConstraint("store_id", "number", name=op.f("uq_local_order_store_id_number")),
    )
    with op.batch_alter_table("local_order", schema=None) as batch_op:
        batch_op.create_index(
            "ix_local_order_account_placed", ["customer_account_id", "placed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_local_order_store_id"), ["store_id"], unique=False)

    op.create_table(
        "local_order_line",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("uom", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("line_total", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["local_order.id"],
            name=op.f("fk_local_order_line_order_id_local_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_order_line")),
    )
    with op.batch_alter_table("local_order_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_local_order_line_order_id"), ["order_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("local_order_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_local_order_line_order_id"))

    op.drop_table("local_order_line")
    with op.batch_alter_table("local_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_local_order_store_id"))
        batch_op.drop_index("ix_local_order_account_placed")

    op.drop_table("local_order")
    with op.batch_alter_table("cart", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cart_store_id"))

    op.drop_table("cart")
    op.drop_table("erp_answer_cache")
    with op.batch_alter_table("catalog_product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_product_store_id"))

    op.drop_table("catalog_product")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_key_store_id"))

    op.drop_table("api_key")
