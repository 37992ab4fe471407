"""What the database looks like: one ``MetaData`` and every table, no classes.

Every column states its personal-data class in ``Column.info["pii"]`` (one of ``PII_CLASSES``),
where it is defined, so privacy export, erasure and retention can be generated from the schema;
a test fails on a column without one.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from globalcrm.addresses import PostalAddress
from globalcrm.contact_points import EmailAddress, MessagingHandle, PhoneNumber
from globalcrm.customers import SEARCH_KEY_LENGTH
from globalcrm.locale.formality import Formality
from globalcrm.storage.column_types import (
    CodeOf,
    JSONOf,
    UTCDateTime,
    codes_type,
    contact_hours_type,
    contact_points_type,
    json_type,
    person_name_type,
    person_names_type,
    search_key_type,
)

__all__ = [
    "KEY_LENGTH",
    "PII_CLASSES",
    "audit_entries",
    "cases",
    "consent_events",
    "consent_states",
    "customer_keys",
    "customer_redirects",
    "customers",
    "exchange_rates",
    "interactions",
    "ledger_heads",
    "markets",
    "metadata",
    "notices",
    "opt_in_tokens",
    "price_books",
    "price_bounds",
    "price_entries",
    "purchase_items",
    "purchase_refunds",
    "purchases",
    "purposes",
    "segment_members",
    "segment_snapshots",
    "segments",
    "sla_policies",
    "subject_keys",
    "teams",
]

PII_CLASSES = {
    "none": "not about a person (codes, flags, counters)",
    "identifier": "identifies a record or a person indirectly (ids, keys)",
    "name": "a person's name",
    "contact": "how to reach a person (email, phone, address, handle)",
    "demographic": "facts about a person (country, language, gender)",
    "preference": "what a person chose (channels, hours, formality)",
    "special_category": "may reveal religion or health (GDPR art. 9): dietary, accessibility",
    "content": "what a person or an agent wrote",
    "technical": "timestamps and versions",
}
"""The personal-data classes a column may carry, with what each means."""

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


KEY_LENGTH = SEARCH_KEY_LENGTH
"""The longest search key ``customer_keys.key`` holds (characters)."""


def _pii(kind: str) -> dict[str, str]:
    return {"pii": kind}


customers = Table(
    "customers",
    metadata,
    # Ids are unique within a tenant: a tenant learns nothing of another's ids, not even that
    # one is taken (migration s1). The key leads with the id, for lookups of many ids at once.
    Column("id", String(26), nullable=False, info=_pii("identifier")),
    Column("tenant", String(64), nullable=False, info=_pii("none")),
    Column("name", person_name_type(), nullable=False, info=_pii("name")),
    Column("other_names", person_names_type(), nullable=False, info=_pii("name")),
    Column("country", String(2), nullable=False, info=_pii("demographic")),
    Column("language", String(35), nullable=False, info=_pii("demographic")),
    Column("time_zone", String(64), nullable=False, info=_pii("demographic")),
    Column("currency", String(3), nullable=False, info=_pii("demographic")),
    Column("emails", contact_points_type(EmailAddress), nullable=False, info=_pii("contact")),
    Column("phones", contact_points_type(PhoneNumber), nullable=False, info=_pii("contact")),
    Column("addresses", contact_points_type(PostalAddress), nullable=False, info=_pii("contact")),
    Column("handles", contact_points_type(MessagingHandle), nullable=False, info=_pii("contact")),
    Column("preferred_channels", codes_type(), nullable=False, info=_pii("preference")),
    Column("contact_hours", contact_hours_type(), nullable=True, info=_pii("preference")),
    Column("formality", CodeOf(Formality, 16), nullable=True, info=_pii("preference")),
    Column("gender", String(16), nullable=True, info=_pii("demographic")),
    Column("pronouns", String(64), nullable=True, info=_pii("demographic")),
    Column("birth_date", Date, nullable=True, info=_pii("demographic")),
    Column("dietary_needs", codes_type(), nullable=False, info=_pii("special_category")),
    Column("allergens", codes_type(), nullable=False, info=_pii("special_category")),
    Column("accessibility_needs", codes_type(), nullable=False, info=_pii("special_category")),
    Column("tags", codes_type(), nullable=False, info=_pii("preference")),
    Column("external_ids", json_type(), nullable=False, info=_pii("identifier")),
    Column("attributes", json_type(), nullable=False, info=_pii("content")),
    Column("created_at", UTCDateTime(), nullable=False, info=_pii("technical")),
    Column("updated_at", UTCDateTime(), nullable=False, info=_pii("technical")),
    Column("version", Integer, nullable=False, info=_pii("technical")),
    PrimaryKeyConstraint("id", "tenant"),
    Index(None, "tenant", "id"),
)
"""One row per customer; contact points and names are JSON documents of domain values."""

customer_keys = Table(
    "customer_keys",
    metadata,
    # No foreign key: the rows are derived from ``customers``, written and deleted with their
    # customer in one transaction; a referential check per key was most of a bulk import's
    # time on PostgreSQL (migration 0004). The primary key leads with the id and the tenant,
    # for those deletes (ids are unique within a tenant only: migration s1).
    # The codes and folded keys compare byte-wise (COLLATE "C" on PostgreSQL): they need no
    # language's collation, and byte comparisons make each index insert cheaper. The id keeps
    # the collation of ``customers.id``, so that joins on it use that table's primary key.
    Column("customer_id", String(26), nullable=False, info=_pii("identifier")),
    Column("kind", search_key_type(16), nullable=False, info=_pii("none")),
    # folded name words, emails, phones and handles: lookup keys derived from the customer row.
    # 512 characters hold every key the domain makes: an email's is its address (at most 254
    # bytes, RFC 5321) case-folded, which can grow it to 381 characters; a handle's is its
    # service and the folded handle (128 characters, up to 384 folded).
    Column("key", search_key_type(KEY_LENGTH), nullable=False, info=_pii("identifier")),
    Column("tenant", search_key_type(64), nullable=False, info=_pii("none")),
    PrimaryKeyConstraint("customer_id", "tenant", "kind", "key"),
    Index(None, "tenant", "kind", "key"),
    # an id in another system belongs to one customer of the tenant (migration 0011)
    Index(
        "uq_customer_keys_external",
        "tenant",
        "key",
        unique=True,
        sqlite_where=text("kind = 'external'"),
        postgresql_where=text("kind = 'external'"),
    ),
)
"""Search keys (folded name words, emails, E.164 phones, handles), derived from ``customers``.

