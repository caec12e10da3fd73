"""foundation: stores, integrations, customers, users, admins, sessions

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import erpgate.db.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "store",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("fallback_tax_rate", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column(
            "builtin_shipping_methods",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store")),
        sa.UniqueConstraint("slug", name=op.f("uq_store_slug")),
    )
    op.create_table(
        "admin_user",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_admin_user_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_user")),
        sa.UniqueConstraint("store_id", "email", name=op.f("uq_admin_user_store_id_email")),
    )
    with op.batch_alter_table("admin_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_user_store_id"), ["store_id"], unique=False)

    op.create_table(
        "customer_account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("seller_reference", sa.String(length=128), nullable=True),
        sa.Column("created_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_customer_account_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_account")),
        sa.UniqueConstraint(
            "store_id", "customer_code", name=op.f("uq_customer_account_store_id_customer_code")
        ),
    )
    with op.batch_alter_table("customer_account", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_account_store_id"), ["store_id"], unique=False
        )

    op.create_table(
        "integration",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("installed", sa.Boolean(), nullable=False),
        sa.Column("key_encrypted", sa.Text(), nullable=True),
        sa.Column("token_encrypted", sa.Text(), nullable=True),
        sa.Column("auth_style", sa.String(length=16), nullable=False),
        sa.Column("oauth_token_url", sa.String(length=2048), nullable=True),
        sa.Column("orders_url", sa.String(length=2048), nullable=True),
        sa.Column("order_url", sa.String(length=2048), nullable=True),
        sa.Column("invoices_url", sa.String(length=2048), nullable=True),
        sa.Column("invoice_url", sa.String(length=2048), nullable=True),
        sa.Column("balance_url", sa.String(length=2048), nullable=True),
        sa.Column("taxes_url", sa.String(length=2048), nullable=True),
        sa.Column("shipping_url", sa.String(length=2048), nullable=True),
        sa.Column(
            "timeouts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("notify_sender", sa.String(length=320), nullable=True),
        sa.Column(
            "notify_receivers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("tax_failure_policy", sa.String(length=16), nullable=False),
        sa.Column("stale_max_age_seconds", sa.Integer(), nullable=False),
        sa.Column("created_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_integration_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration")),
        sa.UniqueConstraint("store_id", name=op.f("uq_integration_store_id")),
    )
    op.create_table(
        "web_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("principal_id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=True),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("impersonator_admin_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", erpgate.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_web_session_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_web_session_token_digest")),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_web_session_principal_id"), ["principal_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_web_session_store_id"), ["store_id"], unique=False)

    op.create_table(
        "user",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_account_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column(
            "permissions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", erpgate.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_account_id"],
            ["customer_account.id"],
            name=op.f("fk_user_customer_account_id_customer_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_user_store_id_store"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("store_id", "email", name=op.f("uq_user_store_id_email")),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_customer_account_id"), ["customer_account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_user_store_id"), ["store_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_store_id"))
        batch_op.drop_index(batch_op.f("ix_user_customer_account_id"))

    op.drop_table("user")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_store_id"))
        batch_op.drop_index(batch_op.f("ix_web_session_principal_id"))

    op.drop_table("web_session")
    op.drop_table("integration")
    with op.batch_alter_table("customer_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_account_store_id"))

    op.drop_table("customer_account")
    with op.batch_alter_table("admin_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_user_store_id"))

    op.drop_table("admin_user")
    op.drop_table("store")
