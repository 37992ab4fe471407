"""Bulk import against a database that refuses: rows it refuses are row errors, the rest stored;
a failure that is not about rows stops the import saying from which row and what is stored."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, text

import globalcrm as gc
from globalcrm.storage import tables
from tests.rows import GOOD_ROW

LONG_EMAIL = "j" * 64 + "@" + "d" * 63 + "." + "e" * 62 + ".example.lt"
"""A valid address of 202 characters (RFC 5321 allows 254: 64 before the @, 63 per label)."""
TAKEN = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def _rows(n: int) -> list[dict[str, str]]:
    return [
        {**GOOD_ROW, "given": f"Jonas{i}", "emails": f"jonas.{i}@example.lt",
         "phones": f"+370 612 {10000 + i}"}
        for i in range(1, n + 1)
    ]


def test_a_long_valid_email_imports_on_both_databases(crm: gc.CRM) -> None:
    rows = _rows(5000)
    rows[4500]["emails"] = LONG_EMAIL
    report = crm.customers.import_rows(rows)
    assert (report.imported, report.errors) == (5000, [])
    assert [c.name.given for c in crm.customers.find_by_email(LONG_EMAIL.upper())] == ["Jonas4501"]


# --------------------------------------------------------------------------- rows refused


@pytest.fixture
def refusing(crm: gc.CRM, backend: str) -> Iterator[gc.CRM]:
    """The CRM, whose database refuses (by a trigger) customers with 'refuse-me' in an email.

    On PostgreSQL the refusal's message carries the row's name and emails, as a careless
    trigger's would: none of it may reach an error of the library.
    """
    engine: Engine = crm._engine
    with engine.begin() as connection:
        if backend == "sqlite":
            connection.execute(text(
                "CREATE TRIGGER refuse_marked BEFORE INSERT ON customers "
                "WHEN NEW.emails LIKE '%refuse-me%' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            ))
        else:
            connection.execute(text(
                "CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.emails::text LIKE '%refuse-me%' THEN RAISE EXCEPTION 'refused % %', "
                "NEW.name, NEW.emails USING ERRCODE = 'check_violation'; END IF; "
                "RETURN NEW; END $$"
            ))
            connection.execute(text(
                "CREATE TRIGGER refuse_marked BEFORE INSERT ON customers "
                "FOR EACH ROW EXECUTE FUNCTION refuse_marked()"
            ))
    yield crm
    with engine.begin() as connection:
        connection.execute(text(
            "DROP TRIGGER refuse_marked" + ("" if backend == "sqlite" else " ON customers")
        ))
        if backend != "sqlite":
            connection.execute(text("DROP FUNCTION refuse_marked()"))


def _marked(n: int, marked: tuple[int, ...]) -> list[dict[str, str]]:
    rows = _rows(n)
    for number in marked:
        rows[number - 1].update(given=f"Ona{number}", emails=f"refuse-me.{number}@example.lt")
    return rows


def test_rows_the_database_refuses_are_row_errors_and_the_others_are_stored(
    refusing: gc.CRM, backend: str
) -> None:
    report = refusing.customers.import_rows(_marked(5000, (2345, 4501)))
    assert [(e.row, e.field, e.code) for e in report.errors] == [
        (2345, None, "storage_error"), (4501, None, "storage_error"),
    ]
    said = ("a value breaks a check of the database (SQLSTATE 23514)" if backend == "postgresql"
            else "a trigger of the database refused the write (SQLITE_CONSTRAINT_TRIGGER)")
    assert report.errors[0].message == f"the database refused the row: {said}"
    assert (report.rows, report.imported, report.committed) == (5000, 4998, True)
    assert refusing.customers.count() == 4998 == len(set(report.ids))
    assert refusing.customers.find_by_email("refuse-me.2345@example.lt") == []
    assert len(refusing.customers.find_by_email("jonas.2346@example.lt")) == 1
    assert len(refusing.customers.search("jonas4999")) == 1  # their search keys too


def test_an_atomic_import_with_a_refused_row_stores_nothing(refusing: gc.CRM) -> None:
    report = refusing.customers.import_rows(_marked(3000, (7, 2999)), atomic=True)
    assert [e.row for e in report.errors] == [7, 2999]
    assert (report.imported, report.committed, report.ids) == (0, False, [])
    assert refusing.customers.count() == 0
    assert refusing.customers.search("jonas8").items == []  # no orphan search keys


def test_a_row_whose_id_a_concurrent_writer_stores_first_is_a_row_error(crm: gc.CRM) -> None:
    rows = _rows(50)
    rows[2]["id"] = TAKEN
    holding = threading.Event()

    def writer() -> None:
        with crm.transaction() as tx:
            tx.customers.add(gc.Customer(
                id=TAKEN, name=gc.PersonName(given="Ona", locale="lt"), country="LT",
                language="lt", time_zone="Europe/Vilnius", currency="EUR",
            ))
            holding.set()
            time.sleep(1.0)  # the import starts while this transaction holds the id

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(30)
    report = crm.customers.import_rows(rows)
    thread.join()
    assert [(e.row, e.field, e.code, e.message) for e in report.errors] == [
        (3, "id", "conflict", "a customer with this id is already stored"),
    ]
    assert report.imported == 49
    assert crm.customers.get(TAKEN).name.given == "Ona"
    assert crm.customers.count() == 50


# --------------------------------------------------------------------------- the import stops


@pytest.fixture
def keys_table_dropped_at(crm: gc.CRM) -> Iterator[list[int]]:
    """A list: the import's progress past its first number drops the search-key table.

    What a concurrent ``DROP TABLE`` or a broken database does: every later write fails, and
    not because of a row. The table is built again afterwards.
    """
    when: list[int] = []
    yield when
    tables.customer_keys.create(crm._engine, checkfirst=True)


def _dropper(crm: gc.CRM, at: list[int]) -> Callable[[int], None]:
    def on_progress(done: int) -> None:
        if done >= at[0] and at[0] > 0:
            at[0] = 0
            with crm._engine.begin() as connection:
                connection.execute(text("DROP TABLE customer_keys"))

    return on_progress


def test_a_failure_that_is_not_about_rows_stops_the_import_saying_what_is_stored(
    crm: gc.CRM, backend: str, keys_table_dropped_at: list[int]
) -> None:
    keys_table_dropped_at.append(4000)
    with pytest.raises(gc.StorageError) as caught:
        crm.customers.import_rows(_rows(5000), on_progress=_dropper(crm, keys_table_dropped_at))
    error = caught.value
    assert error.row == 4001
    assert str(error) == (
        "a table is missing: the schema is not the one this library needs (run `globalcrm "
        f"migrate`) ({'SQLSTATE 42P01' if backend == 'postgresql' else 'SQLITE_ERROR'}): no row "
        "from row 4001 on was stored; the 4000 customers imported from the rows before it stay "
        "stored (row 4001)"
    )
    assert error.report is not None
    assert (error.report.imported, error.report.committed, len(error.report.ids)) == (
        4000, True, 4000
    )
    assert crm.customers.count() == 4000
    assert [c.id for c in crm.customers.list(limit=1)] == error.report.ids[:1]


def test_an_atomic_import_that_fails_stores_nothing_and_says_so(
    crm: gc.CRM, keys_table_dropped_at: list[int]
) -> None:
    keys_table_dropped_at.append(2000)
    with pytest.raises(gc.StorageError) as caught:
        crm.customers.import_rows(
            _rows(3000), atomic=True, on_progress=_dropper(crm, keys_table_dropped_at)
        )
    assert caught.value.row == 1
    assert str(caught.value).endswith(": nothing was stored (the import is atomic) (row 1)")
    assert caught.value.report is not None
    assert (caught.value.report.imported, caught.value.report.committed) == (0, False)
    assert crm.customers.count() == 0


def test_an_import_in_the_callers_transaction_that_stops_keeps_nothing(
    crm: gc.CRM, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("only a PostgreSQL trigger can fail in a way that is not about the row")
    with crm._engine.begin() as connection:
        connection.execute(text(
            "CREATE FUNCTION stop_marked() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.emails::text LIKE '%stop-here%' THEN RAISE EXCEPTION 'stopped' USING "
            "ERRCODE = 'XX000'; END IF; RETURN NEW; END $$"
        ))
        connection.execute(text("CREATE TRIGGER stop_marked BEFORE INSERT ON customers "
                                "FOR EACH ROW EXECUTE FUNCTION stop_marked()"))
    rows = _rows(3000)
    rows[2499]["emails"] = "stop-here@example.lt"
    try:
        with pytest.raises(gc.StorageError) as caught, crm.transaction() as tx:
            tx.customers.import_rows(rows)
    finally:
        with crm._engine.begin() as connection:
            connection.execute(text("DROP TRIGGER stop_marked ON customers"))
            connection.execute(text("DROP FUNCTION stop_marked()"))
    assert str(caught.value) == (
        "the database server had an internal error (SQLSTATE XX000): nothing was stored (the "
        "import is part of the caller's transaction) (row 2001)"
    )
    assert caught.value.report is not None
    assert (caught.value.report.imported, caught.value.report.committed) == (0, False)
    assert crm.customers.count() == 0
