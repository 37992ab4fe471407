"""Every storage test runs on SQLite and on PostgreSQL (skipped, with the reason, without a URL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

import globalcrm as gc
from globalcrm.storage import tables

PG_URL = os.environ.get("GLOBALCRM_TEST_DATABASE_URL")
NO_PG = "PostgreSQL not configured: set GLOBALCRM_TEST_DATABASE_URL (scripts/test.sh does)"

_pg_crm: gc.CRM | None = None


def _postgres() -> gc.CRM:
    """The session's PostgreSQL CRM, on a schema emptied first (a run of another version may
    have left its tables and revision behind)."""
    global _pg_crm
    if _pg_crm is None:
        assert PG_URL is not None
        _empty_schema(PG_URL)
        _pg_crm = gc.open(PG_URL)
    return _pg_crm


def _empty_schema(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def clean_postgres(crm: gc.CRM) -> None:
    names = ", ".join(f'"{t.name}"' for t in tables.metadata.sorted_tables)
    with crm._engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not PG_URL:
        pytest.skip(NO_PG)
    return str(request.param)


@pytest.fixture
def crm(backend: str, tmp_path: Path) -> Iterator[gc.CRM]:
    """A fresh, empty CRM on the backend under test."""
    if backend == "sqlite":
        store = gc.open(f"sqlite:///{tmp_path / 'crm.db'}")
        yield store
        store.close()
    else:
        store = _postgres()
        clean_postgres(store)
        yield store
        clean_postgres(store)


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> str:
    """A URL of an empty database on the backend under test (PostgreSQL: tables dropped)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    assert PG_URL is not None
    _empty_schema(PG_URL)
    global _pg_crm
    if _pg_crm is not None:
        _pg_crm.close()
        _pg_crm = None
    return PG_URL
