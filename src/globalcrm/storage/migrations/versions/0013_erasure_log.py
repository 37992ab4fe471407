"""Erasure log, suppression list, legal holds and retention policies (issue 16).

Indexes on the subject of audit entries and opt-in tokens, which export and erasure look up.

No foreign key to ``customers``: a tombstone and a hold outlive the customer row they are
about, and suppression digests are linked to no one.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_index(
        op.f("ix_audit_entries_tenant_subject_ref"),
        "audit_entries",
        ["tenant", "subject_ref"],
        unique=False,
    )
    op.create_index(
        op.f("ix_opt_in_tokens_tenant_subject_ref"),
        "opt_in_tokens",
        ["tenant", "subject_ref"],
        unique=False,
    )
    op.create_table(
        "erasures",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("subject_ref", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_ref", sa.String(length=200), nullable=True),
        sa.Column("report", _json(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "subject_ref", name=op.f("pk_erasures")),
    )
    op.create_table(
        "suppressions",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "digest", name=op.f("pk_suppressions")),
    )
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("subject_ref", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("cite", sa.String(length=300), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    op.create_index(
        op.f("ix_legal_holds_tenant_subject_ref"),
        "legal_holds",
        ["tenant", "subject_ref"],
        unique=False,
    )
    op.create_table(
        "retention_policies",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "name", name=op.f("pk_retention_policies")),
    )


def downgrade() -> None:
    op.drop_table("retention_policies")
    op.drop_index(op.f("ix_legal_holds_tenant_subject_ref"), table_name="legal_holds")
    op.drop_table("legal_holds")
    op.drop_table("suppressions")
    op.drop_table("erasures")
    op.drop_index(op.f("ix_opt_in_tokens_tenant_subject_ref"), table_name="opt_in_tokens")
    op.drop_index(op.f("ix_audit_entries_tenant_subject_ref"), table_name="audit_entries")
