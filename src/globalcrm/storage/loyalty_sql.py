"""Set-based SQL for the points ledger: bulk posting and the rates a batch of earns needs.

Bulk rows skip the ORM and SQLAlchemy's per-row bind processing: ``executemany`` on SQLite and
``COPY`` on PostgreSQL, after the rows were checked and priced by the same domain functions the
single path uses (``globalcrm.loyalty``). Values are encoded once per column with the dialect's
own bind processors, so what lands in the table is what ``insert()`` would have written.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Dialect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.sql import sqltypes

from globalcrm.errors import Conflict, StorageError, translate_errors
from globalcrm.exchange_rates import ExchangeRate
from globalcrm.storage import tables
from globalcrm.storage.column_types import UTCDateTime

__all__ = [
    "ENTRY_COLUMNS",
    "encode_entries",
    "rates_between",
    "refresh_statistics",
    "write_entries",
]

ENTRY_COLUMNS = tuple(column.name for column in tables.loyalty_entries.columns)
"""The ``loyalty_entries`` columns, in the order :func:`write_entries` takes a row's values."""


def rates_between(
    connection: Connection, start: dt.datetime, end: dt.datetime
) -> list[ExchangeRate]:
    """Every published rate with ``start <= as_of <= end`` (a batch's earns span that range)."""
    r = tables.exchange_rates.c
    query = (
        select(r.base, r.quote, r.rate, r.source, r.as_of)
        .where(r.as_of >= start, r.as_of <= end)
        .order_by(r.base, r.quote, r.as_of, r.source)
    )
    return [
        ExchangeRate(
            base=row.base, quote=row.quote, rate=Decimal(row.rate), source=row.source,
            as_of=row.as_of,
        )
        for row in connection.execute(query)
    ]


def encode_entries(
    rows: Iterable[Sequence[Any]], dialect: Dialect
) -> Iterator[tuple[Any, ...]]:
    """Rows in :data:`ENTRY_COLUMNS` order, encoded as the driver takes them, one at a time.

    A value seen before in the same column is encoded once (a batch's recording time, the
    expiry instants shared by a day's lots, the few distinct JSON details).
    """
    encoders = _encoders(f"{dialect.name}+{dialect.driver}")
    memos: list[dict[Any, Any]] = [{} for _ in encoders]
    columns = [(index, encode, memo) for (index, encode), memo in zip(encoders, memos,
                                                                       strict=True)]
    for row in rows:
        if not columns:
            yield tuple(row)
            continue
        values = list(row)
        for index, encode, memo in columns:
            value = values[index]
            if value is None:
                continue
            key = value if value.__hash__ is not None else id(value)
            found = memo.get(key)
            if found is None:
                found = memo[key] = encode(value)
                if len(memo) > 4096:
                    memo.clear()
            values[index] = found
        yield tuple(values)


def write_entries(connection: Connection, rows: Iterable[Sequence[Any]]) -> None:
    """Append ledger rows (in :data:`ENTRY_COLUMNS` order) inside the caller's transaction.

    ``rows`` may be a generator: each row is encoded and sent as it comes, so PostgreSQL stores
    one while the caller works out the next. An error raised by the generator aborts the
    statement, and the caller's transaction with it.
    """
    encoded = encode_entries(rows, connection.dialect)
    names = ", ".join(f'"{name}"' for name in ENTRY_COLUMNS)
    table = tables.loyalty_entries.name
    driver = connection.connection.driver_connection
    assert driver is not None  # noqa: S101 - a live connection
    duplicate, failed = _driver_errors(connection.dialect.name)
    with (
        translate_errors(failed, StorageError, "the database refused the operation"),
        translate_errors(duplicate, Conflict, "the write conflicts with a record already stored"),
    ):
        if connection.dialect.name == "postgresql":
            with driver.cursor() as cursor, cursor.copy(
                f'COPY "{table}" ({names}) FROM STDIN'
            ) as copy:
                for row in encoded:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in ENTRY_COLUMNS)
        cursor = driver.cursor()
        try:  # the driver's own executemany: it takes the generator as it comes
            cursor.executemany(
                f'INSERT INTO "{table}" ({names}) VALUES ({marks})',  # noqa: S608 - fixed names
                encoded,
            )
        finally:
            cursor.close()


def _driver_errors(
    dialect: str,
) -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """The driver's duplicate-key errors and all its errors (the statement bypasses SQLAlchemy)."""
    if dialect == "postgresql":
        import psycopg

        return (psycopg.errors.IntegrityError,), (psycopg.Error,)
    return (sqlite3.IntegrityError,), (sqlite3.Error,)


def refresh_statistics(connection: Connection, added: int) -> bool:
    """On PostgreSQL, ``ANALYZE`` the ledger when ``added`` rows grew it by a tenth or more.

    After a bulk load the planner would otherwise plan the next batch's look-ups against the
    table's old size (scanning where the indexes serve). ``ANALYZE`` samples the rows this
    transaction wrote too. Returns whether it ran; SQLite needs no statistics for these plans.
    """
    if connection.dialect.name != "postgresql" or added <= 0:
        return False
    known = connection.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = 'loyalty_entries'::regclass")
    ).scalar()
    if known is not None and known >= 0 and added * 10 < known:
        return False
    connection.execute(text("ANALYZE loyalty_entries"))
    return True


@functools.cache
def _encoders(dialect: str) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """The columns whose values the driver needs changed, and how, by index."""
    instance: Dialect = make_url(f"{dialect}://").get_dialect()()
    found: list[tuple[int, Callable[[Any], Any]]] = []
    for index, column in enumerate(tables.loyalty_entries.columns):
        kind = column.type
        impl = getattr(kind, "impl", None)
        if isinstance(kind, sqltypes.JSON) or isinstance(impl, sqltypes.JSON):
            found.append((index, _json_text))
            continue
        if instance.name == "postgresql":
            continue  # COPY takes Python values: datetimes, ints and text as they are
        if isinstance(kind, UTCDateTime) and instance.name == "sqlite":
            found.append((index, _sqlite_utc))
            continue
        processor = kind.dialect_impl(instance).bind_processor(instance)
        if processor is not None:
            found.append((index, processor))
    return tuple(found)


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _sqlite_utc(value: dt.datetime) -> str:
    """What ``UTCDateTime`` stores on SQLite (naive UTC, SQLAlchemy's DATETIME text), faster.

    ``tests/storage/test_loyalty_store.py`` checks it against the type's own bind processing.
    """
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _json_text(document: Any) -> str:
    """A document as JSON text; text is taken as a document encoded already (a cached one)."""
    return document if isinstance(document, str) else _JSON.encode(document)
