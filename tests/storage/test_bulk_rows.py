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