Written and deleted with their customer in one transaction, with no foreign key (its check per
key was most of a bulk import's time on PostgreSQL); ``rebuild_search_keys`` rewrites them.
"""

customer_redirects = Table(
    "customer_redirects",
    metadata,
    # A customer merged into another (crm.customers.merge): the old id leads to the kept one.
    Column("tenant", String(64), nullable=False, info={"pii": "none", "export": False,
                                                       "erase": "delete"}),
    Column("old_id", String(26), nullable=False, info={"pii": "identifier", "export": True,
                                                       "erase": "delete"}),
    Column("new_id", String(26), nullable=False, info={"pii": "identifier", "export": True,
                                                       "erase": "delete", "subject": True}),
    Column("merged_at", UTCDateTime(), nullable=False, info={"pii": "technical", "export": True,
                                                             "erase": "delete"}),
    PrimaryKeyConstraint("tenant", "old_id"),
    Index(None, "tenant", "new_id"),
)
"""The ids of merged customers and the customer each was merged into (one hop: re-pointed when
the kept customer is merged in turn)."""

interactions = Table(
    "interactions",
    metadata,
    Column("id", String(26), nullable=False, info=_pii("identifier")),
    Column("tenant", String(64), nullable=False, info=_pii("none")),
    Column("customer_id", String(26), nullable=False, info=_pii("identifier")),
    Column("channel", String(32), nullable=False, info=_pii("none")),
    Column("direction", String(16), nullable=False, info=_pii("none")),
    Column("occurred_at", UTCDateTime(), nullable=False, info=_pii("technical")),
    Column("conversation", String(200), nullable=True, info=_pii("identifier")),
    Column("subject", String(1000), nullable=True, info=_pii("content")),
    Column("body", Text, nullable=False, info=_pii("content")),
    Column("language", String(35), nullable=True, info=_pii("demographic")),
    Column("agent", String(200), nullable=True, info=_pii("identifier")),
    Column("outcome", String(200), nullable=True, info=_pii("content")),
    Column("sentiment", Float, nullable=True, info=_pii("content")),
    Column("meta", json_type(), nullable=False, info=_pii("content")),
    PrimaryKeyConstraint("id", "tenant"),
    ForeignKeyConstraint(
        ["tenant", "customer_id"], ["customers.tenant", "customers.id"], ondelete="CASCADE"
    ),
    Index(None, "tenant", "customer_id", "occurred_at", "id"),
    Index(None, "tenant", "conversation", "occurred_at", "id"),
)
"""Every contact with a customer; ``meta`` holds the interaction's ``metadata``."""


# --------------------------------------------------------------------------- money and prices
# Amounts and rates are stored as exact decimal text: SQLite's NUMERIC goes through float.
# Rates, tax rates, markups and price endings take any number of decimal places, so their text
# has no length limit; amounts have at most 18 + 12 digits (``globalcrm.money``).

exchange_rates = Table(
    "exchange_rates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True, info=_pii("none")),
    Column("base", String(3), nullable=False, info=_pii("none")),
    Column("quote", String(3), nullable=False, info=_pii("none")),
    Column("rate", Text, nullable=False, info=_pii("none")),
    Column("source", String(64), nullable=False, info=_pii("none")),
    Column("as_of", UTCDateTime(), nullable=False, info=_pii("none")),
    Column("imported_at", UTCDateTime(), nullable=False, info=_pii("technical")),
    UniqueConstraint("source", "base", "quote", "as_of"),
    Index(None, "base", "quote", "as_of"),
)
"""Published (direct) exchange rates, effective-dated; inverse and cross rates are derived."""

price_books = Table(
    "price_books",
    metadata,
    Column("tenant", String(64), primary_key=True, info=_pii("none")),
    Column("name", String(64), primary_key=True, info=_pii("none")),
    Column("base_currency", String(3), nullable=False, info=_pii("none")),
    Column("version", Integer, nullable=False, info=_pii("technical")),
)
"""A price book: its base currency; markets, entries and bounds hang off it."""

markets = Table(
    "markets",
    metadata,
    Column("tenant", String(64), primary_key=True, info=_pii("none")),
    Column("book", String(64), primary_key=True, info=_pii("none")),
    Column("code", String(64), primary_key=True, info=_pii("none")),
    Column("currency", String(3), nullable=False, info=_pii("none")),
    Column("locale", String(35), nullable=False, info=_pii("none")),
    Column("tax_display", String(9), nullable=False, info=_pii("none")),
    Column("tax_rate", Text, nullable=False, info=_pii("none")),
    Column("ending_step", Text, nullable=True, info=_pii("none")),
    Column("ending_value", Text, nullable=True, info=_pii("none")),
    Column("ending_direction", String(7), nullable=True, info=_pii("none")),
    Column("markup", Text, nullable=False, info=_pii("none")),
    Column("cash_rounding", Boolean, nullable=False, info=_pii("none")),
    ForeignKeyConstraint(
        ["tenant", "book"], ["price_books.tenant", "price_books.name"], ondelete="CASCADE"
    ),
)
"""Where prices are shown: currency, locale, tax display and rate, price ending, FX markup."""

price_entries = Table(
    "price_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True, info=_pii("none")),
    Column("tenant", String(64), nullable=False, info=_pii("none")),
    Column("book", String(64), nullable=False, info=_pii("none")),
    Column("product", String(64), nullable=False, info=_pii("none")),
    Column("market", String(64), nullable=True, info=_pii("none")),
    Column("amount", String(64), nullable=False, info=_pii("none")),
    Column("currency", String(3), nullable=False, info=_pii("none")),
    Column("tax_included", Boolean, nullable=False, info=_pii("none")),
    Column("valid_from", UTCDateTime(), nullable=True, info=_pii("none")),
    Column("valid_until", UTCDateTime(), nullable=True, info=_pii("none")),
    ForeignKeyConstraint(
        ["tenant", "book"], ["price_books.tenant", "price_books.name"], ondelete="CASCADE"
    ),
    Index(None, "tenant", "book", "product"),
)
"""Base prices (``market`` null, net, in the book's base currency) and market list prices."""

price_bounds = Table(
    "price_bounds",
    metadata,
    Column("tenant", String(64), primary_key=True, info=_pii("none")),
    Column("book", String(64), primary_key=True, info=_pii("none")),
    Column("product", String(64), primary_key=True, info=_pii("none")),
    Column("market", String(64), primary_key=True, info=_pii("none")),
    Column("currency", String(3), nullable=False, info=_pii("none")),
    Column("minimum", String(64), nullable=True, info=_pii("none")),
    Column("maximum", String(64), nullable=True, info=_pii("none")),
    ForeignKeyConstraint(
        ["tenant", "book"], ["price_books.tenant", "price_books.name"], ondelete="CASCADE"
    ),
)
"""The lowest and highest price a product may be shown at in a market."""


# --------------------------------------------------------------------------- privacy
# Consent and audit rows never reference customers by foreign key: they must outlive an erased
# account (the ledger and the audit chain still verify after erasure).

purposes = Table(
    "purposes",
    metadata,
    Column("tenant", String(64), primary_key=True, info=_pii("none")),
    Column("key", String(64), primary_key=True, info=_pii("none")),
    Column("version", Integer, primary_key=True, info=_pii("none")),
    Column("status", String(16), nullable=False, info=_pii("none")),
    Column("document", json_type(), nullable=False, info=_pii("none")),
)
"""Processing purposes, one row per version; ``document`` holds the version's fields."""

notices = Table(
    "notices",
    metadata,
    Column("id", String(64), primary_key=True, info=_pii("none")),
    Column("tenant", String(64), nullable=False, info=_pii("none")),
    Column("notice_key", String(64), nullable=False, info=_pii("none")),
    Column("version", Integer, nullable=False, info=_pii("none")),
    Column("language", String(35), nullable=False, info=_pii("none")),
    Column("content_sha256", String(64), nullable=False, info=_pii("none")),
    Column("document", json_type(), nullable=False, info=_pii("none")),
    UniqueConstraint("tenant", "notice_key", "version", "language"),
)
"""Published notice versions with their text snapshot and SHA-256."""

ledger_heads = Table(
    "ledger_heads",
    metadata,
    Column("tenant", String(64), primary_key=True, info=_pii("none")),
    Column("ledger", String(16), primary_key=True, info=_pii("none")),
    Column("next_seq", Integer, nullable=False, info=_pii("technical")),
    Column("last_hash", LargeBinary(32), nullable=False, info=_pii("technical")),
)
"""The head of each append-only chain (``consent``, ``audit``): locked by every append."""

consent_events = Table(
    "consent_events",
    metadata,
    Column("tenant", String(64), primary_key=True, info=_pii("none")),
    Column("seq", Integer, primary_key=True, info=_pii("technical")),
    Column("event_id", String(64), nullable=False, unique=True, info=_pii("identifier")),
    Column("subject_ref", String(200), nullable=False, info=_pii("identifier")),
    Column("purpose_key", String(64), nullable=False, info=_pii("none")),
    Column("channel", String(64), nullable=False, info=_pii("none")),
    # scheme 2: '' or the keyed digest ``hmac:<hex>`` under the subject's key (the contact point
    # itself is sealed in ``document``); scheme 1: '' or the reference as it was given
    Column("contact_point_ref", String(200), nullable=False, info=_pii("identifier")),
    Column("occurred_at", UTCDateTime(), nullable=False, info=_pii("technical")),
    Column("idempotency_key", String(200), nullable=True, info=_pii("none")),
    Column("document", Text, nullable=False, info=_pii("content")),
    Column("recorded_at", UTCDateTime(), nullable=False, info=_pii("technical")),
    Column("prev_hash", LargeBinary(32), nullable=False, info=_pii("technical")),
    Column("entry_hash", LargeBinary(32), nullable=False, info=_pii("technical")),
    Column("hash_scheme", Integer, nullable=False, info=_pii("technical")),
    # the state of the event's key once the event was taken in (a copy of the entry's "after"):
    # the projection row names this entry, and ``audience`` compares the two in its query
    Column("after_state", String(16), nullable=True, info=_pii("preference")),
    Column("after_objection", Boolean, nullable=True, info=_pii("preference")),
    Column("after_valid_from", UTCDateTime(), nullable=True, info=_pii("technical")),
    Column("after_valid_until", UTCDateTime(), nullable=True, info=_pii("technical")),
    Column("after_confirmed_at", UTCDateTime(), nullable=True, info=_pii("technical")),
    Column("after_purpose_version", Integer, nullable=True, info=_pii("none")),
    Column("after_age_assurance", String(32), nullable=True, info=_pii("none")),
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
    Column("tenant", String(64), primary_key=True, info=_pii("none")),
    Column("subject_ref", String(200), primary_key=True, info=_pii("identifier")),
    Column("purpose_key", String(64), primary_key=True, info=_pii("none")),
    Column("channel", String(64), primary_key=True, info=_pii("none")),
    Column("contact_point_ref", String(200), primary_key=True, info=_pii("identifier")),
    Column("state", String(16), nullable=False, info=_pii("preference")),
    Column("event_id", String(64), nullable=False, info=_pii("identifier")),
    Column("occurred_at", UTCDateTime(), nullable=False, info=_pii("technical")),
    Column("purpose_version", Integer, nullable=False, info=_pii("none")),
    Column("consent_type", String(16), nullable=False, info=_pii("preference")),
    Column("valid_from", UTCDateTime(), nullable=False, info=_pii("technical")),
    Column("valid_until", UTCDateTime(), nullable=True, info=_pii("technical")),
    Column("confirmed_at", UTCDateTime(), nullable=True, info=_pii("technical")),
    Column("objection", Boolean, nullable=False, info=_pii("preference")),
    Column("actor_kind", String(16), nullable=False, info=_pii("none")),
    Column("age_assurance", String(32), nullable=False, info=_pii("none")),
    # the newest ledger entry of this key: its ``after_*`` columns must equal this row
    Column("event_seq", Integer, nullable=False, info=_pii("technical")),
    Index(None, "tenant", "purpose_key", "channel", "state"),
)
"""The projection: the current consent per subject x purpose x channel (x contact point).

Only an index over the ledger: a row counts when the ledger entry it names (``event_seq``) is
the newest of its key and recorded the same state (``audience`` checks both in its query).
"""

subject_keys = Table(
    "subject_keys",
    metadata,
    Column("key_id", String(64), primary_key=True, info=_pii("identifier")),
    Column("tenant", String(64), nullable=False, info=_pii("none")),
    Column("subject_ref", String(200), nullable=False, info=_pii("identifier")),
    # a key stored before schema p1, in clear: read as legacy until ``rewrap_keys`` wraps it
    Column("key", LargeBinary(32), nullable=True, info=_pii("technical")),
    Column("destroyed_at", UTCDateTime(), nullable=True, info=_pii("technical")),
    # the key wrapped (AES-256-GCM) under the application's key-encryption key ``kek_id``
    Column("wrapped_key", LargeBinary, nullable=True, info=_pii("technical")),
    Column("kek_id", String(200), nullable=True, info=_pii("none")),
    Index(None, "tenant", "subject_ref"),
)
"""Each subject's own data key, wrapped under the application's key-encryption key.

Destroying it (``wrapped_key`` and ``key`` set to NULL) crypto-shreds every value sealed under it.
"""

opt_in_tokens = Table(
    "opt_in_tokens",
    metadata,
    Column("id", String(64), primary_key=True, info=_pii("identifier")),
    Column("tenant", String(64), nullable=False, info=_pii("none")),
    Column("kind", String(16), nullable=False, info=_pii("none")),
    Column("subject_ref", String(200), nullable=False, info=_pii("identifier")),
    Column("purpose_key", String(64), nullable=False, info=_pii("none")),
    Column("channel", String(64), nullable=False, info=_pii("none")),
    Column("contact_point_ref", String(200), nullable=True, info=_pii("identifier")),
    Column("token_sha256", String(64), nullable=False, unique=True, info=_pii("technical")),
    Column("issued_at", UTCDateTime(), nullable=False, info=_pii("technical")),
    Column("expires_at", UTCDateTime(), nullable=False, info=_pii("technical")),
    Column("status", String(16), nullable=False, info=_pii("none")),
    Column("used_at", UTCDateTime(), nullable=True, info=_pii("technical")),
)
"""Double opt-in and unsubscribe link tokens, stored only as SHA-256."""

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("tenant", String(64), primary_key=True, info=_pii("none")),
    Column("seq", Integer, primary_key=True, info=_pii("technical")),
    Column("id", String(64), nullable=False, unique=True, info=_pii("identifier")),
    Column("occurred_at", UTCDateTime(), nullable=False, info=_pii("technical")),
    Column("actor_kind", String(16), nullable=False, info=_pii("none")),
    Column("actor_ref", String(200), nullable=False, info=_pii("identifier")),
    Column("action", String(64), nullable=False, info=_pii("none")),
    Column("entity_type", String(64), nullable=False, info=_pii("none")),
    Column("entity_ref", String(200), nullable=False, info=_pii("identifier")),
    Column("subject_ref", String(200), nullable=True, info=_pii("identifier")),
    Column("payload", json_type(), nullable=False, info=_pii("none")),
    Column("sealed", json_type(), nullable=False, info=_pii("content")),
    Column("prev_hash", LargeBinary(32), nullable=False, info=_pii("technical")),
    Column("entry_hash", LargeBinary(32), nullable=False, info=_pii("technical")),
)
"""The append-only, hash-chained audit log: personal values only sealed or committed."""


