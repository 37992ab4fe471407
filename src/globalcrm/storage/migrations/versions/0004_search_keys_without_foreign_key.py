"""Search keys without a foreign key to customers, compared byte-wise on PostgreSQL.

``customer_keys`` is an index the store builds from ``customers`` in the same transaction as
the customer row it derives from, and deletes with it. As a foreign key it cost a referential
check per key, which on PostgreSQL (a trigger and a lookup per row) was the dearest part of a
bulk import. Orphan keys are looked for by tests; ``rebuild_search_keys`` rewrites them.
Its kind and tenant columns take ``COLLATE "C"`` on PostgreSQL, as its key column already
did: they hold ASCII codes, and byte comparisons make every index insert cheaper. The customer
id keeps the collation of ``customers.id``: a join across two collations cannot use the index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FOREIGN_KEY = "fk_customer_keys_customer_id_customers"


_BYTE_WISE = (("kind", 16), ("tenant", 64))


def upgrade() -> None:
    with op.batch_alter_table("customer_keys", schema=None) as batch_op:
        batch_op.drop_constraint(_FOREIGN_KEY, type_="foreignkey")
    if op.get_bind().dialect.name == "postgresql":
        for column, length in _BYTE_WISE:
            op.alter_column(
                "customer_keys", column, type_=sa.VARCHAR(length, collation="C"),
                existing_type=sa.VARCHAR(length), existing_nullable=False,
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column, length in _BYTE_WISE:
            op.alter_column(
                "customer_keys", column, type_=sa.VARCHAR(length),
                existing_type=sa.VARCHAR(length, collation="C"), existing_nullable=False,
            )
    op.execute(
        "DELETE FROM customer_keys WHERE customer_id NOT IN (SELECT id FROM customers)"
    )
    with op.batch_alter_table("customer_keys", schema=None) as batch_op:
        batch_op.create_foreign_key(
            _FOREIGN_KEY, "customers", ["customer_id"], ["id"], ondelete="CASCADE"
        )
