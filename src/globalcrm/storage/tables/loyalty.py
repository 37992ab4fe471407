"""Loyalty programs, member accounts, the points ledger, lot allocations and tier events."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from globalcrm.storage.column_types import (
    UTCDateTime,
    json_type,
)
from globalcrm.storage.tables.schema import (
    classified,
    metadata,
)

# --------------------------------------------------------------------------- loyalty (issue 17)
# Accounts, their append-only points ledger, the lots' allocations and tier events. Every row
# about a member hangs off ``loyalty_accounts.customer_id``: erasing the customer deletes the
# account, and the ledger with it (foreign keys cascade; the member's points are forfeited).

def _member(kind: str) -> dict[str, object]:
    """A column about a member: exported on access, deleted with the account on erasure."""
    return classified(kind, export=True, erase="delete")


def _bookkeeping(kind: str) -> dict[str, object]:
    """The store's own bookkeeping about a member: not exported, deleted with the account."""
    return classified(kind, export=False, erase="delete")


def _configuration(kind: str) -> dict[str, object]:
    """A program's configuration: not about anyone."""
    return classified(
        kind, export=False, erase="keep", ground="not personal data: the program's configuration"
    )


loyalty_programs = Table(
    "loyalty_programs",
    metadata,
    Column("tenant", String(64), primary_key=True, info=_configuration("none")),
    Column("code", String(64), primary_key=True, info=_configuration("none")),
    Column("version", Integer, nullable=False, info=_configuration("technical")),
    Column("document", json_type(), nullable=False, info=_configuration("none")),
    Column("updated_at", UTCDateTime(), nullable=False, info=_configuration("technical")),
)
"""Loyalty programs, each stored whole as a JSON document (``Program.to_document``)."""

loyalty_accounts = Table(
    "loyalty_accounts",
    metadata,
    Column("id", String(26), primary_key=True, info=_member("identifier")),
    Column("tenant", String(64), nullable=False, info=_bookkeeping("none")),
    Column("customer_id", String(26), nullable=False, info=_member("identifier")),
    Column("program", String(64), nullable=False, info=_member("none")),
    Column("balance", BigInteger, nullable=False, info=_member("demographic")),
    Column("tier", String(64), nullable=True, info=_member("demographic")),
    Column("tier_since", UTCDateTime(), nullable=True, info=_member("technical")),
    Column(
        "tier_reviewed_through",
        UTCDateTime(),
        nullable=True,
        info=_bookkeeping("technical"),
    ),
    Column("enrolled_at", UTCDateTime(), nullable=False, info=_member("technical")),
    Column("version", Integer, nullable=False, info=_bookkeeping("technical")),
    UniqueConstraint("tenant", "customer_id", "program"),
    Index(None, "tenant", "program", "tier"),
    ForeignKeyConstraint(
        ["tenant", "customer_id"],
        ["customers.tenant", "customers.id"],
        name="fk_loyalty_accounts_tenant_customers",
        ondelete="CASCADE",
    ),
)
"""One row per member and program: the balance (a cache of the ledger) and the current tier.

Every write to an account's ledger locks this row first (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already lets one writer in at a time).
"""

_OPEN_LOT = text("remaining > 0")

loyalty_entries = Table(
    "loyalty_entries",
    metadata,
    Column("id", String(26), primary_key=True, info=_member("identifier")),
    Column("tenant", String(64), nullable=False, info=_bookkeeping("none")),
    Column(
        "account_id",
        String(26),
        ForeignKey("loyalty_accounts.id", ondelete="CASCADE"),
        nullable=False,
        info=_member("identifier"),
    ),
    Column("kind", String(8), nullable=False, info=_member("none")),
    Column("points", BigInteger, nullable=False, info=_member("none")),
    Column("occurred_at", UTCDateTime(), nullable=False, info=_member("technical")),
    Column("recorded_at", UTCDateTime(), nullable=False, info=_member("technical")),
    Column("expires_at", UTCDateTime(), nullable=True, info=_member("technical")),
    # the entry's lot: points not yet used (a cache that ``verify`` recomputes from allocations)
    Column("remaining", BigInteger, nullable=False, info=_member("none")),
    Column("reference", String(200), nullable=True, info=_member("identifier")),
    Column(
        "idempotency_key", String(200), nullable=True, info=_bookkeeping("none")
    ),
    Column("reverses", String(26), nullable=True, info=_member("identifier")),
    Column("reason", Text, nullable=True, info=_member("content")),
    Column("channel", String(32), nullable=True, info=_member("none")),
    Column("amount", String(64), nullable=True, info=_member("none")),
    Column("currency", String(3), nullable=True, info=_member("none")),
    Column("spend_minor", BigInteger, nullable=False, info=_member("none")),
    Column("qualifying", BigInteger, nullable=False, info=_member("none")),
    Column("shortfall", BigInteger, nullable=False, info=_member("none")),
    Column("detail", json_type(), nullable=True, info=_member("none")),
    UniqueConstraint("tenant", "idempotency_key"),
    Index(None, "account_id", "occurred_at", "id"),
    Index(None, "tenant", "reference"),
    Index(None, "reverses"),
    Index(
        "ix_loyalty_entries_open_lots",
        "account_id",
        "expires_at",
        "id",
        postgresql_where=_OPEN_LOT,
        sqlite_where=_OPEN_LOT,
    ),
    Index(
        "ix_loyalty_entries_expiring",
        "tenant",
        "expires_at",
        postgresql_where=_OPEN_LOT,
        sqlite_where=_OPEN_LOT,
    ),
)
"""The append-only points ledger. A row never changes, except ``remaining``: the unused points
of the lot the entry opened, kept so that redemptions and balances read only open lots (two
partial indexes hold exactly the lots with points left)."""

loyalty_allocations = Table(
    "loyalty_allocations",
    metadata,
    Column(
        "entry_id",
        String(26),
        ForeignKey("loyalty_entries.id", ondelete="CASCADE"),
        primary_key=True,
        info=_bookkeeping("identifier"),
    ),
    Column(
        "lot_id",
        String(26),
        ForeignKey("loyalty_entries.id", ondelete="CASCADE"),
        primary_key=True,
        info=_bookkeeping("identifier"),
    ),
    Column("points", BigInteger, nullable=False, info=_bookkeeping("none")),
    Index(None, "lot_id"),
)
"""Which lots an entry took points from (positive) or gave points back to (negative)."""

loyalty_tier_events = Table(
    "loyalty_tier_events",
    metadata,
    Column("id", String(26), primary_key=True, info=_member("identifier")),
    Column("tenant", String(64), nullable=False, info=_bookkeeping("none")),
    Column(
        "account_id",
        String(26),
        ForeignKey("loyalty_accounts.id", ondelete="CASCADE"),
        nullable=False,
        info=_member("identifier"),
    ),
    Column("from_tier", String(64), nullable=True, info=_member("demographic")),
    Column("to_tier", String(64), nullable=True, info=_member("demographic")),
    Column("reason", String(16), nullable=False, info=_member("none")),
    Column("effective_at", UTCDateTime(), nullable=False, info=_member("technical")),
    Column("recorded_at", UTCDateTime(), nullable=False, info=_member("technical")),
    Column("qualifying", String(64), nullable=False, info=_member("none")),
    Index(None, "account_id", "effective_at", "id"),
    Index(None, "tenant", "effective_at", "id"),
)
"""Tier changes as events (enrolled, upgrade, downgrade), for segments and hooks."""