# --------------------------------------------------------------------------- purchases, segments
# Every column below also says what a data-subject access export and an erasure do with it
# (``export``, ``erase``; ``ground`` for what erasure keeps).

_SALES_RECORDS = (
    "tax law: records of sales kept 10 years (EU VAT Directive art. 250; national law); "
    "the link to the person is removed (customer_id is nulled)"
)


def _classified(
    kind: str, *, export: bool, erase: str, ground: str | None = None
) -> dict[str, object]:
    """``Column.info``: personal-data class, export, erasure action and ground for keeping."""
    info: dict[str, object] = {"pii": kind, "export": export, "erase": erase}
    if ground is not None:
        info["ground"] = ground
    return info


def _sales(kind: str, *, export: bool = True) -> dict[str, object]:
    return _classified(kind, export=export, erase="keep", ground=_SALES_RECORDS)


# Segments ask "who wrote on WhatsApp in the last 30 days": the channel and a window of time
# pick out the few interactions, instead of a scan of every contact ever recorded.
Index(None, interactions.c.tenant, interactions.c.channel, interactions.c.occurred_at)

purchases = Table(
    "purchases",
    metadata,
    Column("id", String(26), primary_key=True, info=_sales("identifier")),
    Column("tenant", String(64), nullable=False, info=_sales("none", export=False)),
    # no foreign key: a sale stays on the books after its customer is erased, which nulls this
    Column(
        "customer_id",
        String(26),
        nullable=True,
        info=_classified("identifier", export=True, erase="null"),
    ),
    Column("occurred_at", UTCDateTime(), nullable=False, info=_sales("technical")),
    Column("channel", String(32), nullable=False, info=_sales("none")),
    Column("currency", String(3), nullable=False, info=_sales("none")),
    Column("amount_minor", BigInteger, nullable=False, info=_sales("none")),
    Column("refunded_minor", BigInteger, nullable=False, info=_sales("none")),
    Column("status", String(24), nullable=False, info=_sales("none")),
    Column(
        "idempotency_key",
        String(200),
        nullable=True,
        info=_classified("identifier", export=False, erase="null"),
    ),
    Column("recorded_at", UTCDateTime(), nullable=False, info=_sales("technical")),
    UniqueConstraint("tenant", "idempotency_key"),
    Index(None, "tenant", "customer_id", "occurred_at"),
    Index(None, "tenant", "currency"),
)
"""One row per purchase; amounts in minor units of ``currency`` (``refunded_minor`` given back).

Erasure nulls ``customer_id`` (the database does it when the customer row goes): the sale stays
on the books without the person."""

