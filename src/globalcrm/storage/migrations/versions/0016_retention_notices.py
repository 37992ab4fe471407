"""Retention: pre-erasure notices, and when a policy anonymised an interaction or a request.

``retention_notices`` keeps each notice a sweep recorded (India's DPDP: 48 hours before
erasing); ``anonymised_at`` on ``interactions`` and ``privacy_requests`` records when a
retention policy emptied the row's personal values, so the sweep does not count it again.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retention_notices",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.String(length=64), nullable=False),
        sa.Column("subject_ref", sa.String(length=200), nullable=False),
        sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_notices")),
    )
    op.create_index(
        op.f("ix_retention_notices_tenant_policy_subject_ref_noticed_at"),
        "retention_notices",
        ["tenant", "policy", "subject_ref", "noticed_at"],
        unique=False,
    )
    for table in ("interactions", "privacy_requests"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True)
            )


def downgrade() -> None:
    for table in ("privacy_requests", "interactions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("anonymised_at")
    op.drop_index(
        op.f("ix_retention_notices_tenant_policy_subject_ref_noticed_at"),
        table_name="retention_notices",
    )
    op.drop_table("retention_notices")
