"""The schema: migrations equal the tables, every column is classified, indexes are used."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import event, inspect, text

import globalcrm as gc
from globalcrm.customers import check_customer_fields
from globalcrm.storage import migrate, tables
from globalcrm.storage.bulk import insert_customers
from globalcrm.storage.engine import make_engine


def test_every_column_declares_its_personal_data_class() -> None:
    unclassified = [
        f"{table.name}.{column.name}"
        for table in tables.metadata.sorted_tables
        for column in table.columns
        if column.info.get("pii") not in tables.PII_CLASSES
    ]
    assert unclassified == []


def test_migrations_build_the_declared_schema_and_round_trip(db_url: str) -> None:
    engine = make_engine(db_url)
    assert migrate.current(engine) is None
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    assert migrate.diff(engine) == []  # `alembic check`: nothing left to autogenerate
    declared = {t.name for t in tables.metadata.sorted_tables}
    assert declared <= set(inspect(engine).get_table_names())
    migrate.downgrade(engine, "base")
    assert declared.isdisjoint(inspect(engine).get_table_names())
    migrate.upgrade(engine)
    assert migrate.diff(engine) == []
    engine.dispose()


def test_open_refuses_an_old_schema_when_told_not_to_migrate(db_url: str) -> None:
    with pytest.raises(gc.StorageError, match="globalcrm migrate"):
        gc.open(db_url, migrate_schema=False)
    gc.open(db_url).close()
    gc.open(db_url, migrate_schema=False).close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Any) -> None:
    crm = gc.open(f"sqlite:///{tmp_path / 'wal.db'}")
    with crm._engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    crm.close()


def _many_customers(n: int, now: Any) -> list[dict[str, Any]]:
    return [
        check_customer_fields({
            "name": gc.PersonName(given=f"Given{i}", surname=f"Surname{i % 997}", locale="en"),
            "country": "US", "language": "en", "time_zone": "America/New_York",
            "currency": "USD", "emails": [f"person{i}@example.com"], "created_at": now,
            "updated_at": now,
        })
        for i in range(n)
    ]


@pytest.mark.slow
def test_postgresql_listings_use_indexes_not_sequential_scans(crm: gc.CRM, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("EXPLAIN plans are checked on PostgreSQL, the scale-out target")
    import datetime as dt

    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    people = _many_customers(20_000, now)
    with crm._engine.begin() as connection:
        insert_customers(connection, people)
        rows: list[dict[str, Any]] = [
            {
                "id": p["id"][:-4] + f"{i:04d}",
                "tenant": "default",
                "customer_id": people[0]["id"],
                "channel": "email",
                "direction": "inbound",
                "occurred_at": now,
                "conversation": f"c-{i % 500}",
                "subject": None,
                "body": "",
                "language": None,
                "agent": None,
                "outcome": None,
                "sentiment": None,
                "meta": {},
            }
            for i, p in enumerate(people[:5000])
        ]
        connection.execute(tables.interactions.insert(), rows)
        connection.execute(text("ANALYZE"))
    statements: list[tuple[str, Any]] = []

    def capture(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(crm._engine, "before_cursor_execute", capture)
    try:
        page = crm.customers.list(limit=50)
        crm.customers.list(after=page.next_cursor, limit=50)
        crm.customers.search("surname12")
        crm.customers.find_by_email("person77@example.com")
        crm.interactions.timeline(people[0]["id"], limit=20)
        crm.interactions.conversation("c-7")
    finally:
        event.remove(crm._engine, "before_cursor_execute", capture)
    assert statements
    driver = crm._engine.raw_connection()
    try:
        cursor = driver.cursor()
        for statement, parameters in statements:
            cursor.execute("EXPLAIN " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            scans = re.findall(r"Seq Scan on (\w+)", plan)
            big = [s for s in scans if s in ("customers", "customer_keys", "interactions")]
            assert big == [], f"sequential scan in:\n{statement}\n{plan}"
    finally:
        driver.close()
