"""Purchases, segments and payments: records of sales, kept for tax law and unlinked on erasure."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from globalcrm.storage.column_types import (
    UTCDateTime,
    codes_type,
    json_type,
)
from globalcrm.storage.tables.customers import interactions
from globalcrm.storage.tables.schema import (
    classified,
    metadata,
)

# --------------------------------------------------------------------------- purchases, segments
# Every column below also says what a data-subject access export and an erasure do with it
# (``export``, ``erase``; ``ground`` for what erasure keeps).

_SALES_RECORDS = (
    "tax law: records of sales kept 10 years (EU VAT Directive art. 250; national law); "
    "the link to the person is removed (customer_id is nulled)"
)


def _sales(kind: str, *, export: bool = True) -> dict[str, object]:
    return classified(kind, export=export, erase="keep", ground=_SALES_RECORDS)


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
        info=classified("identifier", export=True, erase="null"),
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
        info=classified("identifier", export=False, erase="null"),
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
        info=classified("identifier", export=False, erase="null"),
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
           info=classified("none", export=False, erase="keep", ground="not about a person")),
    Column("name", String(64), primary_key=True,
           info=classified("none", export=False, erase="keep", ground="not about a person")),
    Column("rule", json_type(), nullable=False,
           info=classified("none", export=False, erase="keep", ground="not about a person")),
    Column("created_at", UTCDateTime(), nullable=False,
           info=classified("technical", export=False, erase="keep", ground="not about a person")),
    Column("updated_at", UTCDateTime(), nullable=False,
           info=classified("technical", export=False, erase="keep", ground="not about a person")),
    Column("version", Integer, nullable=False,
           info=classified("technical", export=False, erase="keep", ground="not about a person")),
)
"""Saved segments: a name and the rule's JSON form."""

segment_snapshots = Table(
    "segment_snapshots",
    metadata,
    Column("id", String(26), primary_key=True,
           info=classified("none", export=False, erase="keep", ground="not about a person")),
    Column("tenant", String(64), nullable=False,
           info=classified("none", export=False, erase="keep", ground="not about a person")),
    Column("segment", String(64), nullable=False,
           info=classified("none", export=False, erase="keep", ground="not about a person")),
    Column("taken_at", UTCDateTime(), nullable=False,
           info=classified("technical", export=False, erase="keep", ground="not about a person")),
    Column("size", Integer, nullable=False,
           info=classified("none", export=False, erase="keep", ground="a count, not a person")),
    Column("rule", json_type(), nullable=False,
           info=classified("none", export=False, erase="keep", ground="not about a person")),
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
        info=classified("none", export=True, erase="delete"),
    ),
    # no foreign key: a snapshot is history; erasure deletes the person's rows
    Column("customer_id", String(26), primary_key=True,
           info=classified("identifier", export=True, erase="delete")),
)
"""Who was in a snapshot: being in a segment is profiling, so it is exported and erased."""


# --------------------------------------------------------------------------- payment records
# Payments and their events (issue 21). No foreign key to ``customers``: a payment is a record
# of a sale kept for tax law after its customer is erased. ``purchase_id`` has no foreign key
# either: purchases are stored by another part of the library that is not there yet.


_TAX_GROUND = (
    "tax law: records of payments received are kept with the invoices they settle "
    "(EU VAT Directive 2006/112/EC art. 247, storage of invoices; national laws 6-10 years); "
    "GDPR art. 17(3)(b): erasure does not reach what a legal obligation requires to keep"
)


def _tax_record(kind: str, *, export: bool = True) -> dict[str, object]:
    """Kept after erasure: what the tax record of a payment needs."""
    return classified(kind, export=export, erase="keep", ground=_TAX_GROUND)


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
        info=classified("identifier", export=True, erase="null"),
    ),
    Column(
        "meta", json_type(), nullable=False,
        info=classified("content", export=True, erase="anonymise"),
    ),
    Column(
        "idempotency_key",
        String(200),
        nullable=True,
        info=classified("technical", export=False, erase="null"),
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
        info=classified("technical", export=False, erase="null"),
    ),
    Column("reason", String(64), nullable=True, info=_tax_record("none")),
    UniqueConstraint("tenant", "idempotency_key"),
)
"""Every step of every payment, append-only; the amount (a refund, what was paid) is in the
payment's currency."""


