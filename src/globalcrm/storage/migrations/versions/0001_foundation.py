"""Foundation: customers, their search keys, and interactions.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("name", _json(), nullable=False),
        sa.Column("other_names", _json(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("emails", _json(), nullable=False),
        sa.Column("phones", _json(), nullable=False),
        sa.Column("addresses", _json(), nullable=False),
        sa.Column("handles", _json(), nullable=False),
        sa.Column("preferred_channels", _json(), nullable=False),
        sa.Column("contact_hours", _json(), nullable=True),
        sa.Column("formality", sa.String(length=16), nullable=True),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("pronouns", sa.String(length=64), nullable=True),
        sa.Column("dietary_needs", _json(), nullable=False),
        sa.Column("allergens", _json(), nullable=False),
        sa.Column("accessibility_needs", _json(), nullable=False),
        sa.Column("tags", _json(), nullable=False),
        sa.Column("attributes", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customers_tenant_id"), ["tenant", "id"], unique=False)

    op.create_table(
        "customer_keys",
        sa.Column("customer_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "key",
            sa.String(length=200).with_variant(sa.VARCHAR(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_keys_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", "kind", "key", name=op.f("pk_customer_keys")),
    )
    with op.batch_alter_table("customer_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_keys_tenant_kind_key"), ["tenant", "kind", "key"], unique=False
        )

    op.create_table(
        "interactions",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=26), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conversation", sa.String(length=200), nullable=True),
        sa.Column("subject", sa.String(length=1000), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=True),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.Column("meta", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_interactions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interactions_tenant_conversation_occurred_at_id"),
            ["tenant", "conversation", "occurred_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_interactions_tenant_customer_id_occurred_at_id"),
            ["tenant", "customer_id", "occurred_at", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interactions_tenant_customer_id_occurred_at_id"))
        batch_op.drop_index(batch_op.f("ix_interactions_tenant_conversation_occurred_at_id"))

    op.drop_table("interactions")
    with op.batch_alter_table("customer_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_keys_tenant_kind_key"))

    op.drop_table("customer_keys")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_tenant_id"))
    op.drop_table("customers")