purchase_items = Table(
    "purchase_items",
    metadata,
    Column(
        "purchase_id",
        String(26),
        ForeignKey("purchases.id", ondelete="CASCADE"),
        primary_key=True,
        info=_sales("identifier"),
    ),
    Column("position", Integer, primary_key=True, info=_sales("none")),
    Column("product", String(200), nullable=False, info=_sales("none")),
    Column("category", String(64), nullable=True, info=_sales("none")),
    Column("quantity", String(40), nullable=False, info=_sales("none")),
    Column("unit_price", String(64), nullable=False, info=_sales("none")),
    Column("total_minor", BigInteger, nullable=False, info=_sales("none")),
    # halal, kosher, vegan...: bought by a known person these may reveal religion (GDPR art. 9)
    Column("attributes", codes_type(), nullable=False, info=_sales("special_category")),
)
"""A purchase's lines, in order; ``total_minor`` is quantity x unit price in minor units."""

purchase_refunds = Table(
    "purchase_refunds",
    metadata,
    Column("id", String(26), primary_key=True, info=_sales("identifier")),
    Column("tenant", String(64), nullable=False, info=_sales("none", export=False)),
    Column(
        "purchase_id",
        String(26),
        ForeignKey("purchases.id", ondelete="CASCADE"),
        nullable=False,
        info=_sales("identifier"),
    ),
    Column("amount_minor", BigInteger, nullable=False, info=_sales("none")),
    Column("occurred_at", UTCDateTime(), nullable=False, info=_sales("technical")),
    Column("reason", String(64), nullable=True, info=_sales("none")),
    Column(
        "idempotency_key",
        String(200),
        nullable=True,
        info=_classified("identifier", export=False, erase="null"),
    ),
    Column("recorded_at", UTCDateTime(), nullable=False, info=_sales("technical")),
    UniqueConstraint("tenant", "idempotency_key"),
    Index(None, "purchase_id"),
)
"""Money given back on a purchase, one row per refund."""

