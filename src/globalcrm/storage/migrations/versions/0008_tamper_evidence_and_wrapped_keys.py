"""Tamper evidence that holds, and wrapped subject keys.

Consent ledger entries get a hash scheme (existing rows are scheme 1 and verify as written; new
rows are scheme 2, whose hash covers every column) and the state of their key after them
(``after_*``; for existing rows copied from the projection onto the newest entry of each key).
Projection rows name that newest entry (``event_seq``). Subject keys get ``wrapped_key`` and
``kek_id``: keys stored in clear before stay readable as legacy until ``rewrap_keys`` wraps them
(this migration cannot: the key-encryption key is the application's, not the database's).

Downgrading is refused once scheme-2 entries or wrapped keys exist: the older schema could not
read them, and dropping the wrapped keys would erase every value sealed under them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from globalcrm.errors import StorageError

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_INDEX = "ix_consent_events_tenant_subject_ref_purpose_key_channel"
_NEW_INDEX = "ix_consent_events_key_seq"
_AFTER = (
    ("after_state", "state"),
    ("after_objection", "objection"),
    ("after_valid_from", "valid_from"),
    ("after_valid_until", "valid_until"),
    ("after_confirmed_at", "confirmed_at"),
    ("after_purpose_version", "purpose_version"),
    ("after_age_assurance", "age_assurance"),
)


def upgrade() -> None:
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hash_scheme", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("after_state", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("after_objection", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column("after_valid_from", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("after_valid_until", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("after_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("after_purpose_version", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("after_age_assurance", sa.String(length=32), nullable=True)
        )
        batch_op.drop_index(_OLD_INDEX)
        batch_op.create_index(
            _NEW_INDEX,
            ["tenant", "subject_ref", "purpose_key", "channel", "contact_point_ref", "seq"],
            unique=False,
        )
    with op.batch_alter_table("consent_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_seq", sa.Integer(), nullable=True))
    with op.batch_alter_table("subject_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wrapped_key", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("kek_id", sa.String(length=200), nullable=True))

    # each projection row names the newest entry of its key; that entry records the state
    same_key = (
        "e.tenant = consent_states.tenant AND e.subject_ref = consent_states.subject_ref"
        " AND e.purpose_key = consent_states.purpose_key AND e.channel = consent_states.channel"
        " AND e.contact_point_ref = consent_states.contact_point_ref"
    )
    op.execute(
        "UPDATE consent_states SET event_seq ="  # noqa: S608 - fixed column names, no input
        f" (SELECT max(e.seq) FROM consent_events e WHERE {same_key})"
    )
    op.execute("UPDATE consent_states SET event_seq = -1 WHERE event_seq IS NULL")
    named = "s.tenant = consent_events.tenant AND s.event_seq = consent_events.seq"
    assignments = ", ".join(
        f"{target} = (SELECT s.{source} FROM consent_states s WHERE {named})"  # noqa: S608
        for target, source in _AFTER
    )
    op.execute(
        f"UPDATE consent_events SET {assignments}"  # noqa: S608 - fixed column names
        f" WHERE EXISTS (SELECT 1 FROM consent_states s WHERE {named})"
    )
    with op.batch_alter_table("consent_states", schema=None) as batch_op:
        batch_op.alter_column("event_seq", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.alter_column("hash_scheme", existing_type=sa.Integer(), server_default=None)


def downgrade() -> None:
    connection = op.get_bind()
    newer = connection.execute(
        sa.text(
            "SELECT (SELECT count(*) FROM consent_events WHERE hash_scheme = 2)"
            " + (SELECT count(*) FROM subject_keys WHERE wrapped_key IS NOT NULL)"
        )
    ).scalar()
    if newer:
        raise StorageError(
            "cannot downgrade below 0008: the ledger holds scheme-2 entries or wrapped keys, "
            "which the older schema cannot read (and dropping the keys would erase evidence)"
        )
    with op.batch_alter_table("subject_keys", schema=None) as batch_op:
        batch_op.drop_column("kek_id")
        batch_op.drop_column("wrapped_key")
    with op.batch_alter_table("consent_states", schema=None) as batch_op:
        batch_op.drop_column("event_seq")
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.drop_index(_NEW_INDEX)
        batch_op.create_index(
            _OLD_INDEX, ["tenant", "subject_ref", "purpose_key", "channel"], unique=False
        )
        batch_op.drop_column("after_age_assurance")
        batch_op.drop_column("after_purpose_version")
        batch_op.drop_column("after_confirmed_at")
        batch_op.drop_column("after_valid_until")
        batch_op.drop_column("after_valid_from")
        batch_op.drop_column("after_objection")
        batch_op.drop_column("after_state")
        batch_op.drop_column("hash_scheme")
