"""Customers, their search keys, redirects of merged customers, and interactions."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

from globalcrm.addresses import PostalAddress
from globalcrm.contact_points import EmailAddress, MessagingHandle, PhoneNumber
from globalcrm.locale.formality import Formality
from globalcrm.storage.column_types import (
    CodeOf,
    UTCDateTime,
    codes_type,
    contact_hours_type,
    contact_points_type,
    json_type,
    person_name_type,
    person_names_type,
    search_key_type,
)
from globalcrm.storage.tables.schema import (
    KEY_LENGTH,
    metadata,
    pii,
)

customers = Table(
    "customers",
    metadata,
    # Ids are unique within a tenant: a tenant learns nothing of another's ids, not even that
    # one is taken (migration s1). The key leads with the id, for lookups of many ids at once.
    Column("id", String(26), nullable=False, info=pii("identifier")),
    Column("tenant", String(64), nullable=False, info=pii("none")),
    Column("name", person_name_type(), nullable=False, info=pii("name")),
    Column("other_names", person_names_type(), nullable=False, info=pii("name")),
    Column("country", String(2), nullable=False, info=pii("demographic")),
    Column("language", String(35), nullable=False, info=pii("demographic")),
    Column("time_zone", String(64), nullable=False, info=pii("demographic")),
    Column("currency", String(3), nullable=False, info=pii("demographic")),
    Column("emails", contact_points_type(EmailAddress), nullable=False, info=pii("contact")),
    Column("phones", contact_points_type(PhoneNumber), nullable=False, info=pii("contact")),
    Column("addresses", contact_points_type(PostalAddress), nullable=False, info=pii("contact")),
    Column("handles", contact_points_type(MessagingHandle), nullable=False, info=pii("contact")),
    Column("preferred_channels", codes_type(), nullable=False, info=pii("preference")),
    Column("contact_hours", contact_hours_type(), nullable=True, info=pii("preference")),
    Column("formality", CodeOf(Formality, 16), nullable=True, info=pii("preference")),
    Column("gender", String(16), nullable=True, info=pii("demographic")),
    Column("pronouns", String(64), nullable=True, info=pii("demographic")),
    Column("birth_date", Date, nullable=True, info=pii("demographic")),
    Column("dietary_needs", codes_type(), nullable=False, info=pii("special_category")),
    Column("allergens", codes_type(), nullable=False, info=pii("special_category")),
    Column("accessibility_needs", codes_type(), nullable=False, info=pii("special_category")),
    Column("tags", codes_type(), nullable=False, info=pii("preference")),
    Column("external_ids", json_type(), nullable=False, info=pii("identifier")),
    Column("attributes", json_type(), nullable=False, info=pii("content")),
    Column("created_at", UTCDateTime(), nullable=False, info=pii("technical")),
    Column("updated_at", UTCDateTime(), nullable=False, info=pii("technical")),
    Column("version", Integer, nullable=False, info=pii("technical")),
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
    Column("customer_id", String(26), nullable=False, info=pii("identifier")),
    Column("kind", search_key_type(16), nullable=False, info=pii("none")),
    # folded name words, emails, phones and handles: lookup keys derived from the customer row.
    # 512 characters hold every key the domain makes: an email's is its address (at most 254
    # bytes, RFC 5321) case-folded, which can grow it to 381 characters; a handle's is its
    # service and the folded handle (128 characters, up to 384 folded).
    Column("key", search_key_type(KEY_LENGTH), nullable=False, info=pii("identifier")),
    Column("tenant", search_key_type(64), nullable=False, info=pii("none")),
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
    Column("id", String(26), nullable=False, info=pii("identifier")),
    Column("tenant", String(64), nullable=False, info=pii("none")),
    Column("customer_id", String(26), nullable=False, info=pii("identifier")),
    Column("channel", String(32), nullable=False, info=pii("none")),
    Column("direction", String(16), nullable=False, info=pii("none")),
    Column("occurred_at", UTCDateTime(), nullable=False, info=pii("technical")),
    Column("conversation", String(200), nullable=True, info=pii("identifier")),
    Column("subject", String(1000), nullable=True, info=pii("content")),
    Column("body", Text, nullable=False, info=pii("content")),
    Column("language", String(35), nullable=True, info=pii("demographic")),
    Column("agent", String(200), nullable=True, info=pii("identifier")),
    Column("outcome", String(200), nullable=True, info=pii("content")),
    Column("sentiment", Float, nullable=True, info=pii("content")),
    Column("meta", json_type(), nullable=False, info=pii("content")),
    # when a retention policy emptied the personal values (migration 0016); the domain never
    # reads it: the sweep's record of what it did, so that it does not count the row again
    Column("anonymised_at", UTCDateTime(), nullable=True, info=pii("technical")),
    PrimaryKeyConstraint("id", "tenant"),
    ForeignKeyConstraint(
        ["tenant", "customer_id"], ["customers.tenant", "customers.id"], ondelete="CASCADE"
    ),
    Index(None, "tenant", "customer_id", "occurred_at", "id"),
    Index(None, "tenant", "conversation", "occurred_at", "id"),
    # a tenant's interactions over a period: service KPIs, retention by the interaction's time
    Index(None, "tenant", "occurred_at"),
)
"""Every contact with a customer; ``meta`` holds the interaction's ``metadata``.

``anonymised_at`` is set by a retention policy that emptied the row's personal values.
"""


