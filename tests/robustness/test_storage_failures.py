"""Storage failures carry no personal data: not in the message, not in a chained cause.

Each scenario makes the database fail on values we know (a name, an email, a password), catches
the library's error, formats its whole traceback as a logger would (``traceback.format_exception``
follows ``__cause__`` and ``__context__``), and looks for those values in it.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Iterator

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

import globalcrm as gc
from globalcrm.errors import GlobalCRMError
from globalcrm.storage import tables
from globalcrm.storage.unit_of_work import UnitOfWork
from tests.rows import GOOD_ROW
from tests.storage.conftest import PG_URL, clean_postgres

GIVEN = "Jurgita-Secretname"
EMAIL = "jurgita.secret@example.lt"
PASSWORD = "pa55-w0rd-never-shown"
PERSONAL = (GIVEN, EMAIL, "jurgita.secret", PASSWORD)


def _shown(error: BaseException) -> str:
    """Everything a log of ``error`` would hold."""
    parts = ["".join(traceback.format_exception(error)), repr(error), repr(error.args)]
    report = getattr(error, "report", None)
    if report is not None:
        parts += [str(problem) for problem in report.errors]
    return "\n".join(parts)


def _assert_nothing_personal(error: BaseException) -> None:
    assert isinstance(error, GlobalCRMError), type(error)
    shown = _shown(error)
    leaked = [value for value in PERSONAL if value in shown]
    assert leaked == [], f"{leaked} in:\n{shown}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[gc.CRM]:
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL not configured: set GLOBALCRM_TEST_DATABASE_URL")
        crm = gc.open(PG_URL)
        clean_postgres(crm)
    else:
        crm = gc.open(f"sqlite:///{tmp_path}/crm.db")
    yield crm
    if request.param == "postgresql":
        clean_postgres(crm)
    crm.close()


def _row() -> dict[str, str]:
    return {**GOOD_ROW, "given": GIVEN, "emails": EMAIL}


def test_a_key_clash_written_with_personal_values(store: gc.CRM) -> None:
    stored = store.customers.import_rows([_row()])
    with store._engine.connect() as connection:
        row = dict(connection.execute(select(tables.customers)).mappings().one())
    with pytest.raises(GlobalCRMError) as caught, UnitOfWork(store._engine, "default") as uow:
        assert uow.session is not None
        uow.session.execute(insert(tables.customers), [row])  # the same id again
    assert isinstance(caught.value, gc.Conflict)
    _assert_nothing_personal(caught.value)
    assert store.customers.count() == len(stored.ids) == 1


def test_a_lost_race_for_an_id(store: gc.CRM) -> None:
    holding = threading.Event()
    taken = "01ARZ3NDEKTSV4RRFFQ69G5FAV"

    def writer() -> None:
        with store.transaction() as tx:
            tx.customers.add(gc.Customer(
                id=taken, name=gc.PersonName(given="Ona", locale="lt"), country="LT",
                language="lt", time_zone="Europe/Vilnius", currency="EUR",
            ))
            holding.set()
            time.sleep(0.5)

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(30)
    with pytest.raises(GlobalCRMError) as caught:
        store.customers.add(gc.Customer(
            id=taken, name=gc.PersonName(given=GIVEN, locale="lt"), country="LT",
            language="lt", time_zone="Europe/Vilnius", currency="EUR", emails=[EMAIL],
        ))
    thread.join()
    assert isinstance(caught.value, gc.Conflict)
    _assert_nothing_personal(caught.value)


def test_an_import_stopped_by_the_database(store: gc.CRM) -> None:
    rows = [{**_row(), "given": f"{GIVEN}{i}", "emails": f"{i}.{EMAIL}"} for i in range(2500)]
    dropped: list[bool] = []

    def drop(done: int) -> None:
        if not dropped:
            dropped.append(True)
            with store._engine.begin() as connection:
                connection.execute(text("DROP TABLE customer_keys"))

    try:
        with pytest.raises(GlobalCRMError) as caught:
            store.customers.import_rows(rows, on_progress=drop)
    finally:
        tables.customer_keys.create(store._engine, checkfirst=True)
    assert isinstance(caught.value, gc.StorageError)
    _assert_nothing_personal(caught.value)


def test_a_row_a_trigger_refuses_with_its_values_in_the_message(store: gc.CRM) -> None:
    if store._engine.dialect.name != "postgresql":
        pytest.skip("a SQLite trigger's message is a fixed text: it cannot carry values")
    with store._engine.begin() as connection:
        connection.execute(text(
            "CREATE FUNCTION refuse_all() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'refused % %', NEW.name, NEW.emails USING ERRCODE = %s; END $$"
            .replace("%s", "'XX000'")
        ))
        connection.execute(text("CREATE TRIGGER refuse_all BEFORE INSERT ON customers "
                                "FOR EACH ROW EXECUTE FUNCTION refuse_all()"))
    try:
        for atomic in (False, True):
            with pytest.raises(GlobalCRMError) as caught:
                store.customers.import_rows([_row()], atomic=atomic)
            _assert_nothing_personal(caught.value)
        with pytest.raises(GlobalCRMError) as added:
            store.customers.add(gc.Customer(
                name=gc.PersonName(given=GIVEN, locale="lt"), country="LT", language="lt",
                time_zone="Europe/Vilnius", currency="EUR", emails=[EMAIL],
            ))
        _assert_nothing_personal(added.value)
    finally:
        with store._engine.begin() as connection:
            connection.execute(text("DROP TRIGGER refuse_all ON customers"))
            connection.execute(text("DROP FUNCTION refuse_all()"))


def test_a_refused_login_and_an_unparsable_url_never_show_the_password(
    store: gc.CRM, tmp_path: object
) -> None:
    if store._engine.dialect.name == "postgresql":
        assert PG_URL is not None
        url = make_url(PG_URL).set(password=PASSWORD).render_as_string(hide_password=False)
        with pytest.raises(GlobalCRMError) as caught:
            gc.open(url)
        _assert_nothing_personal(caught.value)
    for broken in (f"postgresql://jurgita:{PASSWORD}@localhost:port/crm",
                   f"postgresql+psycopg://jurgita:{PASSWORD}@[::1/crm"):
        with pytest.raises(GlobalCRMError) as caught:
            gc.open(broken)
        _assert_nothing_personal(caught.value)