segments = Table(
    "segments",
    metadata,
    Column("tenant", String(64), primary_key=True,
           info=_classified("none", export=False, erase="keep", ground="not about a person")),
    Column("name", String(64), primary_key=True,
           info=_classified("none", export=False, erase="keep", ground="not about a person")),
    Column("rule", json_type(), nullable=False,
           info=_classified("none", export=False, erase="keep", ground="not about a person")),
    Column("created_at", UTCDateTime(), nullable=False,
           info=_classified("technical", export=False, erase="keep", ground="not about a person")),
    Column("updated_at", UTCDateTime(), nullable=False,
           info=_classified("technical", export=False, erase="keep", ground="not about a person")),
    Column("version", Integer, nullable=False,
           info=_classified("technical", export=False, erase="keep", ground="not about a person")),
)
"""Saved segments: a name and the rule's JSON form."""

segment_snapshots = Table(
    "segment_snapshots",
    metadata,
    Column("id", String(26), primary_key=True,
           info=_classified("none", export=False, erase="keep", ground="not about a person")),
    Column("tenant", String(64), nullable=False,
           info=_classified("none", export=False, erase="keep", ground="not about a person")),
    Column("segment", String(64), nullable=False,
           info=_classified("none", export=False, erase="keep", ground="not about a person")),
    Column("taken_at", UTCDateTime(), nullable=False,
           info=_classified("technical", export=False, erase="keep", ground="not about a person")),
    Column("size", Integer, nullable=False,
           info=_classified("none", export=False, erase="keep", ground="a count, not a person")),
    Column("rule", json_type(), nullable=False,
           info=_classified("none", export=False, erase="keep", ground="not about a person")),
    Index(None, "tenant", "segment", "taken_at"),
)
"""A segment's membership materialised at a time (the rule as it was then is kept with it)."""

