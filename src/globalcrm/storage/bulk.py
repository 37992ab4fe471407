"""Bulk writes that skip the ORM: multi-row ``INSERT`` statements on SQLite, ``COPY`` on PostgreSQL.

Rows are validated first by the same checks ``Customer(...)`` runs
(``globalcrm.customers.check_customer_fields``). :func:`encode_customers` turns the checked
values into the driver's row tuples (the same bind processing as the ORM path); it needs no
connection, so a big import can run it in worker processes. :func:`write_customers` moves the
encoded rows into the tables, inside the caller's transaction; :func:`write_each` does the same
in a savepoint and, when the database refuses some rows' values, finds those rows and stores
the others. The driver's own errors from ``COPY`` are wrapped as SQLAlchemy wraps the others,
so that ``globalcrm.storage.unit_of_work.translate_storage_error`` sees one kind of error.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Dialect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import sqltypes

from globalcrm.customers import field_defaults, search_keys
from globalcrm.storage import tables
from globalcrm.storage.column_types import JSONOf
from globalcrm.storage.failures import is_row_refusal

__all__ = [
    "CustomerRow",
    "KeyRow",
    "dialect_key",
    "encode_customers",
    "existing_ids",
    "insert_customers",
    "insert_rows",
    "insert_tuples",
    "key_owners",
    "write_customers",
    "write_each",
]

CustomerRow = tuple[Any, ...]
"""One ``customers`` row as the driver takes it, in the table's column order."""
KeyRow = tuple[str, str, str, str]
"""One ``customer_keys`` row: customer id, kind, key, tenant."""

_CUSTOMER_COLUMNS = [column.name for column in tables.customers.columns]
_KEY_COLUMNS = ["customer_id", "kind", "key", "tenant"]
_IN_COLUMN_ORDER = operator.itemgetter(*_CUSTOMER_COLUMNS)
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
# ``JSONEncoder.encode`` builds its C encoder anew on every call, which costs more than encoding
# a small document; CPython's json module exposes that builder, so one is built here and kept.
_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODE: Callable[[Any, int], Sequence[str]] | None = (
    None
    if _make_encoder is None
    else _make_encoder(
        None, _JSON.default, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )
)


def dialect_key(dialect: Dialect) -> str:
    """``"sqlite+pysqlite"``, ``"postgresql+psycopg"``: what :func:`encode_customers` takes."""
    return f"{dialect.name}+{dialect.driver}"


