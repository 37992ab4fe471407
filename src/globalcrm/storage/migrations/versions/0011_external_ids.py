"""External ids: each customer's ids in other systems (``{"shopify": "123"}``), unique per tenant
and source (issue 22).

The ids are a JSON document on ``customers`` and search keys of kind ``external``
(``source:id``) in ``customer_keys``, where a partial unique index holds each to one customer.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = sa.text("kind = 'external'")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("external_ids", _json(), nullable=False, server_default=sa.text("'{}'"))
        )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.alter_column("external_ids", existing_type=_json(), server_default=None)
    op.create_index(
        "uq_customer_keys_external", "customer_keys", ["tenant", "key"], unique=True,
        sqlite_where=_WHERE, postgresql_where=_WHERE,
    )


def downgrade() -> None:
    op.drop_index("uq_customer_keys_external", table_name="customer_keys")
    op.execute("DELETE FROM customer_keys WHERE kind = 'external'")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("external_ids")
