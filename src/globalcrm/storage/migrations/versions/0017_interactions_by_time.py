"""An index on a tenant's interactions by time (service KPIs, retention by an interaction's time).

Service reports over a period and a retention policy on interactions by their own time read a
tenant's interactions by ``occurred_at``; without this index both scanned every interaction of
the tenant.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_interactions_tenant_occurred_at"),
        "interactions",
        ["tenant", "occurred_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_interactions_tenant_occurred_at"), table_name="interactions")