def existing_ids(connection: Connection, tenant: str, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` the tenant already has (ids are unique within a tenant)."""
    found: set[str] = set()
    c = tables.customers.c
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        found.update(connection.scalars(select(c.id).where(c.tenant == tenant, c.id.in_(chunk))))
    return found


def key_owners(
    connection: Connection, tenant: str, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], set[str]]:
    """The ids of the tenant's customers holding each ``(kind, key)`` search key."""
    owners: dict[tuple[str, str], set[str]] = {}
    k = tables.customer_keys.c
    by_kind: dict[str, list[str]] = {}
    for kind, key in dict.fromkeys(keys):
        by_kind.setdefault(kind, []).append(key)
    for kind, wanted in by_kind.items():
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            query = select(k.key, k.customer_id).where(
                k.tenant == tenant, k.kind == kind, k.key.in_(chunk)
            )
            for key, customer_id in connection.execute(query):
                owners.setdefault((kind, key), set()).add(customer_id)
    return owners


def encode_customers(
    customers: Sequence[Mapping[str, Any]], dialect: str
) -> tuple[list[CustomerRow], list[KeyRow]]:
    """Driver rows for new customers (checked fields) and their search keys.

    ``dialect`` is a :func:`dialect_key`; values go through each column's own bind processing
    (JSON documents are encoded to text here, once). The version of a new row is 1.
    """
    encoders = _encoders(dialect)
    rows: list[CustomerRow] = []
    keys: list[KeyRow] = []
    for values in customers:
        row = list(_IN_COLUMN_ORDER(values))
        for index, encode, default, encoded_default in encoders:
            value = row[index]
            # a field left at its default (most of a new customer's) is the default object
            row[index] = encoded_default if value is default else encode(value)
        rows.append(tuple(row))
        customer_id, tenant = values["id"], values["tenant"]
        names = (values["name"], *values["other_names"])
        for kind, key in search_keys(
            names, values["emails"], values["phones"], values["handles"], values["external_ids"]
        ):
            keys.append((customer_id, kind, key, tenant))
    return rows, keys


def write_customers(
    connection: Connection, rows: Sequence[CustomerRow], keys: Sequence[KeyRow]
) -> None:
    """Insert encoded rows: multi-row ``INSERT`` statements (SQLite) or ``COPY`` (PostgreSQL)."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        _copy(connection, tables.customers.name, _CUSTOMER_COLUMNS, rows)
        _copy(connection, tables.customer_keys.name, _KEY_COLUMNS, keys)
        return
    _insert_values(connection, tables.customers.name, _CUSTOMER_COLUMNS, rows)
    _insert_values(connection, tables.customer_keys.name, _KEY_COLUMNS, keys)


def write_each(
    session: Session,
    rows: Sequence[CustomerRow],
    keys: Sequence[Sequence[KeyRow]],
    *,
    keep: bool = True,
) -> list[tuple[int, DBAPIError]]:
    """Insert ``rows`` (``keys[i]`` the keys of ``rows[i]``); return the ones the database refused.

    All rows go in one savepoint. If the database refuses the values of some of them (a key
    already stored, a check, a trigger: :func:`is_row_refusal`), the rows are halved and each
    half tried in its own savepoint until every refused row is found alone; the others are
    stored, or, with ``keep=False`` (an all-or-nothing import that must store nothing once one
    row fails), only tried and rolled back. Returns each refused row's index and error; an error
    that is not about rows (the connection, the disk, the schema) is raised as it is.
    """
    if not rows:
        return []
    error = _attempt(session, rows, [key for row_keys in keys for key in row_keys], keep=True)
    if error is None:
        return []
    return _search(session, list(range(len(rows))), error, rows, keys, keep=keep)


def _attempt(
    session: Session, rows: Sequence[CustomerRow], keys: Sequence[KeyRow], *, keep: bool
) -> DBAPIError | None:
    """Write in a savepoint: ``None`` if the database took every row, else its row refusal."""
    savepoint = session.begin_nested()
    try:
        write_customers(session.connection(), rows, keys)
    except DBAPIError as error:
        savepoint.rollback()
        if not is_row_refusal(error):
            raise
        return error
    except BaseException:
        savepoint.rollback()
        raise
    if keep:
        savepoint.commit()
    else:
        savepoint.rollback()
    return None


def _search(
    session: Session,
    indexes: list[int],
    error: DBAPIError,
    rows: Sequence[CustomerRow],
    keys: Sequence[Sequence[KeyRow]],
    *,
    keep: bool,
) -> list[tuple[int, DBAPIError]]:
    """The refused rows among ``indexes``, which the database refused together with ``error``."""
    if len(indexes) == 1:
        return [(indexes[0], error)]
    refused: list[tuple[int, DBAPIError]] = []
    middle = len(indexes) // 2
    for half in (indexes[:middle], indexes[middle:]):
        rows_of_half = [rows[index] for index in half]
        keys_of_half = [key for index in half for key in keys[index]]
        problem = _attempt(session, rows_of_half, keys_of_half, keep=keep)
        if problem is not None:
            refused.extend(_search(session, half, problem, rows, keys, keep=keep))
    return refused


def insert_customers(connection: Connection, customers: Sequence[Mapping[str, Any]]) -> None:
    """Insert new customers (checked fields, see ``check_customer_fields``) and their keys."""
    rows, keys = encode_customers(customers, dialect_key(connection.dialect))
    write_customers(connection, rows, keys)


_NO_DEFAULT = object()


@functools.cache
def _encoders(dialect: str) -> tuple[tuple[int, Callable[[Any], Any], Any, Any], ...]:
    """The columns of ``customers`` whose values the driver needs changed, and how, by index.

    Each with the field's plain default (``()``, ``None``) and its encoded form, so that a
    field left at its default is not encoded again for every row.
    """
    instance: Dialect = make_url(f"{dialect}://").get_dialect()()
    encoders: list[tuple[int, Callable[[Any], Any]]] = []
    for index, column in enumerate(tables.customers.columns):
        kind = column.type
        if column.name == "version":
            encoders.append((index, _first_version))
        elif isinstance(kind, JSONOf):
            encoders.append((index, _document_encoder(kind)))
        elif isinstance(kind, sqltypes.JSON) or isinstance(
            getattr(kind, "impl", None), sqltypes.JSON
        ):
            encoders.append((index, _json_text))
        else:
            # the dialect's own form of the type, as the ORM path uses (SQLite: ISO text)
            processor = kind.dialect_impl(instance).bind_processor(instance)
            if processor is not None:
                encoders.append((index, _RepeatLast(processor)))
    defaults = field_defaults()
    columns = tables.customers.columns
    with_defaults = []
    for index, encode in encoders:
        default = defaults.get(columns[index].name, _NO_DEFAULT)
        encoded = None if default is _NO_DEFAULT else encode(default)
        with_defaults.append((index, encode, default, encoded))
    return tuple(with_defaults)


def _first_version(value: object) -> int:
    return 1


def _document_encoder(kind: JSONOf) -> Callable[[Any], str | None]:
    """A domain value's JSON document as text; the empty tuple, most common, without encoding."""
    dump = kind.dump  # what process_bind_param calls, without its None check and dialect

    def encode(value: Any) -> str | None:
        if value is None:
            return None
        if value.__class__ is tuple and not value:  # not ==: a domain value's __eq__ is slower
            return "[]"
        return _json_text(dump(value))

    return encode


class _RepeatLast:
    """A bind processor that reuses its last result for the same object (an import's stamp)."""

    def __init__(self, processor: Callable[[Any], Any]) -> None:
        self._processor = processor
        self._last: tuple[Any, Any] = (object(), None)

    def __call__(self, value: Any) -> Any:
        last_value, last_result = self._last
        if value is last_value:
            return last_result
        result = self._processor(value)
        self._last = (value, result)
        return result


def _json_text(document: Any) -> str | None:
    if document is None:
        return None
    if not document and isinstance(document, list | tuple | dict):
        return "{}" if isinstance(document, dict) else "[]"
    if _C_ENCODE is None:
        text: str = _JSON.encode(document)
        return text
    return "".join(_C_ENCODE(document, 0))


def _insert_values(
    connection: Connection, table: str, columns: list[str], rows: Sequence[Sequence[Any]]
) -> None:
    """The rows as ``INSERT ... VALUES (?, ...), (?, ...), ...``: many rows per statement.

    SQLite runs one statement of a few hundred rows about a quarter faster than the driver's
    ``executemany`` of one row per statement (one step and reset instead of hundreds), with
    the same atomicity: a refused row fails its whole statement. A value that every row of a
    statement holds (the very same object: the tenant, an import's time, a field at its
    default) is bound once and named by number in each row (``?1``): binding copies each text,
    and it is done holding Python's lock.
    """
    if not rows:
        return
    per = _rows_per_statement(connection, len(columns))
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        if len(chunk) > 1 and set(map(len, chunk)) == {len(columns)}:
            by_column = list(zip(*chunk, strict=True))
            shared = tuple(
                all(map(operator.is_, values, itertools.repeat(values[0]))) for values in by_column
            )
        else:  # one row, or rows of the wrong width: the driver refuses them as it would
            by_column, shared = [], (False,) * len(columns)
        statement = _statement(table, tuple(columns), len(chunk), shared)
        if any(shared):
            pairs = list(zip(by_column, shared, strict=True))
            constants = [values[0] for values, same in pairs if same]
            own = zip(*(values for values, same in pairs if not same), strict=True)  # by row
            parameters = tuple(itertools.chain(constants, itertools.chain.from_iterable(own)))
        else:
            parameters = tuple(itertools.chain.from_iterable(chunk))
        connection.exec_driver_sql(statement, parameters)


@functools.lru_cache(maxsize=64)
def _statement(table: str, columns: tuple[str, ...], count: int, shared: tuple[bool, ...]) -> str:
    """The ``INSERT`` of ``count`` rows; the ``shared`` columns' values come first, once each.

    Parameters are numbered (``?1``, ``?2``...): the shared values, then each row's own values
    in order, so the statement takes them as one flat sequence.
    """
    names = ", ".join(f'"{name}"' for name in columns)
    head = f'INSERT INTO "{table}" ({names}) VALUES '  # noqa: S608 - fixed names
    if not any(shared):
        return head + ", ".join(["(" + ", ".join("?" for _ in columns) + ")"] * count)
    constants = itertools.count(1)
    refs = [f"?{next(constants)}" if same else None for same in shared]
    number = itertools.count(sum(shared) + 1)
    values = (
        "(" + ", ".join(ref if ref is not None else f"?{next(number)}" for ref in refs) + ")"
        for _ in range(count)
    )
    return head + ", ".join(values)


def _rows_per_statement(connection: Connection, width: int) -> int:
    """How many rows of ``width`` values one SQLite statement takes (its variable limit)."""
    driver = connection.connection.driver_connection
    getlimit = getattr(driver, "getlimit", None)
    limit = 999 if getlimit is None else int(getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return max(1, min(500, limit // width))


def insert_tuples(
    connection: Connection, table: str, columns: list[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert rows already in the driver's form: ``COPY`` on PostgreSQL, multi-row on SQLite."""
    if connection.dialect.name == "postgresql":
        _copy(connection, table, columns, rows)
    else:
        _insert_values(connection, table, columns, rows)


def _copy(
    connection: Connection, table: str, columns: list[str], rows: Sequence[Sequence[Any]]
) -> None:
    """``COPY table (columns) FROM STDIN`` through psycopg 3."""
    if not rows:
        return
    driver = connection.connection.driver_connection
    assert driver is not None  # noqa: S101
    names = ", ".join(f'"{name}"' for name in columns)
    statement = f'COPY "{table}" ({names}) FROM STDIN'
    dbapi = connection.dialect.loaded_dbapi
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as error:
        # as SQLAlchemy wraps a driver's error on its own paths, without the rows' values
        wrapped = DBAPIError.instance(
            statement, None, error, dbapi.Error, hide_parameters=True, dialect=connection.dialect
        )
        raise wrapped from None


# --------------------------------------------------------------------------- any table
# Added for purchase history imports: the same moves for another table's rows.


def insert_rows(connection: Connection, table: Any, rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows of ``table`` given in its column order, as Python values (bulk, no ORM).

    Each value goes through its column's bind processing (JSON documents to text, times to
    the dialect's form), then multi-row ``INSERT`` statements (SQLite) or one ``COPY`` (PostgreSQL).
    """
    if not rows:
        return
    encoders = _table_encoders(table, dialect_key(connection.dialect))
    encoded = []
    for row in rows:
        values = list(row)
        for index, encode in encoders:
            values[index] = encode(values[index])
        encoded.append(tuple(values))
    columns = [column.name for column in table.columns]
    if connection.dialect.name == "postgresql":
        _copy(connection, table.name, columns, encoded)
    else:
        _insert_values(connection, table.name, columns, encoded)


@functools.cache
def _table_encoders(table: Any, dialect: str) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """How each column of ``table`` that needs it is encoded for ``dialect``, by index."""
    instance: Dialect = make_url(f"{dialect}://").get_dialect()()
    encoders: list[tuple[int, Callable[[Any], Any]]] = []
    for index, column in enumerate(table.columns):
        kind = column.type
        if isinstance(kind, JSONOf):
            encoders.append((index, _document_encoder(kind)))
        elif isinstance(kind, sqltypes.JSON) or isinstance(
            getattr(kind, "impl", None), sqltypes.JSON
        ):
            encoders.append((index, _json_text))
        else:
            processor = kind.dialect_impl(instance).bind_processor(instance)
            if processor is not None:  # rows of a batch often share a value (its instant)
                encoders.append((index, _RepeatLast(processor)))
    return tuple(encoders)