segment_members = Table(
    "segment_members",
    metadata,
    Column(
        "snapshot_id",
        String(26),
        ForeignKey("segment_snapshots.id", ondelete="CASCADE"),
        primary_key=True,
        info=_classified("none", export=True, erase="delete"),
    ),
    # no foreign key: a snapshot is history; erasure deletes the person's rows
    Column("customer_id", String(26), primary_key=True,
           info=_classified("identifier", export=True, erase="delete")),
)
"""Who was in a snapshot: being in a segment is profiling, so it is exported and erased."""


# --------------------------------------------------------------------------- customer service
# Teams, SLA policies and cases. A case is about its customer and goes with them on erasure.

_NOT_PERSONAL = "not about a customer: the desk's own configuration"


def _case_events_type() -> JSONOf:
    from globalcrm.cases import CaseEvent

    return JSONOf(
        lambda events: [event.to_json() for event in events],
        lambda items: tuple(CaseEvent.from_json(item) for item in items),
    )


def _config(kind: str = "none") -> dict[str, object]:
    return _classified(kind, export=False, erase="keep", ground=_NOT_PERSONAL)


teams = Table(
    "teams",
    metadata,
    Column("tenant", String(64), primary_key=True, info=_config()),
    Column("key", String(64), primary_key=True, info=_config()),
    Column("name", String(200), nullable=False, info=_config()),
    # languages, regions, business hours, agent references (staff, not customers), SLA policy
    Column("document", json_type(), nullable=False, info=_config("identifier")),
    Column("last_agent", String(200), nullable=True, info=_config("identifier")),
)
"""Support teams; ``last_agent`` is where round-robin assignment stands."""

