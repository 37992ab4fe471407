"""Bulk import: per-row errors, keep-valid or all-or-nothing, and export that imports back."""

from __future__ import annotations

import io
import threading

import pytest

import globalcrm as gc
from globalcrm import import_export
from globalcrm.demo_data import sample_customers
from tests.rows import GOOD_ROW

GOOD = GOOD_ROW


def rows_with_errors() -> list[dict[str, str]]:
    return [
        GOOD,
        {**GOOD, "phones": "8 612", "emails": "ona@example.lt"},  # row 2: bad phone
        {**GOOD, "country": "QQ", "emails": "x@example.lt", "phones": ""},  # row 3: bad country
        {**GOOD, "emails": "not-an-email", "phones": "+370 612 11111"},  # row 4
        {**GOOD, "given": "Ona", "emails": "ona2@example.lt", "phones": "+370 612 22222"},
    ]


def test_import_keeps_valid_rows_and_reports_each_bad_one(crm: gc.CRM) -> None:
    report = crm.customers.import_rows(rows_with_errors())
    assert (report.rows, report.imported, report.committed) == (5, 2, True)
    assert [(e.row, e.field, e.code) for e in report.errors] == [
        (2, "phones[0]", "invalid_format"),
        (3, "country", "invalid_component"),
        (4, "emails[0]", "invalid_format"),
    ]
    assert "too short" in report.errors[0].message
    assert "QQ" in str(report.errors[1])
    assert crm.customers.count() == 2
    assert len(crm.customers.find_by_phone("+37061234567")) == 1


def test_every_bad_cell_of_a_row_is_reported(crm: gc.CRM) -> None:
    bad = {**GOOD, "emails": "no-at-sign", "phones": "8 612", "currency": "XQQ"}
    report = crm.customers.import_rows([bad, {**GOOD, "given": "Ona"}])
    assert (report.rows, report.imported) == (2, 1)
    assert [(e.row, e.field) for e in report.errors] == [
        (1, "currency"), (1, "emails[0]"), (1, "phones[0]"),
    ]
    assert crm.customers.count() == 1


def test_atomic_import_stores_nothing_when_a_row_is_bad(crm: gc.CRM) -> None:
    crm.customers.add(sample_customers()[0])
    report = crm.customers.import_rows(rows_with_errors(), atomic=True)
    assert report.committed is False and report.imported == 0
    assert len(report.errors) == 3
    assert crm.customers.count() == 1


def test_atomic_import_of_good_rows_stores_all(crm: gc.CRM) -> None:
    rows = [GOOD, {**GOOD, "given": "Ona", "emails": "ona@example.lt"}]
    progress: list[int] = []
    report = crm.customers.import_rows(rows, atomic=True, on_progress=progress.append)
    assert report.ok and report.imported == 2 and progress[-1] == 2
    assert {c.name.given for c in crm.customers.list()} == {"Jonas", "Ona"}
    assert [c.name.given for c in crm.customers.search("petraitis")] != []


def test_import_reports_ids_already_stored_and_repeated(crm: gc.CRM) -> None:
    stored = crm.customers.add(sample_customers()[0])
    rows = [
        {**GOOD, "id": stored.id},
        {**GOOD, "id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"},
        {**GOOD, "id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"},
    ]
    report = crm.customers.import_rows(rows)
    assert [(e.row, e.field, e.code) for e in report.errors] == [
        (1, "id", "conflict"),
        (3, "id", "conflict"),
    ]
    assert report.imported == 1
    assert crm.customers.count() == 2


def test_export_imports_back_to_equal_customers(crm: gc.CRM) -> None:
    originals = {c.id: c for c in (crm.customers.add(c) for c in sample_customers())}
    buffer = io.StringIO()
    assert import_export.write_csv(crm.customers.export_rows(batch_size=4), buffer) == 13
    buffer.seek(0)
    other = crm.for_tenant("copy")
    # ids are unique within a tenant: another tenant takes the same ids
    report = other.customers.import_rows(list(import_export.read_csv(buffer)), atomic=True)
    assert report.ok
    copies = list(other.customers.list(limit=100))
    assert {c.id for c in copies} == set(originals)
    for copy in copies:
        original = originals[copy.id]
        for field in (
            "name",
            "other_names",
            "emails",
            "phones",
            "addresses",
            "handles",
            "preferred_channels",
            "contact_hours",
            "formality",
            "gender",
            "pronouns",
            "dietary_needs",
            "allergens",
            "accessibility_needs",
            "tags",
            "attributes",
            "created_at",
        ):
            assert getattr(copy, field) == getattr(original, field), field


