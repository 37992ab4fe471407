"""Loyalty: programs, member accounts, the append-only points ledger with its lots'
allocations, and tier events.

Two partial indexes hold only the lots with points left (``remaining > 0``), so that a
redemption, a balance and the expiry sweep read open lots, whatever the ledger's length.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN_LOT = sa.text("remaining > 0")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _time(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "loyalty_programs",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("tenant", "code", name=op.f("pk_loyalty_programs")),
    )
    op.create_table(
        "loyalty_accounts",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=26), nullable=False),
        sa.Column("program", sa.String(length=64), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=True),
        _time("tier_since", nullable=True),
        _time("tier_reviewed_through", nullable=True),
        _time("enrolled_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant", "customer_id"],
            ["customers.tenant", "customers.id"],
            name=op.f("fk_loyalty_accounts_tenant_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_accounts")),
        sa.UniqueConstraint(
            "tenant", "customer_id", "program",
            name=op.f("uq_loyalty_accounts_tenant_customer_id_program"),
        ),
    )
    op.create_index(
        op.f("ix_loyalty_accounts_tenant_program_tier"),
        "loyalty_accounts",
        ["tenant", "program", "tier"],
    )
    op.create_table(
        "loyalty_entries",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        _time("occurred_at"),
        _time("recorded_at"),
        _time("expires_at", nullable=True),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("reverses", sa.String(length=26), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("amount", sa.String(length=64), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("spend_minor", sa.BigInteger(), nullable=False),
        sa.Column("qualifying", sa.BigInteger(), nullable=False),
        sa.Column("shortfall", sa.BigInteger(), nullable=False),
        sa.Column("detail", _json(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["loyalty_accounts.id"],
            name=op.f("fk_loyalty_entries_account_id_loyalty_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_entries")),
        sa.UniqueConstraint(
            "tenant", "idempotency_key", name=op.f("uq_loyalty_entries_tenant_idempotency_key")
        ),
    )
    op.create_index(
        op.f("ix_loyalty_entries_account_id_occurred_at_id"),
        "loyalty_entries",
        ["account_id", "occurred_at", "id"],
    )
    op.create_index(
        op.f("ix_loyalty_entries_tenant_reference"), "loyalty_entries", ["tenant", "reference"]
    )
    op.create_index(op.f("ix_loyalty_entries_reverses"), "loyalty_entries", ["reverses"])
    op.create_index(
        "ix_loyalty_entries_open_lots",
        "loyalty_entries",
        ["account_id", "expires_at", "id"],
        postgresql_where=_OPEN_LOT,
        sqlite_where=_OPEN_LOT,
    )
    op.create_index(
        "ix_loyalty_entries_expiring",
        "loyalty_entries",
        ["tenant", "expires_at"],
        postgresql_where=_OPEN_LOT,
        sqlite_where=_OPEN_LOT,
    )
    op.create_table(
        "loyalty_allocations",
        sa.Column("entry_id", sa.String(length=26), nullable=False),
        sa.Column("lot_id", sa.String(length=26), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["loyalty_entries.id"],
            name=op.f("fk_loyalty_allocations_entry_id_loyalty_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["loyalty_entries.id"],
            name=op.f("fk_loyalty_allocations_lot_id_loyalty_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "lot_id", name=op.f("pk_loyalty_allocations")),
    )
    op.create_index(
        op.f("ix_loyalty_allocations_lot_id"), "loyalty_allocations", ["lot_id"]
    )
    op.create_table(
        "loyalty_tier_events",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("from_tier", sa.String(length=64), nullable=True),
        sa.Column("to_tier", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        _time("effective_at"),
        _time("recorded_at"),
        sa.Column("qualifying", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["loyalty_accounts.id"],
            name=op.f("fk_loyalty_tier_events_account_id_loyalty_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_tier_events")),
    )
    op.create_index(
        op.f("ix_loyalty_tier_events_account_id_effective_at_id"),
        "loyalty_tier_events",
        ["account_id", "effective_at", "id"],
    )
    op.create_index(
        op.f("ix_loyalty_tier_events_tenant_effective_at_id"),
        "loyalty_tier_events",
        ["tenant", "effective_at", "id"],
    )


def downgrade() -> None:
    op.drop_table("loyalty_tier_events")
    op.drop_table("loyalty_allocations")
    op.drop_table("loyalty_entries")
    op.drop_table("loyalty_accounts")
    op.drop_table("loyalty_programs")
