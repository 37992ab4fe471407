"""Customer redirects: the id of a customer merged into another leads to the kept one (issue 22).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_redirects",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("old_id", sa.String(length=26), nullable=False),
        sa.Column("new_id", sa.String(length=26), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "old_id", name=op.f("pk_customer_redirects")),
    )
    op.create_index(
        op.f("ix_customer_redirects_tenant_new_id"), "customer_redirects", ["tenant", "new_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_redirects_tenant_new_id"), table_name="customer_redirects")
    op.drop_table("customer_redirects")
