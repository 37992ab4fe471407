"""Service: support teams, SLA policies and cases (issue 18).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _time() -> sa.types.TypeEngine[Any]:
    return sa.DateTime(timezone=True)


_CASE_INDEXES = (
    ("ix_cases_tenant_agent_status_id", ["tenant", "agent", "status", "id"]),
    ("ix_cases_tenant_conversation", ["tenant", "conversation"]),
    ("ix_cases_tenant_customer_id_id", ["tenant", "customer_id", "id"]),
    ("ix_cases_tenant_first_response_due", ["tenant", "first_response_due"]),
    ("ix_cases_tenant_resolution_due", ["tenant", "resolution_due"]),
    ("ix_cases_tenant_status_id", ["tenant", "status", "id"]),
    ("ix_cases_tenant_team_status_id", ["tenant", "team", "status", "id"]),
)


def upgrade() -> None:
    op.create_table(
        "sla_policies",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "key", name=op.f("pk_sla_policies")),
    )
    op.create_table(
        "teams",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.Column("last_agent", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("tenant", "key", name=op.f("pk_teams")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=26), nullable=False),
        sa.Column("conversation", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=True),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("tags", _json(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("subject", sa.String(length=1000), nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=True),
        sa.Column("tier", sa.String(length=64), nullable=True),
        sa.Column("sla_policy", sa.String(length=64), nullable=True),
        sa.Column("opened_at", _time(), nullable=False),
        sa.Column("first_response_at", _time(), nullable=True),
        sa.Column("resolved_at", _time(), nullable=True),
        sa.Column("closed_at", _time(), nullable=True),
        sa.Column("first_response_due", _time(), nullable=True),
        sa.Column("resolution_due", _time(), nullable=True),
        sa.Column("events", _json(), nullable=False),
        sa.Column("updated_at", _time(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant", "customer_id"],
            ["customers.tenant", "customers.id"],
            name=op.f("fk_cases_tenant_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    for name, columns in _CASE_INDEXES:
        op.create_index(op.f(name), "cases", columns, unique=False)


def downgrade() -> None:
    for name, _ in reversed(_CASE_INDEXES):
        op.drop_index(op.f(name), table_name="cases")
    op.drop_table("cases")
    op.drop_table("teams")
    op.drop_table("sla_policies")
