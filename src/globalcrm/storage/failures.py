"""What a database failure becomes: the one place where a driver's error turns into ours.

By PostgreSQL's SQLSTATE (psycopg's ``diag.sqlstate``; PostgreSQL manual, appendix A "Error
Codes") or SQLite's extended result code (``sqlite_errorname``; https://sqlite.org/rescode.html),
never by echoing the driver's message, which carries SQL parameters and row values. A key clash,
a stale version or a lost race is a ``Conflict``; anything else a ``StorageError`` that says why.
Both keep the code in ``.sqlstate`` (and a ``Conflict`` the constraint's name in
``.constraint``) and are raised ``from None``: the driver's error, with the values it holds, is
not chained to ours.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from globalcrm.errors import Conflict, GlobalCRMError, StorageError
from globalcrm.storage import tables

__all__ = ["is_driver_error", "is_row_refusal", "storage_errors", "translate_storage_error"]

_BUSY = "the database was busy with another write; try again"

_CONFLICTS = {
    "23505": "a record with the same key is already stored",
    "23503": "the record refers to one that is not stored, or one still refers to it",
    "23P01": "the record overlaps one already stored",
    "40001": _BUSY,  # serialization_failure
    "40P01": _BUSY,  # deadlock_detected
    "55P03": _BUSY,  # lock_not_available
}
"""PostgreSQL SQLSTATEs that are a ``Conflict``: a key clash or a lost race."""

_FAILURES = {
    "22001": "a value is longer than its column allows",
    "22003": "a number is out of the range its column allows",
    "23502": "a required value is missing",
    "23514": "a value breaks a check of the database",
    "25006": "the database is read-only",
    "28000": "the database refused the login",
    "3D000": "the database does not exist",
    "42501": "the database user has no permission for this operation",
    "42P01": "a table is missing: the schema is not the one this library needs "
    "(run `globalcrm migrate`)",
    "42703": "a column is missing: the schema is not the one this library needs "
    "(run `globalcrm migrate`)",
    "53100": "the database server's disk is full",
    "53200": "the database server is out of memory",
    "53300": "the database server has too many connections",
    "57014": "the statement was cancelled (a statement timeout or a cancel request)",
    "57P01": "the database server was shut down",
    "57P02": "the database server was shut down",
    "57P03": "the database server is starting or stopping; try again",
}
"""PostgreSQL SQLSTATEs and what they mean to a caller of this library."""

_FAILURE_CLASSES = {
    "08": "the connection to the database was lost",
    "22": "the database refused a value",
    "23": "the database refused the write",
    "40": "the database rolled the transaction back; try again",
    "53": "the database server is out of resources",
    "54": "the statement exceeds a limit of the database",
    "57": "the database server stopped the operation",
    "58": "the database server had a system error",
    "XX": "the database server had an internal error",
}
"""What a whole SQLSTATE class means, for codes not named above."""

_SQLITE = {
    "SQLITE_FULL": "the disk is full",
    "SQLITE_NOTADB": "the file is not a SQLite database",
    "SQLITE_CORRUPT": "the SQLite file is damaged",
    "SQLITE_IOERR": "reading or writing the SQLite file failed (an I/O error)",
    "SQLITE_READONLY": "the SQLite file is read-only",
    "SQLITE_TOOBIG": "a value is larger than SQLite allows",
    "SQLITE_PERM": "the operation is not permitted on the SQLite file",
    "SQLITE_AUTH": "the operation is not authorised on the SQLite file",
    "SQLITE_NOMEM": "SQLite ran out of memory",
    "SQLITE_CONSTRAINT": "the database refused the write (a check or trigger)",
    "SQLITE_CONSTRAINT_NOTNULL": "a required value is missing",
    "SQLITE_CONSTRAINT_CHECK": "a value breaks a check of the database",
    "SQLITE_CONSTRAINT_TRIGGER": "a trigger of the database refused the write",
}
"""SQLite's primary and extended result codes (by name) and what they mean here."""

_SQLITE_CONFLICTS = {
    "SQLITE_CONSTRAINT_PRIMARYKEY": "a record with the same key is already stored",
    "SQLITE_CONSTRAINT_UNIQUE": "a record with the same key is already stored",
    "SQLITE_CONSTRAINT_ROWID": "a record with the same key is already stored",
    "SQLITE_CONSTRAINT_FOREIGNKEY": _CONFLICTS["23503"],
    "SQLITE_BUSY": _BUSY,
    "SQLITE_LOCKED": _BUSY,
}

