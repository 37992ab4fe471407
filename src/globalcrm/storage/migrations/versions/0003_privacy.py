"""Privacy: customers' birth dates, purposes, notices, the consent ledger and its projection,
subject keys, opt-in tokens and the audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_ref", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_ref", sa.String(length=200), nullable=False),
        sa.Column("subject_ref", sa.String(length=200), nullable=True),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("sealed", _json(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("entry_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "seq", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("id", name=op.f("uq_audit_entries_id")),
    )
    op.create_table(
        "consent_events",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("subject_ref", sa.String(length=200), nullable=False),
        sa.Column("purpose_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("contact_point_ref", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("entry_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "seq", name=op.f("pk_consent_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_consent_events_event_id")),
        sa.UniqueConstraint(
            "tenant", "idempotency_key", name=op.f("uq_consent_events_tenant_idempotency_key")
        ),
    )
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_events_tenant_subject_ref_purpose_key_channel"),
            ["tenant", "subject_ref", "purpose_key", "channel"],
            unique=False,
        )

    op.create_table(
        "consent_states",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("subject_ref", sa.String(length=200), nullable=False),
        sa.Column("purpose_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("contact_point_ref", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purpose_version", sa.Integer(), nullable=False),
        sa.Column("consent_type", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("objection", sa.Boolean(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("age_assurance", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant",
            "subject_ref",
            "purpose_key",
            "channel",
            "contact_point_ref",
            name=op.f("pk_consent_states"),
        ),
    )
    with op.batch_alter_table("consent_states", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_states_tenant_purpose_key_channel_state"),
            ["tenant", "purpose_key", "channel", "state"],
            unique=False,
        )

    op.create_table(
        "ledger_heads",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("ledger", sa.String(length=16), nullable=False),
        sa.Column("next_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "ledger", name=op.f("pk_ledger_heads")),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("notice_key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint(
            "tenant",
            "notice_key",
            "version",
            "language",
            name=op.f("uq_notices_tenant_notice_key_version_language"),
        ),
    )
    op.create_table(
        "opt_in_tokens",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_ref", sa.String(length=200), nullable=False),
        sa.Column("purpose_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("contact_point_ref", sa.String(length=200), nullable=True),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opt_in_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_opt_in_tokens_token_sha256")),
    )
    op.create_table(
        "purposes",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "key", "version", name=op.f("pk_purposes")),
    )
    op.create_table(
        "subject_keys",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("subject_ref", sa.String(length=200), nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=True),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_subject_keys")),
    )
    with op.batch_alter_table("subject_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subject_keys_tenant_subject_ref"),
            ["tenant", "subject_ref"],
            unique=False,
        )

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("birth_date")

    with op.batch_alter_table("subject_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_keys_tenant_subject_ref"))

    op.drop_table("subject_keys")
    op.drop_table("purposes")
    op.drop_table("opt_in_tokens")
    op.drop_table("notices")
    op.drop_table("ledger_heads")
    with op.batch_alter_table("consent_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_states_tenant_purpose_key_channel_state"))

    op.drop_table("consent_states")
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_events_tenant_subject_ref_purpose_key_channel"))

    op.drop_table("consent_events")
    op.drop_table("audit_entries")