sla_policies = Table(
    "sla_policies",
    metadata,
    Column("tenant", String(64), primary_key=True, info=_config()),
    Column("key", String(64), primary_key=True, info=_config()),
    Column("document", json_type(), nullable=False, info=_config()),
)
"""SLA policies: their targets as a JSON document."""


def _case(kind: str, *, export: bool = True) -> dict[str, object]:
    return _classified(kind, export=export, erase="delete")


cases = Table(
    "cases",
    metadata,
    Column("id", String(26), primary_key=True, info=_case("identifier")),
    Column("tenant", String(64), nullable=False, info=_case("none", export=False)),
    Column("customer_id", String(26), nullable=False, info=_case("identifier")),
    Column("conversation", String(200), nullable=False, info=_case("identifier")),
    Column("channel", String(32), nullable=False, info=_case("preference")),
    Column("status", String(32), nullable=False, info=_case("none")),
    Column("priority", String(16), nullable=False, info=_case("none")),
    Column("team", String(64), nullable=True, info=_case("none")),
    Column("agent", String(200), nullable=True, info=_case("identifier")),
    Column("tags", codes_type(), nullable=False, info=_case("content")),
    Column("language", String(35), nullable=True, info=_case("demographic")),
    Column("subject", String(1000), nullable=True, info=_case("content")),
    Column("purpose", String(64), nullable=True, info=_case("none")),
    Column("tier", String(64), nullable=True, info=_case("preference")),
    Column("sla_policy", String(64), nullable=True, info=_case("none")),
    Column("opened_at", UTCDateTime(), nullable=False, info=_case("technical")),
    Column("first_response_at", UTCDateTime(), nullable=True, info=_case("technical")),
    Column("resolved_at", UTCDateTime(), nullable=True, info=_case("technical")),
    Column("closed_at", UTCDateTime(), nullable=True, info=_case("technical")),
    Column("first_response_due", UTCDateTime(), nullable=True, info=_case("technical")),
    Column("resolution_due", UTCDateTime(), nullable=True, info=_case("technical")),
    Column("events", _case_events_type(), nullable=False, info=_case("identifier")),
    Column("updated_at", UTCDateTime(), nullable=True, info=_case("technical")),
    Column("version", Integer, nullable=False, info=_case("technical", export=False)),
    Index(None, "tenant", "status", "id"),
    Index(None, "tenant", "team", "status", "id"),
    Index(None, "tenant", "agent", "status", "id"),
    Index(None, "tenant", "customer_id", "id"),
    Index(None, "tenant", "conversation"),
    Index(None, "tenant", "first_response_due"),
    Index(None, "tenant", "resolution_due"),
    ForeignKeyConstraint(
        ["tenant", "customer_id"],
        ["customers.tenant", "customers.id"],
        name="fk_cases_tenant_customers",
        ondelete="CASCADE",
    ),
)
"""Cases: one customer matter across channels; its SLA deadlines are kept for the breach lists."""


# --------------------------------------------------------------------------- payment records
# Payments and their events (issue 21). No foreign key to ``customers``: a payment is a record
# of a sale kept for tax law after its customer is erased. ``purchase_id`` has no foreign key
# either: purchases are stored by another part of the library that is not there yet.

__all__ += ["payment_events", "payments"]

_TAX_GROUND = (
    "tax law: records of payments received are kept with the invoices they settle "
    "(EU VAT Directive 2006/112/EC art. 247, storage of invoices; national laws 6-10 years); "
    "GDPR art. 17(3)(b): erasure does not reach what a legal obligation requires to keep"
)


