"""Exchange rates and price books: not about a person."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from globalcrm.storage.column_types import (
    UTCDateTime,
)
from globalcrm.storage.tables.schema import (
    metadata,
    pii,
)

# --------------------------------------------------------------------------- money and prices
# Amounts and rates are stored as exact decimal text: SQLite's NUMERIC goes through float.
# Rates, tax rates, markups and price endings take any number of decimal places, so their text
# has no length limit; amounts have at most 18 + 12 digits (``globalcrm.money``).

exchange_rates = Table(
    "exchange_rates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True, info=pii("none")),
    Column("base", String(3), nullable=False, info=pii("none")),
    Column("quote", String(3), nullable=False, info=pii("none")),
    Column("rate", Text, nullable=False, info=pii("none")),
    Column("source", String(64), nullable=False, info=pii("none")),
    Column("as_of", UTCDateTime(), nullable=False, info=pii("none")),
    Column("imported_at", UTCDateTime(), nullable=False, info=pii("technical")),
    UniqueConstraint("source", "base", "quote", "as_of"),
    Index(None, "base", "quote", "as_of"),
)
"""Published (direct) exchange rates, effective-dated; inverse and cross rates are derived."""

price_books = Table(
    "price_books",
    metadata,
    Column("tenant", String(64), primary_key=True, info=pii("none")),
    Column("name", String(64), primary_key=True, info=pii("none")),
    Column("base_currency", String(3), nullable=False, info=pii("none")),
    Column("version", Integer, nullable=False, info=pii("technical")),
)
"""A price book: its base currency; markets, entries and bounds hang off it."""

markets = Table(
    "markets",
    metadata,
    Column("tenant", String(64), primary_key=True, info=pii("none")),
    Column("book", String(64), primary_key=True, info=pii("none")),
    Column("code", String(64), primary_key=True, info=pii("none")),
    Column("currency", String(3), nullable=False, info=pii("none")),
    Column("locale", String(35), nullable=False, info=pii("none")),
    Column("tax_display", String(9), nullable=False, info=pii("none")),
    Column("tax_rate", Text, nullable=False, info=pii("none")),
    Column("ending_step", Text, nullable=True, info=pii("none")),
    Column("ending_value", Text, nullable=True, info=pii("none")),
    Column("ending_direction", String(7), nullable=True, info=pii("none")),
    Column("markup", Text, nullable=False, info=pii("none")),
    Column("cash_rounding", Boolean, nullable=False, info=pii("none")),
    ForeignKeyConstraint(
        ["tenant", "book"], ["price_books.tenant", "price_books.name"], ondelete="CASCADE"
    ),
)
"""Where prices are shown: currency, locale, tax display and rate, price ending, FX markup."""

price_entries = Table(
    "price_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True, info=pii("none")),
    Column("tenant", String(64), nullable=False, info=pii("none")),
    Column("book", String(64), nullable=False, info=pii("none")),
    Column("product", String(64), nullable=False, info=pii("none")),
    Column("market", String(64), nullable=True, info=pii("none")),
    Column("amount", String(64), nullable=False, info=pii("none")),
    Column("currency", String(3), nullable=False, info=pii("none")),
    Column("tax_included", Boolean, nullable=False, info=pii("none")),
    Column("valid_from", UTCDateTime(), nullable=True, info=pii("none")),
    Column("valid_until", UTCDateTime(), nullable=True, info=pii("none")),
    ForeignKeyConstraint(
        ["tenant", "book"], ["price_books.tenant", "price_books.name"], ondelete="CASCADE"
    ),
    Index(None, "tenant", "book", "product"),
)
"""Base prices (``market`` null, net, in the book's base currency) and market list prices."""

price_bounds = Table(
    "price_bounds",
    metadata,
    Column("tenant", String(64), primary_key=True, info=pii("none")),
    Column("book", String(64), primary_key=True, info=pii("none")),
    Column("product", String(64), primary_key=True, info=pii("none")),
    Column("market", String(64), primary_key=True, info=pii("none")),
    Column("currency", String(3), nullable=False, info=pii("none")),
    Column("minimum", String(64), nullable=True, info=pii("none")),
    Column("maximum", String(64), nullable=True, info=pii("none")),
    ForeignKeyConstraint(
        ["tenant", "book"], ["price_books.tenant", "price_books.name"], ondelete="CASCADE"
    ),
)
"""The lowest and highest price a product may be shown at in a market."""


