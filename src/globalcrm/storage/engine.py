"""Engines configured so that transactions are real on every supported database.

SQLite (the embedded default): foreign keys on, WAL journal, a busy timeout, and SQLAlchemy's
documented recipe that takes transaction control from the Python driver and emits ``BEGIN``
itself (``BEGIN IMMEDIATE`` for writes, so two writers queue instead of failing half-way), which
makes rollbacks and savepoints real on Python 3.11. PostgreSQL (the scale-out target): psycopg 3.
Both keep SQL parameters out of SQLAlchemy's error messages (``hide_parameters``): they hold
customers' values.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from globalcrm.errors import ConfigurationError, InvalidComponent, InvalidFormat

__all__ = ["WRITE", "make_engine", "parse_url"]

WRITE = {"globalcrm_write": True}
"""Execution options of a connection that will write (``BEGIN IMMEDIATE`` on SQLite)."""

SUPPORTED = ("sqlite", "postgresql")


def parse_url(url: object) -> URL:
    """Parse and check a database URL; only SQLite and PostgreSQL are supported."""
    if isinstance(url, URL):
        parsed = url
    elif isinstance(url, str) and url.strip() and "\x00" not in url:
        try:
            parsed = make_url(url.strip())
        except (ArgumentError, ValueError):
            # not chained: SQLAlchemy's message repeats the URL, password and all
            raise InvalidFormat(
                "not a database URL (e.g. 'sqlite:///crm.db')", field="url"
            ) from None
    else:
        raise InvalidFormat("expected a database URL such as 'sqlite:///crm.db'", field="url")
    if parsed.get_backend_name() not in SUPPORTED:
        raise InvalidComponent(
            f"database {parsed.get_backend_name()!r} is not supported (use sqlite or postgresql)",
            field="url",
        )
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: object, **options: Any) -> Engine:
    """Create an engine for ``url`` with the settings this library relies on."""
    parsed = parse_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed, hide_parameters=True, **options)
            _configure_sqlite(engine, in_memory=parsed.database in (None, "", ":memory:"))
        else:
            engine = create_engine(parsed, pool_pre_ping=True, hide_parameters=True, **options)
    except NoSuchModuleError as error:
        raise ConfigurationError(
            f"no driver for {parsed.drivername!r}; install globalcrm[postgresql]", field="url"
        ) from error
    except ImportError as error:
        raise ConfigurationError(
            f"the driver for {parsed.drivername!r} is not installed; install globalcrm[postgresql]",
            field="url",
        ) from error
    return engine


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("globalcrm_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")
