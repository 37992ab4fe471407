"""Purposes, notices, the consent ledger and its projection, subject keys, opt-in tokens, audit."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from globalcrm.storage.column_types import (
    UTCDateTime,
    json_type,
)
from globalcrm.storage.tables.schema import (
    metadata,
    pii,
)

# --------------------------------------------------------------------------- privacy
# Consent and audit rows never reference customers by foreign key: they must outlive an erased
# account (the ledger and the audit chain still verify after erasure).

purposes = Table(
    "purposes",
    metadata,
    Column("tenant", String(64), primary_key=True, info=pii("none")),
    Column("key", String(64), primary_key=True, info=pii("none")),
    Column("version", Integer, primary_key=True, info=pii("none")),
    Column("status", String(16), nullable=False, info=pii("none")),
    Column("document", json_type(), nullable=False, info=pii("none")),
)
"""Processing purposes, one row per version; ``document`` holds the version's fields."""

notices = Table(
    "notices",
    metadata,
    Column("id", String(64), primary_key=True, info=pii("none")),
    Column("tenant", String(64), nullable=False, info=pii("none")),
    Column("notice_key", String(64), nullable=False, info=pii("none")),
    Column("version", Integer, nullable=False, info=pii("none")),
    Column("language", String(35), nullable=False, info=pii("none")),
    Column("content_sha256", String(64), nullable=False, info=pii("none")),
    Column("document", json_type(), nullable=False, info=pii("none")),
    UniqueConstraint("tenant", "notice_key", "version", "language"),
)
"""Published notice versions with their text snapshot and SHA-256."""

ledger_heads = Table(
    "ledger_heads",
    metadata,
    Column("tenant", String(64), primary_key=True, info=pii("none")),
    Column("ledger", String(16), primary_key=True, info=pii("none")),
    Column("next_seq", Integer, nullable=False, info=pii("technical")),
    Column("last_hash", LargeBinary(32), nullable=False, info=pii("technical")),
)
"""The head of each append-only chain (``consent``, ``audit``): locked by every append."""

consent_events = Table(
    "consent_events",
    metadata,
    Column("tenant", String(64), primary_key=True, info=pii("none")),
    Column("seq", Integer, primary_key=True, info=pii("technical")),
    Column("event_id", String(64), nullable=False, unique=True, info=pii("identifier")),
    Column("subject_ref", String(200), nullable=False, info=pii("identifier")),
    Column("purpose_key", String(64), nullable=False, info=pii("none")),
    Column("channel", String(64), nullable=False, info=pii("none")),
    # scheme 2: '' or the keyed digest ``hmac:<hex>`` under the subject's key (the contact point
    # itself is sealed in ``document``); scheme 1: '' or the reference as it was given
    Column("contact_point_ref", String(200), nullable=False, info=pii("identifier")),
    Column("occurred_at", UTCDateTime(), nullable=False, info=pii("technical")),
    Column("idempotency_key", String(200), nullable=True, info=pii("none")),
    Column("document", Text, nullable=False, info=pii("content")),
    Column("recorded_at", UTCDateTime(), nullable=False, info=pii("technical")),
    Column("prev_hash", LargeBinary(32), nullable=False, info=pii("technical")),
    Column("entry_hash", LargeBinary(32), nullable=False, info=pii("technical")),
    Column("hash_scheme", Integer, nullable=False, info=pii("technical")),
    # the state of the event's key once the event was taken in (a copy of the entry's "after"):
    # the projection row names this entry, and ``audience`` compares the two in its query
    Column("after_state", String(16), nullable=True, info=pii("preference")),
    Column("after_objection", Boolean, nullable=True, info=pii("preference")),
    Column("after_valid_from", UTCDateTime(), nullable=True, info=pii("technical")),
    Column("after_valid_until", UTCDateTime(), nullable=True, info=pii("technical")),
    Column("after_confirmed_at", UTCDateTime(), nullable=True, info=pii("technical")),
    Column("after_purpose_version", Integer, nullable=True, info=pii("none")),
    Column("after_age_assurance", String(32), nullable=True, info=pii("none")),
    UniqueConstraint("tenant", "idempotency_key"),
    Index(
        "ix_consent_events_key_seq",  # named: the convention's name is too long for PostgreSQL
        "tenant",
        "subject_ref",
        "purpose_key",
        "channel",
        "contact_point_ref",
        "seq",
    ),
)
"""The append-only consent ledger; ``document`` is the hashed entry (personal values sealed).

Every other column is a copy of a value in ``document``, compared with it on every read and by
verification (``globalcrm.privacy.ledger`` describes the entry and its hash schemes).
"""

