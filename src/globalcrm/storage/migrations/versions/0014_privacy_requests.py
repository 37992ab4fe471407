"""Data-subject requests, their append-only history, and the controllers' legal calendars.

Issue 16: ``privacy_requests`` (one row per request, with its stored due instant for the overdue
and due-soon lists), ``privacy_request_events`` (every step, inserted and never changed) and
``legal_calendars`` (each tenant's time zone and public holidays, and any regime's own).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _time() -> sa.types.TypeEngine[Any]:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "legal_calendars",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("regime", sa.String(length=16), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("subdivision", sa.String(length=10), nullable=True),
        sa.Column("updated_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "regime", name=op.f("pk_legal_calendars")),
    )
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=26), nullable=True),
        sa.Column("requester", sa.String(length=320), nullable=True),
        sa.Column("right", sa.String(length=32), nullable=False),
        sa.Column("regimes", _json(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("received_at", _time(), nullable=False),
        sa.Column("calendars", _json(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", _time(), nullable=True),
        sa.Column("due_regime", sa.String(length=16), nullable=True),
        sa.Column("deadlines", _json(), nullable=False),
        sa.Column("closed_at", _time(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
    )
    op.create_index(
        op.f("ix_privacy_requests_tenant_due_at_id"),
        "privacy_requests",
        ["tenant", "due_at", "id"],
    )
    op.create_index(
        op.f("ix_privacy_requests_tenant_customer_id"),
        "privacy_requests",
        ["tenant", "customer_id"],
    )
    op.create_table(
        "privacy_request_events",
        sa.Column("request_id", sa.String(length=26), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=26), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", _time(), nullable=False),
        sa.Column("detail", _json(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["privacy_requests.id"],
            name=op.f("fk_privacy_request_events_request_id_privacy_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "request_id", "position", name=op.f("pk_privacy_request_events")
        ),
    )
    op.create_index(
        op.f("ix_privacy_request_events_tenant_customer_id"),
        "privacy_request_events",
        ["tenant", "customer_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_privacy_request_events_tenant_customer_id"), table_name="privacy_request_events"
    )
    op.drop_table("privacy_request_events")
    op.drop_index(op.f("ix_privacy_requests_tenant_customer_id"), table_name="privacy_requests")
    op.drop_index(op.f("ix_privacy_requests_tenant_due_at_id"), table_name="privacy_requests")
    op.drop_table("privacy_requests")
    op.drop_table("legal_calendars")