def test_concurrent_updates_of_one_version_lose_no_write(crm: gc.CRM) -> None:
    customer = crm.customers.add(sample_customers()[1])
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def writer(tag: str) -> None:
        barrier.wait()
        try:
            crm.customers.update(customer.id, expected_version=1, tags=[tag])
            outcomes.append("ok")
        except gc.Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=writer, args=(f"t{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    assert crm.customers.get(customer.id).version == 2


def test_import_rejects_unknown_columns_and_non_rows(crm: gc.CRM) -> None:
    report = crm.customers.import_rows([{**GOOD, "shoe_size": "42"}, "text"])  # type: ignore[list-item]
    assert [(e.row, e.field) for e in report.errors] == [(1, None), (2, None)]
    assert report.errors[0].message.startswith("unknown column: column 10")
    assert "shoe_size" not in str(report.errors[0])
    with pytest.raises(gc.InvalidInput):
        crm.customers.import_rows("not rows")  # type: ignore[arg-type]


def _big_file() -> list[dict[str, str]]:
    """1,200 rows (three worker chunks) with bad rows and a repeated id scattered through it."""
    rows = []
    for i in range(1200):
        row = {**GOOD, "given": f"Jonas{i}", "emails": f"jonas.{i}@example.lt",
               "phones": f"+370 6{i % 100:02d} {i:05d}"}
        if i % 97 == 5:
            row["phones"] = "8 612"
        if i % 211 == 7:
            row["country"] = "QQ"
        if i % 300 == 11:  # two bad cells: both reported
            row.update(emails="no-at-sign", tags="not a code!")
        rows.append(row)
    rows[700]["id"] = rows[1100]["id"] = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    return rows


@pytest.mark.parametrize("atomic", [False, True])
def test_import_in_worker_processes_reports_and_stores_the_same(
    crm: gc.CRM, atomic: bool
) -> None:
    rows = _big_file()
    progress: list[int] = []
    report = crm.customers.import_rows(rows, workers=2, atomic=atomic, on_progress=progress.append)
    expected_errors = (
        [(i + 1, "phones[0]") for i in range(1200) if i % 97 == 5 and i % 211 != 7]
        + [(i + 1, "country") for i in range(1200) if i % 211 == 7]
        + [(1101, "id")]
        + [(i + 1, field) for i in range(11, 1200, 300) for field in ("emails[0]", "tags[0]")]
    )
    assert sorted((e.row, e.field) for e in report.errors) == sorted(expected_errors)
    assert [e.row for e in report.errors] == sorted(e.row for e in report.errors)
    assert report.rows == 1200 and progress[-1] == 1200
    if atomic:
        assert (report.committed, report.imported, crm.customers.count()) == (False, 0, 0)
        return
    bad_rows = {row for row, _ in expected_errors}
    assert report.imported == 1200 - len(bad_rows) == crm.customers.count()
    assert len(set(report.ids)) == report.imported
    found = crm.customers.find_by_email("jonas.1199@example.lt")
    assert [c.name.given for c in found] == ["Jonas1199"]
    in_process = crm.for_tenant("again").customers.import_rows(
        [{k: v for k, v in r.items() if k != "id"} for r in rows], workers=1
    )
    assert in_process.imported == report.imported + 1  # the repeated id was the only conflict


def test_workers_must_be_a_count(crm: gc.CRM) -> None:
    for bad in (-1, "2", True, 2.0):
        with pytest.raises(gc.InvalidInput) as caught:
            crm.customers.import_rows([GOOD], workers=bad)  # type: ignore[arg-type]
        assert caught.value.field == "workers"
    assert crm.customers.count() == 0
