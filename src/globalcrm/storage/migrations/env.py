"""Alembic environment: runs on the connection the caller passes (``globalcrm.storage.migrate``)."""

from alembic import context
from sqlalchemy import create_engine

from globalcrm.storage.tables import metadata

config = context.config


def run() -> None:
    """Migrate on the caller's connection, or on ``sqlalchemy.url`` (alembic command line)."""
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        if url is None:
            raise SystemExit("set sqlalchemy.url or pass a connection")
        engine = create_engine(url)
        with engine.begin() as own:
            _run_on(own)
        return
    _run_on(connection)


def _run_on(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
