"""Bulk writes that skip the ORM: Core ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Rows are validated first by the same checks ``Customer(...)`` runs
(``globalcrm.customers.check_customer_fields``); this module only moves the checked values into
the tables, inside the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.sql import sqltypes

from globalcrm.customers import search_keys
from globalcrm.storage import tables
from globalcrm.storage.column_types import JSONOf

__all__ = ["existing_ids", "insert_customers"]

_CUSTOMER_COLUMNS = [column.name for column in tables.customers.columns]
_KEY_COLUMNS = ["customer_id", "kind", "key", "tenant"]


def existing_ids(connection: Connection, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` are already stored (any tenant: ids are global)."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        query = select(tables.customers.c.id).where(tables.customers.c.id.in_(chunk))
        found.update(connection.scalars(query))
    return found


def key_rows_of(values: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """``customer_keys`` rows for one customer's checked fields."""
    keys = search_keys(
        (values["name"], *values["other_names"]), values["emails"], values["phones"],
        values["handles"],
    )
    return [(values["id"], kind, key, values["tenant"]) for kind, key in keys]


def insert_customers(connection: Connection, customers: Sequence[Mapping[str, Any]]) -> None:
    """Insert new customers (checked fields, see ``check_customer_fields``) and their search keys.

    Values go through each column's own bind processing (the same as the ORM path), then to the
    driver in one ``executemany`` (SQLite) or one ``COPY`` per table (PostgreSQL).
    """
    if not customers:
        return
    dialect = connection.dialect
    processors = [_processor(column, dialect) for column in tables.customers.columns]
    rows = []
    keys: list[tuple[str, str, str, str]] = []
    for values in customers:
        row = []
        for name, processor in zip(_CUSTOMER_COLUMNS, processors, strict=True):
            value = 1 if name == "version" else values[name]
            row.append(processor(value) if processor is not None else value)
        rows.append(row)
        keys.extend(key_rows_of(values))
    if dialect.name == "postgresql":
        _copy(connection, tables.customers.name, _CUSTOMER_COLUMNS, rows)
        _copy(connection, tables.customer_keys.name, _KEY_COLUMNS, keys)
        return
    _executemany(connection, tables.customers.name, _CUSTOMER_COLUMNS, rows)
    _executemany(connection, tables.customer_keys.name, _KEY_COLUMNS, keys)


def _processor(column: Any, dialect: Any) -> Any:
    """The column's bind processing; JSON documents are encoded here, to text, once."""
    kind = column.type
    if isinstance(kind, JSONOf):
        return lambda value: "[]" if value == () else _json_text(
            kind.process_bind_param(value, dialect)
        )
    if isinstance(kind, sqltypes.JSON) or isinstance(
        getattr(kind, "impl", None), sqltypes.JSON
    ):
        return _json_text
    return kind.bind_processor(dialect)


def _json_text(document: Any) -> str | None:
    if document is None:
        return None
    if not document:
        return "[]" if isinstance(document, list | tuple) else "{}"
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _executemany(
    connection: Connection, table: str, columns: list[str], rows: Sequence[Sequence[Any]]
) -> None:
    """One ``INSERT ... VALUES (?, ...)`` run by the driver's ``executemany``."""
    if not rows:
        return
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" for _ in columns)
    statement = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608 - fixed names
    connection.exec_driver_sql(statement, [tuple(row) for row in rows])


def _copy(
    connection: Connection, table: str, columns: list[str], rows: Sequence[Sequence[Any]]
) -> None:
    """``COPY table (columns) FROM STDIN`` through psycopg 3."""
    if not rows:
        return
    driver = connection.connection.driver_connection
    assert driver is not None  # noqa: S101
    names = ", ".join(f'"{name}"' for name in columns)
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