consent_states = Table(
    "consent_states",
    metadata,
    Column("tenant", String(64), primary_key=True, info=pii("none")),
    Column("subject_ref", String(200), primary_key=True, info=pii("identifier")),
    Column("purpose_key", String(64), primary_key=True, info=pii("none")),
    Column("channel", String(64), primary_key=True, info=pii("none")),
    Column("contact_point_ref", String(200), primary_key=True, info=pii("identifier")),
    Column("state", String(16), nullable=False, info=pii("preference")),
    Column("event_id", String(64), nullable=False, info=pii("identifier")),
    Column("occurred_at", UTCDateTime(), nullable=False, info=pii("technical")),
    Column("purpose_version", Integer, nullable=False, info=pii("none")),
    Column("consent_type", String(16), nullable=False, info=pii("preference")),
    Column("valid_from", UTCDateTime(), nullable=False, info=pii("technical")),
    Column("valid_until", UTCDateTime(), nullable=True, info=pii("technical")),
    Column("confirmed_at", UTCDateTime(), nullable=True, info=pii("technical")),
    Column("objection", Boolean, nullable=False, info=pii("preference")),
    Column("actor_kind", String(16), nullable=False, info=pii("none")),
    Column("age_assurance", String(32), nullable=False, info=pii("none")),
    # the newest ledger entry of this key: its ``after_*`` columns must equal this row
    Column("event_seq", Integer, nullable=False, info=pii("technical")),
    Index(None, "tenant", "purpose_key", "channel", "state"),
)
"""The projection: the current consent per subject x purpose x channel (x contact point).

Only an index over the ledger: a row counts when the ledger entry it names (``event_seq``) is
the newest of its key and recorded the same state (``audience`` checks both in its query).
"""

subject_keys = Table(
    "subject_keys",
    metadata,
    Column("key_id", String(64), primary_key=True, info=pii("identifier")),
    Column("tenant", String(64), nullable=False, info=pii("none")),
    Column("subject_ref", String(200), nullable=False, info=pii("identifier")),
    # a key stored before schema p1, in clear: read as legacy until ``rewrap_keys`` wraps it
    Column("key", LargeBinary(32), nullable=True, info=pii("technical")),
    Column("destroyed_at", UTCDateTime(), nullable=True, info=pii("technical")),
    # the key wrapped (AES-256-GCM) under the application's key-encryption key ``kek_id``
    Column("wrapped_key", LargeBinary, nullable=True, info=pii("technical")),
    Column("kek_id", String(200), nullable=True, info=pii("none")),
    Index(None, "tenant", "subject_ref"),
)
"""Each subject's own data key, wrapped under the application's key-encryption key.

Destroying it (``wrapped_key`` and ``key`` set to NULL) crypto-shreds every value sealed under it.
"""

opt_in_tokens = Table(
    "opt_in_tokens",
    metadata,
    Column("id", String(64), primary_key=True, info=pii("identifier")),
    Column("tenant", String(64), nullable=False, info=pii("none")),
    Column("kind", String(16), nullable=False, info=pii("none")),
    Column("subject_ref", String(200), nullable=False, info=pii("identifier")),
    Column("purpose_key", String(64), nullable=False, info=pii("none")),
    Column("channel", String(64), nullable=False, info=pii("none")),
    Column("contact_point_ref", String(200), nullable=True, info=pii("identifier")),
    Column("token_sha256", String(64), nullable=False, unique=True, info=pii("technical")),
    Column("issued_at", UTCDateTime(), nullable=False, info=pii("technical")),
    Column("expires_at", UTCDateTime(), nullable=False, info=pii("technical")),
    Column("status", String(16), nullable=False, info=pii("none")),
    Column("used_at", UTCDateTime(), nullable=True, info=pii("technical")),
)
"""Double opt-in and unsubscribe link tokens, stored only as SHA-256."""

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("tenant", String(64), primary_key=True, info=pii("none")),
    Column("seq", Integer, primary_key=True, info=pii("technical")),
    Column("id", String(64), nullable=False, unique=True, info=pii("identifier")),
    Column("occurred_at", UTCDateTime(), nullable=False, info=pii("technical")),
    Column("actor_kind", String(16), nullable=False, info=pii("none")),
    Column("actor_ref", String(200), nullable=False, info=pii("identifier")),
    Column("action", String(64), nullable=False, info=pii("none")),
    Column("entity_type", String(64), nullable=False, info=pii("none")),
    Column("entity_ref", String(200), nullable=False, info=pii("identifier")),
    Column("subject_ref", String(200), nullable=True, info=pii("identifier")),
    Column("payload", json_type(), nullable=False, info=pii("none")),
    Column("sealed", json_type(), nullable=False, info=pii("content")),
    Column("prev_hash", LargeBinary(32), nullable=False, info=pii("technical")),
    Column("entry_hash", LargeBinary(32), nullable=False, info=pii("technical")),
)
"""The append-only, hash-chained audit log: personal values only sealed or committed."""


