"""Purchases (with line items and refunds), segments (saved rules, snapshots, members), and an
index on interactions by channel and time for segment rules such as "wrote on WhatsApp lately".

Amounts are whole minor units in 64-bit integers; erasing a customer nulls the purchases' link
(``ON DELETE SET NULL``): the sale stays on the books without the person.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interactions_tenant_channel_occurred_at"),
            ["tenant", "channel", "occurred_at"], unique=False,
        )
    op.create_table(
        "purchases",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=26), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchases")),
        sa.UniqueConstraint(
            "tenant", "idempotency_key", name=op.f("uq_purchases_tenant_idempotency_key")
        ),
    )
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_purchases_tenant_customer_id_occurred_at"),
            ["tenant", "customer_id", "occurred_at"], unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_purchases_tenant_currency"), ["tenant", "currency"], unique=False
        )
    op.create_table(
        "purchase_items",
        sa.Column("purchase_id", sa.String(length=26), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("quantity", sa.String(length=40), nullable=False),
        sa.Column("unit_price", sa.String(length=64), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("attributes", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_id"], ["purchases.id"],
            name=op.f("fk_purchase_items_purchase_id_purchases"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("purchase_id", "position", name=op.f("pk_purchase_items")),
    )
    op.create_table(
        "purchase_refunds",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("purchase_id", sa.String(length=26), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_id"], ["purchases.id"],
            name=op.f("fk_purchase_refunds_purchase_id_purchases"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_refunds")),
        sa.UniqueConstraint(
            "tenant", "idempotency_key", name=op.f("uq_purchase_refunds_tenant_idempotency_key")
        ),
    )
    with op.batch_alter_table("purchase_refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_purchase_refunds_purchase_id"), ["purchase_id"], unique=False
        )
    op.create_table(
        "segments",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("rule", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "name", name=op.f("pk_segments")),
    )
    op.create_table(
        "segment_snapshots",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("segment", sa.String(length=64), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("rule", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_snapshots")),
    )
    with op.batch_alter_table("segment_snapshots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_segment_snapshots_tenant_segment_taken_at"),
            ["tenant", "segment", "taken_at"], unique=False,
        )
    op.create_table(
        "segment_members",
        sa.Column("snapshot_id", sa.String(length=26), nullable=False),
        sa.Column("customer_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["segment_snapshots.id"],
            name=op.f("fk_segment_members_snapshot_id_segment_snapshots"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "customer_id", name=op.f("pk_segment_members")),
    )


def downgrade() -> None:
    op.drop_table("segment_members")
    with op.batch_alter_table("segment_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_segment_snapshots_tenant_segment_taken_at"))
    op.drop_table("segment_snapshots")
    op.drop_table("segments")
    with op.batch_alter_table("purchase_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_refunds_purchase_id"))
    op.drop_table("purchase_refunds")
    op.drop_table("purchase_items")
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchases_tenant_currency"))
        batch_op.drop_index(batch_op.f("ix_purchases_tenant_customer_id_occurred_at"))
    op.drop_table("purchases")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interactions_tenant_channel_occurred_at"))
