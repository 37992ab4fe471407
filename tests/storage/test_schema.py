"""The schema: migrations equal the tables, every column is classified, indexes are used."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import inspect, text

import globalcrm as gc
from globalcrm.customers import check_customer_fields
from globalcrm.storage import migrate, tables
from globalcrm.storage.bulk import insert_customers
from globalcrm.storage.engine import make_engine
from tests.storage.query_plans import captured_selects, sequential_scans


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
            "currency": "USD", "emails": [f"person{i}@example.com"],
            "phones": [f"+1 20{2 + i // 10_000} 555 {i % 10_000:04d}"], "created_at": now,
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
    # What autovacuum does on a live database: statistics, and the visibility map that lets
    # count() read the (tenant, id) index alone.
    with crm._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE customers, customer_keys, interactions"))
    calls: dict[str, Callable[[], object]] = {
        "list": lambda: crm.customers.list(after=crm.customers.list(limit=50).next_cursor),
        "search": lambda: crm.customers.search("surname12"),
        "find_by_email": lambda: crm.customers.find_by_email("person77@example.com"),
        "find_by_phone": lambda: crm.customers.find_by_phone("(202) 555-0077", region="US"),
        "count": crm.customers.count,
        "export_rows": lambda: list(itertools.islice(crm.customers.export_rows(batch_size=100),
                                                     150)),  # two pages
        "likely_duplicates": lambda: crm.customers.likely_duplicates(people[77]["id"]),
        "timeline": lambda: crm.interactions.timeline(people[0]["id"], limit=20),
        "conversation": lambda: crm.interactions.conversation("c-7"),
    }
    queried: dict[str, int] = {}
    results: dict[str, Any] = {}
    with captured_selects(crm._engine) as statements:
        for name, call in calls.items():
            before = len(statements)
            results[name] = call()
            queried[name] = len(statements) - before
    assert all(queried.values()), queried  # every call really ran its queries
    assert results["count"] == 20_000
    assert [c.id for c in results["find_by_phone"]] == [people[77]["id"]]
    assert [row["id"] for row in results["export_rows"]] == [p["id"] for p in people[:150]]
    assert queried["export_rows"] >= 2 and queried["likely_duplicates"] >= 4, queried
    keys = [s for s, _ in statements if "customer_keys" in s]
    assert len(keys) >= 6  # search, the email and phone lookups, the duplicate keys
    big = ("customers", "customer_keys", "interactions")
    scans = sequential_scans(crm._engine, statements, big)
    assert scans == [], "sequential scan in:\n" + "\n\n".join(scans)


def test_values_at_the_domains_limits_are_stored_and_read_back(crm: gc.CRM) -> None:
    """Every column holds the longest value the domain accepts for it (no truncation error).

    An email of 254 bytes whose case-folded key grows (U+0390 folds to three characters), a
    handle of 128 characters that grows the same way, the longest codes and texts, and decimals
    with more places than any fixed width.
    """
    import datetime as dt
    from decimal import Decimal

    from moneyed import Money

    from globalcrm.exchange_rates import ExchangeRate
    from globalcrm.prices import Market, PriceBook, PriceEnding, PriceEntry

    now = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
    email = "\u0390" * 32 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 58 + ".lt"
    assert len(email.encode()) == 254
    tenant = crm.for_tenant("t" * 64)
    person = tenant.customers.add(gc.Customer(
        name=gc.PersonName(given="Ü" * 200, surname="ß" * 200, locale="de"),
        country="DE", language="en-Latn-US-abcdefgh-abcdefgh-abcdef", time_zone="Europe/Berlin",
        currency="EUR", emails=[email], pronouns="p" * 64,
        handles=[gc.MessagingHandle(service="kakaotalk", handle="\u0390" * 128)],
    ), now=now)
    assert max(len(key) for _, key in person.search_keys()) > 200
    local, domain = email.split("@")
    found = tenant.customers.find_by_email(f"{local}@{domain.upper()}")
    assert [c.id for c in found] == [person.id]
    assert found[0].handles == person.handles and found[0].pronouns == "p" * 64
    recorded = tenant.interactions.record(
        person.id, channel="email", direction="inbound", body="b" * 20_000,
        subject="s" * 1000, conversation="c" * 200, agent="a" * 200, outcome="o" * 200,
        language="en-Latn-US-abcdefgh-abcdefgh-abcdef",
    )
    assert tenant.interactions.get(recorded.id).subject == "s" * 1000
    many = Decimal("0." + "1" * 120)
    book = PriceBook(name="b" * 64, base_currency="EUR")
    book.add_market(Market(
        code="m" * 64, currency="EUR", locale="de", tax_rate=many, markup=many / 2,
        ending=PriceEnding(step=Decimal("1." + "0" * 80), ending=many),
    ))
    book.add_entry(PriceEntry(product="p" * 64, market="m" * 64,
                              amount=Money(Decimal("9" * 17 + "." + "9" * 12), "EUR")))
    tenant.prices.save_book(book)
    market = tenant.prices.book("b" * 64).markets["m" * 64]
    assert (market.tax_rate, market.ending) == (many, book.markets["m" * 64].ending)
    rate = ExchangeRate(base="EUR", quote="USD", rate=Decimal("1." + "3" * 300),
                        source="s" * 64, as_of=now)
    assert tenant.exchange_rates.add([rate], now=now) == 1
    assert tenant.exchange_rates.table(at=now).rate("EUR", "USD", at=now).rate == rate.rate
