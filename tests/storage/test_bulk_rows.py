"""The bulk path writes the same rows as the ORM path: same values, same stored forms."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

import globalcrm as gc
from globalcrm.demo_data import sample_customers
from globalcrm.import_export import customer_to_row
from globalcrm.storage import bulk, tables

NOW = dt.datetime(2026, 12, 2, 9, 30, 0, tzinfo=dt.UTC)  # no microseconds: the format shows


def _stored(crm: gc.CRM, tenant: str) -> dict[gc.PersonName, dict[str, Any]]:
    table = tables.customers
    with crm._engine.connect() as connection:
        rows = connection.execute(select(table).where(table.c.tenant == tenant)).mappings()
        result = {}
        for row in rows:
            values = dict(row)
            result[values["name"]] = {k: v for k, v in values.items() if k not in ("id", "tenant")}
        return result


def _raw_stamps(crm: gc.CRM, tenant: str) -> set[tuple[Any, ...]]:
    with crm._engine.connect() as connection:
        return set(connection.exec_driver_sql(
            "SELECT created_at, updated_at FROM customers WHERE tenant = "
            + ("?" if crm._engine.dialect.name == "sqlite" else "%s"),
            (tenant,),
        ).fetchall())


def test_imported_customers_are_stored_as_added_ones_are(crm: gc.CRM) -> None:
    added = crm.for_tenant("orm")
    for customer in sample_customers():
        added.customers.add(customer, now=NOW)
    bulk = crm.for_tenant("bulk")
    rows = []
    for customer in sample_customers():
        row = customer_to_row(customer)
        rows.append({k: v for k, v in row.items() if k not in ("id", "created_at", "updated_at")})
    report = bulk.customers.import_rows(rows, now=NOW)
    assert report.ok, report.errors
    orm, imported = _stored(crm, "orm"), _stored(crm, "bulk")
    assert len(orm) == len(imported) == len(sample_customers())
    assert orm == imported
    assert _raw_stamps(crm, "orm") == _raw_stamps(crm, "bulk")  # the driver-level text too
    for customer in bulk.customers.list(limit=100):
        assert customer.created_at == NOW and customer.version == 1


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_JSON_VALUES)
def test_bulk_json_text_is_what_the_json_module_writes(document: Any) -> None:
    # the bulk path keeps one C encoder instead of building one per document
    expected = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    assert bulk._json_text(document) == (None if document is None else expected)


_SHARED_TEXT = "shared text"
_SHARED_NUMBER = 7
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.text(max_size=8),
    st.floats(allow_nan=False), st.binary(max_size=4),
    st.sampled_from([1, 1.0, True, "1", _SHARED_TEXT, _SHARED_NUMBER]),
)


@st.composite
def _table_rows(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    """Rows of four columns; each column holds one object in every row, or values of its own."""
    count = draw(st.integers(1, 1100))  # past one statement's rows (500) and its variables
    columns = []
    for _ in range(4):
        if draw(st.booleans()):
            columns.append([draw(_VALUES)] * count)  # the very same object in every row
        else:
            own = draw(st.lists(_VALUES, min_size=1, max_size=5))
            columns.append([own[i % len(own)] for i in range(count)])
    return list(zip(*columns, strict=True))


@given(rows=_table_rows())
def test_values_shared_by_a_statement_are_stored_as_each_row_gives_them(
    rows: list[tuple[Any, ...]],
) -> None:
    """Bound once per statement or once per row, every row reads back with its own values
    and SQLite types (``1``, ``1.0``, ``True`` and ``"1"`` are told apart)."""
    from sqlalchemy import create_engine

    engine = create_engine("sqlite://")
    columns = ["a", "b", "c", "d"]
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER PRIMARY KEY, a, b, c, d)")
        bulk._insert_values(connection, "t", columns, rows)
        stored = connection.exec_driver_sql(
            "SELECT a, typeof(a), b, typeof(b), c, typeof(c), d, typeof(d) FROM t ORDER BY n"
        ).fetchall()
        connection.exec_driver_sql("DELETE FROM t")
        connection.exec_driver_sql(
            "INSERT INTO t (a, b, c, d) VALUES (?, ?, ?, ?)", [tuple(row) for row in rows]
        )
        expected = connection.exec_driver_sql(
            "SELECT a, typeof(a), b, typeof(b), c, typeof(c), d, typeof(d) FROM t ORDER BY n"
        ).fetchall()
    engine.dispose()
    assert [tuple(row) for row in stored] == [tuple(row) for row in expected]


def test_a_value_every_row_shares_is_bound_once() -> None:
    """The statement names a shared value by number, once; each row's own values follow."""
    text = bulk._statement("t", ("a", "b", "c"), 2, (True, False, True))
    assert text.endswith("VALUES (?1, ?3, ?2), (?1, ?4, ?2)")
    assert bulk._statement("t", ("a", "b"), 2, (False, False)).endswith("VALUES (?, ?), (?, ?)")