def _tax_record(kind: str, *, export: bool = True) -> dict[str, object]:
    """Kept after erasure: what the tax record of a payment needs."""
    return _classified(kind, export=export, erase="keep", ground=_TAX_GROUND)


payments = Table(
    "payments",
    metadata,
    Column("id", String(26), primary_key=True, info=_tax_record("identifier")),
    Column("tenant", String(64), nullable=False, info=_tax_record("none", export=False)),
    # the customer's id stays with the kept record: it is what the kept invoice names
    Column("customer_id", String(26), nullable=False, info=_tax_record("identifier")),
    Column("purchase_id", String(26), nullable=True, info=_tax_record("identifier")),
    Column("method", String(40), nullable=False, info=_tax_record("none")),
    Column("amount", String(64), nullable=False, info=_tax_record("none")),
    Column("currency", String(3), nullable=False, info=_tax_record("none")),
    Column("refunded", String(64), nullable=False, info=_tax_record("none")),
    Column("status", String(20), nullable=False, info=_tax_record("none")),
    Column("provider", String(64), nullable=True, info=_tax_record("none")),
    # what the provider's statement names: reconciling the books needs it
    Column("provider_reference", String(200), nullable=True, info=_tax_record("identifier")),
    Column(
        "instrument",
        String(200),
        nullable=True,
        info=_classified("identifier", export=True, erase="null"),
    ),
    Column(
        "meta", json_type(), nullable=False,
        info=_classified("content", export=True, erase="anonymise"),
    ),
    Column(
        "idempotency_key",
        String(200),
        nullable=True,
        info=_classified("technical", export=False, erase="null"),
    ),
    Column("created_at", UTCDateTime(), nullable=False, info=_tax_record("technical")),
    Column("updated_at", UTCDateTime(), nullable=False, info=_tax_record("technical")),
    Column("paid_at", UTCDateTime(), nullable=True, info=_tax_record("technical")),
    Column("version", Integer, nullable=False, info=_tax_record("technical", export=False)),
    UniqueConstraint("tenant", "idempotency_key"),
    UniqueConstraint("tenant", "method", "provider_reference"),
    Index(None, "tenant", "id"),
    Index(None, "tenant", "customer_id", "id"),
)
"""One row per payment: amounts as exact decimal text, ``refunded`` the sum of its refund
events (locked with the row on every change), ``version`` its last event's ``seq``, ``meta``
the payment's ``metadata``. Erasure of the customer nulls ``instrument`` and
``idempotency_key`` and empties ``meta`` (anonymised to ``{}``)."""

payment_events = Table(
    "payment_events",
    metadata,
    Column(
        "payment_id",
        String(26),
        ForeignKey("payments.id", ondelete="CASCADE"),
        primary_key=True,
        info=_tax_record("identifier"),
    ),
    Column("seq", Integer, primary_key=True, info=_tax_record("technical")),
    Column("tenant", String(64), nullable=False, info=_tax_record("none", export=False)),
    Column("kind", String(20), nullable=False, info=_tax_record("none")),
    Column("from_status", String(20), nullable=True, info=_tax_record("none")),
    Column("to_status", String(20), nullable=False, info=_tax_record("none")),
    Column("amount", String(64), nullable=True, info=_tax_record("none")),
    Column("occurred_at", UTCDateTime(), nullable=False, info=_tax_record("technical")),
    Column("recorded_at", UTCDateTime(), nullable=False, info=_tax_record("technical")),
    Column("source", String(32), nullable=False, info=_tax_record("none")),
    Column("provider_event_id", String(200), nullable=True, info=_tax_record("identifier")),
    Column(
        "idempotency_key",
        String(200),
        nullable=True,
        info=_classified("technical", export=False, erase="null"),
    ),
    Column("reason", String(64), nullable=True, info=_tax_record("none")),
    UniqueConstraint("tenant", "idempotency_key"),
)
"""Every step of every payment, append-only; the amount (a refund, what was paid) is in the
payment's currency."""


# --------------------------------------------------------------------------- loyalty (issue 17)
# Accounts, their append-only points ledger, the lots' allocations and tier events. Every row
# about a member hangs off ``loyalty_accounts.customer_id``: erasing the customer deletes the
# account, and the ledger with it (foreign keys cascade; the member's points are forfeited).

__all__ += [
    "loyalty_accounts",
    "loyalty_allocations",
    "loyalty_entries",
    "loyalty_programs",
    "loyalty_tier_events",
]
def _member(kind: str) -> dict[str, object]:
    """A column about a member: exported on access, deleted with the account on erasure."""
    return _classified(kind, export=True, erase="delete")


def _bookkeeping(kind: str) -> dict[str, object]:
    """The store's own bookkeeping about a member: not exported, deleted with the account."""
    return _classified(kind, export=False, erase="delete")


def _configuration(kind: str) -> dict[str, object]:
    """A program's configuration: not about anyone."""
    return _classified(
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
