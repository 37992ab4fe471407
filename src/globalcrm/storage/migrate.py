"""Schema migrations through Alembic, shipped inside the package (``globalcrm.storage:migrations``).

``upgrade`` brings any database to the schema this version of the library needs; ``check``
compares the migrated schema with the tables the code declares (Alembic's autogenerate diff).

Every migration runs in one transaction that holds the schema lock, so that several processes
opening one new database at once do not race each other's ``CREATE TABLE``: on PostgreSQL a
transaction-level advisory lock (``pg_advisory_xact_lock``), on SQLite the write lock itself
(``BEGIN IMMEDIATE``, which waits out the busy timeout). The second process then finds the
schema at head and has nothing left to do.

On SQLite, Alembic's batch mode changes a table by copying it into a new one and dropping the
old; with foreign keys on, that ``DROP TABLE`` deletes the rows of every child table by
``ON DELETE CASCADE``. ``PRAGMA foreign_keys`` cannot change inside a transaction, and
``defer_foreign_keys`` only postpones checks, not cascades, so foreign keys are turned off
before the migration's transaction begins (Alembic's documented recipe for batch mode) and on
again after it; ``PRAGMA foreign_key_check`` must find nothing broken before it commits.
"""

from __future__ import annotations

import contextlib
import functools
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from globalcrm.errors import Conflict, GlobalCRMError, StorageError
from globalcrm.storage.engine import WRITE
from globalcrm.storage.unit_of_work import translate_storage_error

__all__ = ["current", "diff", "downgrade", "head", "revisions", "upgrade"]

SCHEMA_LOCK = 0x67_63_72_6D_5F_73_63_68
"""The key of the PostgreSQL advisory lock that migrations hold (``gcrm_sch`` as 8 bytes)."""

_ATTEMPTS = 6
"""Tries of a migration that found the database busy (about 1.5 s of pauses in all)."""


def _config(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", "globalcrm.storage:migrations")
    config.attributes["connection"] = connection
    return config


@functools.cache
def _script() -> ScriptDirectory:
    """The packaged migrations, read once per process (each read loads every revision file)."""
    return ScriptDirectory.from_config(_config(None))


def head() -> str:
    """The revision this version of the library needs."""
    revision = _script().get_current_head()
    if revision is None:  # pragma: no cover - the package always ships migrations
        raise StorageError("no migrations are packaged")
    return revision


def revisions() -> list[str]:
    """Every packaged revision, oldest first (``head()`` last)."""
    return [script.revision for script in reversed(list(_script().walk_revisions()))]


def current(engine: Engine) -> str | None:
    """The revision the database is at (``None`` for an empty database).

    A revision this library does not know is a ``StorageError``: a newer globalcrm wrote it.
    """
    failure: GlobalCRMError
    try:
        with engine.connect() as connection:
            return _known_revision(connection)
    except SQLAlchemyError as error:
        failure = translate_storage_error(error, url=engine.url)
    raise failure from None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up to ``revision`` in one transaction, holding the schema lock."""

    def up() -> None:
        if revision == "head" and current(engine) == head():
            return  # the usual open of a migrated database: no lock, no write
        _migrate(engine, lambda config: command.upgrade(config, revision), revision)

    _retrying(up)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database down to ``revision`` (``"base"`` empties it), keeping its rows."""
    _retrying(lambda: _migrate(engine, lambda config: command.downgrade(config, revision),
                               revision))


def diff(engine: Engine) -> list[Any]:
    """Differences between the database schema and the declared tables (empty when in sync)."""
    from alembic.autogenerate import compare_metadata

    from globalcrm.storage.tables import metadata

    failure: GlobalCRMError
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            return list(compare_metadata(context, metadata))
    except SQLAlchemyError as error:
        failure = translate_storage_error(error, url=engine.url)
    raise failure from None


def _retrying(step: Callable[[], None]) -> None:
    """Run ``step``; again, after a pause, when the database was busy (SQLite's lock).

    SQLite answers ``SQLITE_BUSY`` without waiting out its busy timeout in some moments of a new
    database, such as while another connection turns it to WAL mode.
    """
    for attempt in range(_ATTEMPTS):
        try:
            step()
        except Conflict:
            if attempt == _ATTEMPTS - 1:
                raise
            time.sleep(0.05 * 2**attempt)
        else:
            return


def _migrate(engine: Engine, step: Callable[[Config], None], target: object) -> None:
    """Run ``step`` in one transaction that holds the schema lock."""
    failure: GlobalCRMError
    try:
        with _locked(engine) as connection:
            _known_revision(connection)
            step(_config(connection))
        return
    except SQLAlchemyError as error:
        failure = translate_storage_error(error, url=engine.url)
    except (CommandError, RevisionError):
        shown = target if isinstance(target, str) and _REVISION.fullmatch(target) else "?"
        failure = StorageError(
            f"cannot migrate to revision {shown!r} from the database's (no such revision, "
            "or not in that direction)"
        )
    raise failure from None


@contextlib.contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the schema lock (foreign keys off on SQLite)."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _foreign_keys(connection, on=False)
        try:
            with connection.execution_options(**WRITE).begin():
                if sqlite:
                    yield connection
                    _check_foreign_keys(connection)
                else:
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK}
                    )
                    yield connection
        finally:
            if sqlite:
                _foreign_keys(connection, on=True)


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    """Set SQLite's ``foreign_keys`` outside any transaction (inside one it does nothing).

    Run on the driver's connection: through SQLAlchemy the statement would begin a transaction.
    A connection that cannot turn them back on is dropped, never returned to the pool.
    """
    driver = connection.connection.driver_connection
    assert driver is not None  # noqa: S101
    try:
        driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    except Exception:
        if on:
            connection.invalidate()
        raise


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        names = sorted({str(row[0]) for row in broken})
        raise StorageError(
            "the migration would leave rows that refer to rows that do not exist "
            f"(in {', '.join(names)}); nothing was changed"
        )


_REVISION = re.compile(r"[A-Za-z0-9_]{1,32}")


def _known_revision(connection: Connection) -> str | None:
    """The database's revision; a newer one than this library knows is a ``StorageError``."""
    heads = MigrationContext.configure(connection).get_current_heads()
    script = _script()
    for revision in heads:
        try:
            known = script.get_revision(revision)
        except CommandError:
            known = None
        if known is None:
            shown = revision if _REVISION.fullmatch(revision) else "unknown to this version"
            raise StorageError(
                f"this database was written by a newer globalcrm (schema {shown}); "
                "upgrade the library"
            )
    if len(heads) > 1:
        raise StorageError("the database is at several schema revisions at once")
    return heads[0] if heads else None
