"""Money: exchange rates and price books (markets, entries, bounds).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exchange_rates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("quote", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rates")),
        sa.UniqueConstraint(
            "source",
            "base",
            "quote",
            "as_of",
            name=op.f("uq_exchange_rates_source_base_quote_as_of"),
        ),
    )
    with op.batch_alter_table("exchange_rates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_rates_base_quote_as_of"),
            ["base", "quote", "as_of"],
            unique=False,
        )

    op.create_table(
        "price_books",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "name", name=op.f("pk_price_books")),
    )
    op.create_table(
        "markets",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("book", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("tax_display", sa.String(length=9), nullable=False),
        sa.Column("tax_rate", sa.String(length=32), nullable=False),
        sa.Column("ending_step", sa.String(length=64), nullable=True),
        sa.Column("ending_value", sa.String(length=64), nullable=True),
        sa.Column("ending_direction", sa.String(length=7), nullable=True),
        sa.Column("markup", sa.String(length=32), nullable=False),
        sa.Column("cash_rounding", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant", "book"],
            ["price_books.tenant", "price_books.name"],
            name=op.f("fk_markets_tenant_price_books"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant", "book", "code", name=op.f("pk_markets")),
    )
    op.create_table(
        "price_bounds",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("book", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("market", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("minimum", sa.String(length=64), nullable=True),
        sa.Column("maximum", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant", "book"],
            ["price_books.tenant", "price_books.name"],
            name=op.f("fk_price_bounds_tenant_price_books"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "tenant", "book", "product", "market", name=op.f("pk_price_bounds")
        ),
    )
    op.create_table(
        "price_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("book", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("market", sa.String(length=64), nullable=True),
        sa.Column("amount", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("tax_included", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant", "book"],
            ["price_books.tenant", "price_books.name"],
            name=op.f("fk_price_entries_tenant_price_books"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_entries")),
    )
    with op.batch_alter_table("price_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_price_entries_tenant_book_product"),
            ["tenant", "book", "product"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("price_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_price_entries_tenant_book_product"))

    op.drop_table("price_entries")
    op.drop_table("price_bounds")
    op.drop_table("markets")
    op.drop_table("price_books")
    with op.batch_alter_table("exchange_rates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_rates_base_quote_as_of"))

    op.drop_table("exchange_rates")
