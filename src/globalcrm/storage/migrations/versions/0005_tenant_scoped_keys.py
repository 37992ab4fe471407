"""Ids unique within a tenant; columns as long as the values the domain accepts.

The primary keys of ``customers`` and ``interactions`` become (id, tenant), and an interaction
refers to its customer by (tenant, customer id); the search keys' primary key takes the tenant
after the customer id. A tenant storing an id another tenant uses is no longer refused, so it
learns nothing of the other's ids (ids are random: a clash across tenants is astronomically
unlikely).

``customer_keys.key`` grows from 200 to 512 characters: an email's key is its address (254
bytes at most, RFC 5321 section 4.5.3.1.3) case-folded, which can reach 381 characters. Rates,
tax rates, markups and price endings take any number of decimal places: their text columns
lose their length limit.

Downgrading refuses (and changes nothing) while two tenants share a customer or interaction
id; it drops the search keys longer than 200 characters, which the older schema cannot hold
(``globalcrm reindex`` writes them again after an upgrade).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from globalcrm.errors import StorageError

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_FOREIGN_KEY = "fk_interactions_customer_id_customers"
_NEW_FOREIGN_KEY = "fk_interactions_tenant_customers"
_DECIMALS = {
    "exchange_rates": (("rate", 64),),
    "markets": (("tax_rate", 32), ("ending_step", 64), ("ending_value", 64), ("markup", 32)),
}
"""Decimal text columns and their length before this revision."""


def _key(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.VARCHAR(length, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_constraint(_OLD_FOREIGN_KEY, type_="foreignkey")
        batch_op.drop_constraint("pk_interactions", type_="primary")
        batch_op.create_primary_key("pk_interactions", ["id", "tenant"])
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_constraint("pk_customers", type_="primary")
        batch_op.create_primary_key("pk_customers", ["id", "tenant"])
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_foreign_key(
            _NEW_FOREIGN_KEY,
            "customers",
            ["tenant", "customer_id"],
            ["tenant", "id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("customer_keys", schema=None) as batch_op:
        batch_op.drop_constraint("pk_customer_keys", type_="primary")
        batch_op.alter_column(
            "key", type_=_key(512), existing_type=_key(200), existing_nullable=False
        )
        batch_op.create_primary_key(
            "pk_customer_keys", ["customer_id", "tenant", "kind", "key"]
        )
    for table, columns in _DECIMALS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length in columns:
                batch_op.alter_column(column, type_=sa.Text(), existing_type=sa.String(length))


def downgrade() -> None:
    bind = op.get_bind()
    for table in ("customers", "interactions"):
        shared = bind.execute(
            sa.text(f"SELECT count(*) FROM (SELECT id FROM {table} GROUP BY id "  # noqa: S608
                    "HAVING count(*) > 1) AS shared")
        ).scalar_one()
        if shared:
            raise StorageError(
                f"cannot downgrade below 0005: {shared} {table} ids are used by more than one "
                "tenant, which the older schema cannot hold"
            )
    op.execute("DELETE FROM customer_keys WHERE length(key) > 200")
    for table, columns in _DECIMALS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length in columns:
                batch_op.alter_column(column, type_=sa.String(length), existing_type=sa.Text())
    with op.batch_alter_table("customer_keys", schema=None) as batch_op:
        batch_op.drop_constraint("pk_customer_keys", type_="primary")
        batch_op.alter_column(
            "key", type_=_key(200), existing_type=_key(512), existing_nullable=False
        )
        batch_op.create_primary_key("pk_customer_keys", ["customer_id", "kind", "key"])
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_constraint(_NEW_FOREIGN_KEY, type_="foreignkey")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_constraint("pk_customers", type_="primary")
        batch_op.create_primary_key("pk_customers", ["id"])
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_constraint("pk_interactions", type_="primary")
        batch_op.create_primary_key("pk_interactions", ["id"])
        batch_op.create_foreign_key(
            _OLD_FOREIGN_KEY, "customers", ["customer_id"], ["id"], ondelete="CASCADE"
        )
