"""Survey answers (CSAT, NPS, CES) and the case indexes KPI reports read (issue 19).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=26), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.String(length=26), nullable=True),
        sa.Column("purchase_id", sa.String(length=26), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("team", sa.String(length=64), nullable=True),
        sa.Column("tier", sa.String(length=64), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
    )
    for columns in (
        ["tenant", "answered_at"],
        ["tenant", "customer_id", "answered_at"],
        ["tenant", "case_id"],
        ["tenant", "purchase_id"],
    ):
        op.create_index(
            op.f(f"ix_survey_answers_{'_'.join(columns)}"), "survey_answers", columns,
            unique=False,
        )
    op.create_index(op.f("ix_cases_tenant_resolved_at"), "cases", ["tenant", "resolved_at"],
                    unique=False)
    op.create_index(op.f("ix_cases_tenant_first_response_at"), "cases",
                    ["tenant", "first_response_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_cases_tenant_first_response_at"), table_name="cases")
    op.drop_index(op.f("ix_cases_tenant_resolved_at"), table_name="cases")
    op.drop_table("survey_answers")
