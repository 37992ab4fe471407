"""An import in one process writes each batch in a second thread while it checks the next.

Nothing of it may show but the speed: the report (rows, errors, skips, ids, in order), what is
stored, progress counted in stored batches, a failure's report, and the interpreter's switch
interval put back afterwards. SQLite in memory (one connection per thread) imports without
the thread, and so do atomic imports and imports in the caller's transaction: the reports of
both ways are compared here.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

import globalcrm as gc
from globalcrm.storage import tables
from tests.rows import GOOD_ROW


def _rows(n: int) -> list[dict[str, Any]]:
    """``n`` rows with bad ones and repeated e-mail addresses spread over several batches."""
    rows: list[dict[str, Any]] = []
    for i in range(1, n + 1):
        row: dict[str, Any] = {**GOOD_ROW, "given": f"Jonas{i}", "emails": f"j.{i}@example.lt",
                               "phones": f"+370 612 {10000 + i}"}
        if i % 997 == 0:
            row["emails"] = "not an address"
        if i % 1499 == 0:
            row["country"] = "QQ"
        if i % 1201 == 0:
            row["emails"] = f"j.{i - 600}@example.lt"  # the same address as an earlier row
        rows.append(row)
    return rows


def _bad(row: int) -> bool:
    """Whether row number ``row`` of :func:`_rows` is refused (without a match policy)."""
    return row % 997 == 0 or row % 1499 == 0


def _batch_end(k: int) -> int:
    """The row that completes the ``k``-th batch of 2,000 valid rows."""
    valid = 0
    row = 0
    while valid < 2_000 * k:
        row += 1
        valid += not _bad(row)
    return row


def _summary(report: gc.ImportReport, crm: gc.CRM) -> tuple[Any, ...]:
    names = sorted(row["given"] for row in crm.customers.export_rows())
    return (
        report.rows, report.imported, report.skipped, report.updated, report.committed,
        [(e.row, e.field, e.message, e.code) for e in report.errors],
        [crm.customers.get(i).name.given for i in report.ids[::250]], names,
    )


def test_the_report_and_the_store_are_those_of_an_import_without_the_thread(crm: gc.CRM) -> None:
    rows = _rows(9_000)
    report = crm.customers.import_rows(rows, match="email", on_match="skip")
    memory = gc.open("sqlite:///:memory:")  # one connection per thread: no writing thread
    alone = memory.customers.import_rows(rows, match="email", on_match="skip")
    assert report.skipped == 7 and len(report.errors) == 15  # the file's mistakes, all found
    assert _summary(report, crm) == _summary(alone, memory)
    memory.close()


def test_progress_is_told_once_a_batch_is_stored(crm: gc.CRM) -> None:
    told: list[tuple[int, int]] = []
    crm.customers.import_rows(
        _rows(7_000), on_progress=lambda read: told.append((read, crm.customers.count()))
    )
    ends = [_batch_end(1), _batch_end(2), _batch_end(3), 7_000]
    assert told == [(end, end - sum(map(_bad, range(1, end + 1)))) for end in ends]
    assert [stored for _, stored in told[:3]] == [2_000, 4_000, 6_000]


def test_the_switch_interval_is_short_while_a_thread_writes_and_put_back_after(
    crm: gc.CRM,
) -> None:
    before = sys.getswitchinterval()
    seen: list[float] = []
    crm.customers.import_rows(_rows(4_500), on_progress=lambda _: seen.append(
        sys.getswitchinterval()
    ))
    assert seen[:2] == [pytest.approx(0.0005)] * 2
    assert sys.getswitchinterval() == before
    seen.clear()
    crm.customers.import_rows(_rows(4_500), atomic=True, on_progress=lambda _: seen.append(
        sys.getswitchinterval()
    ))
    assert seen and set(seen) == {before}  # one transaction: written in this thread


def test_an_interval_the_application_chose_shorter_is_kept(crm: gc.CRM) -> None:
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.0001)
    chosen = sys.getswitchinterval()
    try:
        seen: list[float] = []
        crm.customers.import_rows(_rows(2_500), on_progress=lambda _: seen.append(
            sys.getswitchinterval()
        ))
        assert set(seen) == {chosen}
        assert sys.getswitchinterval() == chosen
    finally:
        sys.setswitchinterval(before)


def test_an_interval_changed_during_the_import_is_left_as_it_was_changed(crm: gc.CRM) -> None:
    before = sys.getswitchinterval()

    def change(read: int) -> None:
        sys.setswitchinterval(0.002)

    try:
        crm.customers.import_rows(_rows(4_500), on_progress=change)
        assert sys.getswitchinterval() == pytest.approx(0.002)
    finally:
        sys.setswitchinterval(before)


@pytest.fixture
def keys_table_back(crm: gc.CRM) -> Iterator[None]:
    yield
    tables.customer_keys.create(crm._engine, checkfirst=True)


def test_a_batch_that_fails_in_the_thread_stops_the_import_with_the_same_report(
    crm: gc.CRM, backend: str, keys_table_back: None
) -> None:
    before = sys.getswitchinterval()

    def drop_after_the_first_batch(read: int) -> None:
        if read == _batch_end(1):
            with crm._engine.begin() as connection:
                connection.execute(text("DROP TABLE customer_keys"))

    with pytest.raises(gc.StorageError) as caught:
        crm.customers.import_rows(_rows(9_000), on_progress=drop_after_the_first_batch)
    error = caught.value
    assert error.row == _batch_end(1) + 1  # the second batch, which the thread was writing
    assert "the 2000 customers imported from the rows before it stay stored" in str(error)
    assert error.report is not None
    # the errors of the rows read until the failed batch's end, none of the rows after it
    second_end = _batch_end(2)
    assert second_end < 4_985  # the next bad row: it was read, and must not be reported
    assert [e.row for e in error.report.errors] == [
        row for row in range(1, second_end + 1) if _bad(row)
    ]
    assert (error.report.imported, len(error.report.ids)) == (2_000, 2_000)
    assert sys.getswitchinterval() == before
    tables.customer_keys.create(crm._engine, checkfirst=True)
    assert crm.customers.count() == 2_000