_SQLITE_COLUMNS = re.compile(r"(?:UNIQUE|NOT NULL) constraint failed: ((?:\w+\.\w+(?:, )?)+)$")
"""SQLite names the columns of a failed unique or not-null constraint only in its message
(``UNIQUE constraint failed: customers.tenant, customers.id``): schema names, never values."""


def translate_storage_error(error: BaseException, *, url: URL | None = None) -> GlobalCRMError:
    """The ``globalcrm`` error for a storage error: SQLAlchemy's, or a driver's own.

    ``url`` (the engine's) lets a failed connection say what it tried to reach; the password is
    never shown. The result carries no SQL, parameter or value: raise it ``from None``.
    """
    if isinstance(error, GlobalCRMError):
        return error
    if isinstance(error, StaleDataError):
        return Conflict("the record was changed by someone else; reload it and try again")
    orig: BaseException = error
    if isinstance(error, DBAPIError) and isinstance(error.orig, BaseException):
        orig = error.orig
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str) and name.startswith("SQLITE_"):
        return _from_sqlite(orig, name, url)
    state = getattr(orig, "sqlstate", None)
    if isinstance(state, str) and len(state) == 5:
        return _from_postgresql(orig, state)
    if isinstance(error, OperationalError) or _is_driver_operational(orig):
        return _not_reached(orig, url)
    if isinstance(error, DBAPIError) or is_driver_error(orig):
        return StorageError("the database refused the operation")
    return StorageError("the storage layer failed")


def is_row_refusal(error: BaseException) -> bool:
    """Whether the database refused a row's values (a key clash, a check, a value too long).

    Such an error concerns the rows written, not the database: written one by one, the other
    rows would be stored. Anything else (a lost connection, a full disk, a missing table, a
    lock) concerns every row. By the DB-API's classes, which both drivers map their codes to.
    """
    return isinstance(error, IntegrityError | DataError)


def _known_constraint(name: object) -> str | None:
    """``name`` if it is a constraint or index of this schema (a trigger may name anything)."""
    if not isinstance(name, str):
        return None
    for table in tables.metadata.tables.values():
        names = {item.name for item in table.constraints} | {item.name for item in table.indexes}
        if name in names:
            return name
    return None


def _known_column(table: object, column: object) -> str | None:
    """``table.column`` if both are this schema's, else ``None``."""
    found = tables.metadata.tables.get(table) if isinstance(table, str) else None
    if found is None or not isinstance(column, str) or column not in found.columns:
        return None
    return f"{table}.{column}"


def _from_postgresql(orig: BaseException, state: str) -> GlobalCRMError:
    diag = getattr(orig, "diag", None)
    constraint = _known_constraint(getattr(diag, "constraint_name", None))
    where_column = _known_column(getattr(diag, "table_name", None),
                                 getattr(diag, "column_name", None))
    if state in _CONFLICTS:
        where = f" (constraint {constraint})" if constraint else ""
        conflict = Conflict(f"{_CONFLICTS[state]}{where}")
        conflict.sqlstate, conflict.constraint = state, constraint
        return conflict
    text = _FAILURES.get(state) or _FAILURE_CLASSES.get(state[:2])
    text = text or "the database refused the operation"
    if where_column:
        text = f"{text} ({where_column})"
    failure = StorageError(f"{text} (SQLSTATE {state})")
    failure.sqlstate = state
    return failure


def _from_sqlite(orig: BaseException, name: str, url: URL | None) -> GlobalCRMError:
    primary = name.split("_", 2)
    family = "_".join(primary[:2])  # SQLITE_BUSY_SNAPSHOT -> SQLITE_BUSY
    conflict_text = _SQLITE_CONFLICTS.get(name) or _SQLITE_CONFLICTS.get(family)
    if conflict_text is not None:
        constraint = _sqlite_constraint(orig)
        where = f" (constraint {constraint})" if constraint else ""
        conflict = Conflict(f"{conflict_text}{where}")
        conflict.sqlstate, conflict.constraint = name, constraint
        return conflict
    if family == "SQLITE_CANTOPEN":  # the message ends with the path: no code after it
        failure = StorageError(_cannot_open(url))
        failure.sqlstate = name
        return failure
    if name in _SQLITE:
        text = _SQLITE[name]
        columns = _sqlite_columns(orig)
        where_column = _known_column(*columns[0]) if columns else None
        if name == "SQLITE_CONSTRAINT_NOTNULL" and where_column:
            text = f"{text} ({where_column})"
    elif family in _SQLITE:
        text = _SQLITE[family]
    elif str(orig).startswith("no such table"):  # SQLITE_ERROR: the message is the only sign
        text = _FAILURES["42P01"]
    elif str(orig).startswith(("no such column", "table ")) and "column" in str(orig):
        text = _FAILURES["42703"]
    else:
        text = "the database refused the operation"
    failure = StorageError(f"{text} ({name})")
    failure.sqlstate = name
    return failure


