"""Bulk writes that skip the ORM: Core ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Rows are validated through the same domain constructors first (the caller builds ``Customer``
objects); this module only moves them into the tables inside the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select

from globalcrm.customers import Customer
from globalcrm.storage import tables
from globalcrm.storage.repositories import key_rows

__all__ = ["existing_ids", "insert_customers"]

_CUSTOMER_COLUMNS = [column.name for column in tables.customers.columns]


def _customer_row(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in _CUSTOMER_COLUMNS}


def existing_ids(connection: Connection, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` are already stored (any tenant: ids are global)."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        query = select(tables.customers.c.id).where(tables.customers.c.id.in_(chunk))
        found.update(connection.scalars(query))
    return found


def insert_customers(connection: Connection, customers: Sequence[Customer]) -> None:
    """Insert new customers and their search keys (version 1) in the current transaction."""
    if not customers:
        return
    for customer in customers:
        customer.version = 1
    keys = [row for customer in customers for row in key_rows(customer)]
    if connection.dialect.name == "postgresql":
        _copy(
            connection,
            tables.customers.name,
            _CUSTOMER_COLUMNS,
            [_bind_row(connection, customer) for customer in customers],
        )
        _copy(
            connection,
            tables.customer_keys.name,
            ["customer_id", "kind", "key", "tenant"],
            [[row["customer_id"], row["kind"], row["key"], row["tenant"]] for row in keys],
        )
        return
    connection.execute(insert(tables.customers), [_customer_row(c) for c in customers])
    if keys:
        connection.execute(insert(tables.customer_keys), keys)


def _bind_row(connection: Connection, customer: Customer) -> list[Any]:
    """Column values as the database receives them (JSON documents as text)."""
    values = []
    for column in tables.customers.columns:
        value = getattr(customer, column.name)
        processor = column.type.bind_processor(connection.dialect)
        value = processor(value) if processor is not None else value
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False)
        values.append(value)
    return values


def _copy(connection: Connection, table: str, columns: list[str], rows: list[list[Any]]) -> None:
    """``COPY table (columns) FROM STDIN`` through psycopg 3."""
    if not rows:
        return
    driver = connection.connection.driver_connection
    assert driver is not None  # noqa: S101
    names = ", ".join(f'"{name}"' for name in columns)
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
