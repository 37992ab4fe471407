"""What a database failure becomes: a StorageError or Conflict that says why, with the code."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

import globalcrm as gc
from globalcrm.storage import tables
from globalcrm.storage.unit_of_work import UnitOfWork
from tests.rows import GOOD_ROW
from tests.storage.conftest import PG_URL

SECRET = "not-the-password-7Q"


def _refused(url: str) -> gc.StorageError:
    with pytest.raises(gc.StorageError) as caught:
        gc.open(url)
    shown = "".join(traceback.format_exception(caught.value))
    assert SECRET not in shown
    return caught.value


def _postgresql(**parts: object) -> str:
    assert PG_URL is not None
    return make_url(PG_URL).set(**parts).render_as_string(hide_password=False)  # type: ignore[arg-type]


def test_why_a_database_cannot_be_opened(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        missing = tmp_path / "no" / "such"
        error = _refused(f"sqlite:///{missing / 'crm.db'}")
        assert str(error) == f"the directory of the SQLite file does not exist: {missing}"
        assert error.sqlstate == "SQLITE_CANTOPEN"
        assert str(_refused(f"sqlite:///{tmp_path}")) == (
            f"the path of the SQLite file is a directory: {tmp_path}"
        )
        junk = tmp_path / "notes.db"
        junk.write_bytes(b"these are not the pages of a SQLite database " * 100)
        error = _refused(f"sqlite:///{junk}")
        assert str(error) == "the file is not a SQLite database (SQLITE_NOTADB)"
        return
    url = make_url(_postgresql())
    target = f"{url.host}:{url.port or 5432}"
    error = _refused(_postgresql(password=SECRET))
    assert str(error) == f"authentication failed for user {url.username!r} at {target}"
    assert error.sqlstate == "28P01"
    error = _refused(_postgresql(database="gcrm_store_no_such_database"))
    assert str(error) == f"database 'gcrm_store_no_such_database' does not exist at {target}"
    assert error.sqlstate == "3D000"
    error = _refused(_postgresql(port=1, password=SECRET))
    assert str(error) == (
        f"could not connect to {url.host}:1: connection refused (is PostgreSQL running there?)"
    )


@pytest.fixture
def stored(crm: gc.CRM) -> gc.CRM:
    """The CRM with one customer in it."""
    assert crm.customers.import_rows([GOOD_ROW]).imported == 1
    return crm


def test_a_key_clash_in_the_database_is_a_conflict_naming_the_constraint(
    stored: gc.CRM, backend: str
) -> None:
    with pytest.raises(gc.Conflict) as caught, UnitOfWork(stored._engine, "default") as uow:
        assert uow.session is not None
        uow.session.execute(text("INSERT INTO customers SELECT * FROM customers"))
    conflict = caught.value
    assert conflict.constraint == "pk_customers"
    assert conflict.sqlstate == ("23505" if backend == "postgresql"
                                 else "SQLITE_CONSTRAINT_PRIMARYKEY")
    assert str(conflict) == "a record with the same key is already stored (constraint pk_customers)"
    assert conflict.__suppress_context__ and conflict.__cause__ is None
    assert stored.customers.count() == 1


def test_a_missing_table_says_the_schema_is_not_the_one_needed(
    stored: gc.CRM, backend: str
) -> None:
    with stored._engine.begin() as connection:
        connection.execute(text("DROP TABLE customer_keys"))
    try:
        with pytest.raises(gc.StorageError) as caught:
            stored.customers.find_by_email("jonas@example.lt")
    finally:
        tables.customer_keys.create(stored._engine)
    assert str(caught.value).startswith(
        "a table is missing: the schema is not the one this library needs (run `globalcrm migrate`)"
    )
    assert caught.value.sqlstate == ("42P01" if backend == "postgresql" else "SQLITE_ERROR")