def _sqlite_columns(orig: BaseException) -> list[tuple[str, str]]:
    found = _SQLITE_COLUMNS.search(str(orig))
    if found is None:
        return []
    pairs = [part.split(".", 1) for part in found.group(1).split(", ")]
    return [(table, column) for table, column in pairs]


def _sqlite_constraint(orig: BaseException) -> str | None:
    """The declared name of the unique constraint SQLite names by its columns."""
    columns = _sqlite_columns(orig)
    if not columns or len({table for table, _ in columns}) != 1:
        return None
    table = tables.metadata.tables.get(columns[0][0])
    if table is None:
        return None
    wanted = {column for _, column in columns}
    for constraint in table.constraints:
        names = {column.name for column in getattr(constraint, "columns", ())}
        if names == wanted and isinstance(constraint.name, str):
            return constraint.name
    return None


def _cannot_open(url: URL | None) -> str:
    """Why a SQLite file does not open: its directory, its permissions, or neither known."""
    path = url.database if url is not None else None
    if not path or path == ":memory:" or path.startswith("file:"):
        return "the SQLite file cannot be opened or created"
    file = Path(path)
    if not file.parent.is_dir():
        return f"the directory of the SQLite file does not exist: {file.parent}"
    if file.is_dir():
        return f"the path of the SQLite file is a directory: {file}"
    if file.exists() and not os.access(file, os.R_OK | os.W_OK):
        return f"no permission to read and write the SQLite file: {file}"
    if not file.exists() and not os.access(file.parent, os.W_OK | os.X_OK):
        return f"no permission to create the SQLite file in: {file.parent}"
    return f"the SQLite file cannot be opened or created: {file}"


def _not_reached(orig: BaseException, url: URL | None) -> StorageError:
    """A PostgreSQL connection that failed before the server gave a SQLSTATE.

    libpq reports a failed connection as text only, without a SQLSTATE; the server's (English)
    wording tells a refused login from a missing database. What is shown comes from the URL
    (user, database, host), never from the message, and never the password.
    """
    if url is None or url.get_backend_name() != "postgresql":
        return StorageError("the database could not be reached")
    message = str(orig)
    target = f"{url.host or 'localhost'}:{url.port or 5432}"
    state = None
    if "password authentication failed" in message:
        text, state = f"authentication failed for user {url.username!r} at {target}", "28P01"
    elif f'database "{url.database}" does not exist' in message:
        text, state = f"database {url.database!r} does not exist at {target}", "3D000"
    elif f'role "{url.username}" does not exist' in message:
        text, state = f"there is no user {url.username!r} at {target}", "28000"
    elif "authentication" in message or "no pg_hba.conf entry" in message:
        text, state = f"the server at {target} refused the login of {url.username!r}", "28000"
    elif "Connection refused" in message:
        text = f"could not connect to {target}: connection refused (is PostgreSQL running there?)"
    elif "could not translate host name" in message:
        text = f"unknown host {url.host!r}"
    elif "timeout expired" in message:
        text = f"could not connect to {target}: timed out"
    elif "server closed the connection" in message or "consuming input failed" in message:
        text = f"the server at {target} closed the connection"
    else:
        text = f"could not connect to the PostgreSQL server at {target}"
    failure = StorageError(text)
    failure.sqlstate = state
    return failure


def is_driver_error(orig: BaseException) -> bool:
    """A DB-API error of a driver (``psycopg.Error``, ``sqlite3.Error``), not wrapped."""
    return any(klass.__name__ == "Error" and klass.__module__ in ("psycopg", "sqlite3")
               for klass in type(orig).__mro__)


def _is_driver_operational(orig: BaseException) -> bool:
    return is_driver_error(orig) and any(
        klass.__name__ == "OperationalError" for klass in type(orig).__mro__
    )


@contextmanager
def storage_errors(url: URL | None = None) -> Iterator[None]:
    """Translate storage errors raised inside the block (raised ``from None``)."""
    try:
        yield
    except SQLAlchemyError as error:
        translated = translate_storage_error(error, url=url)
    else:
        return
    raise translated from None


