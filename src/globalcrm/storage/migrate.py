"""Schema migrations through Alembic, shipped inside the package (``globalcrm.storage:migrations``).

``upgrade`` brings any database to the schema this version of the library needs; ``check``
compares the migrated schema with the tables the code declares (Alembic's autogenerate diff).
"""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from globalcrm.errors import StorageError
from globalcrm.storage.unit_of_work import translate_storage_error

__all__ = ["current", "diff", "downgrade", "head", "upgrade"]


def _config(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", "globalcrm.storage:migrations")
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The revision this version of the library needs."""
    script = ScriptDirectory.from_config(_config(None))
    revision = script.get_current_head()
    if revision is None:  # pragma: no cover - the package always ships migrations
        raise StorageError("no migrations are packaged")
    return revision


def current(engine: Engine) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as error:
        raise translate_storage_error(error) from error


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up to ``revision`` in one transaction."""
    try:
        with engine.begin() as connection:
            command.upgrade(_config(connection), revision)
    except SQLAlchemyError as error:
        raise translate_storage_error(error) from error


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database down to ``revision`` (``"base"`` empties it)."""
    try:
        with engine.begin() as connection:
            command.downgrade(_config(connection), revision)
    except SQLAlchemyError as error:
        raise translate_storage_error(error) from error


def diff(engine: Engine) -> list[Any]:
    """Differences between the database schema and the declared tables (empty when in sync)."""
    from alembic.autogenerate import compare_metadata

    from globalcrm.storage.tables import metadata

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return list(compare_metadata(context, metadata))
