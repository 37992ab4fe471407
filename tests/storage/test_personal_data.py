"""The personal-data registry: every column placed, every table's rows findable for a subject.

Export and erasure are generated from it, so a column added by any later change without saying
what export and erasure do with it fails here (and its table joins both without a change).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, ForeignKeyConstraint, String, Table

from globalcrm.storage import personal_data, tables


def test_every_column_says_what_export_and_erasure_do() -> None:
    found = personal_data.problems()
    assert found == []


def test_every_table_with_personal_columns_is_found_for_a_subject() -> None:
    names = {table.name for table in personal_data.subject_tables()}
    for table in tables.metadata.sorted_tables:
        personal = [c for c in table.columns if c.info["pii"] not in ("none", "technical")]
        if table.name not in names:
            assert all(c.info["erase"] == "keep" and not c.info["export"] for c in personal), (
                table.name
            )
    assert {"customers", "interactions", "consent_events", "purchase_items"} <= names


@pytest.fixture
def scratch() -> Iterator[list[Table]]:
    added: list[Table] = []
    yield added
    for table in added:
        tables.metadata.remove(table)


def test_a_new_column_without_its_registry_entry_fails(scratch: list[Table]) -> None:
    scratch.append(Table(
        "loyalty_scratch", tables.metadata,
        Column("customer_id", String(26), info={"pii": "identifier", "export": True,
                                               "erase": "delete"}),
        Column("nickname", String(50), info={"pii": "name"}),
    ))
    assert personal_data.problems() == [
        "loyalty_scratch.nickname: no export flag",
        "loyalty_scratch.nickname: no erasure action",
        "loyalty_scratch: rows are deleted, but ['nickname'] say otherwise",
    ]


def test_a_table_the_registry_cannot_place_fails(scratch: list[Table]) -> None:
    scratch.append(Table(
        "scratch_notes", tables.metadata,
        Column("note", String(50), info={"pii": "content", "export": True, "erase": "keep",
                                        "ground": "x"}),
    ))
    scratch.append(Table(
        "scratch_points", tables.metadata,
        Column("tenant", String(64), info={"pii": "none", "export": False, "erase": "keep",
                                          "ground": "x"}),
        Column("customer_id", String(26), info={"pii": "identifier", "export": True,
                                               "erase": "keep", "ground": "x"}),
        ForeignKeyConstraint(["tenant", "customer_id"], ["customers.tenant", "customers.id"],
                             ondelete="CASCADE"),
    ))
    assert personal_data.problems() == [
        "scratch_notes: exported or erased, but no column finds a subject's rows",
        "scratch_points: its rows go with customers's, but are not deleted on erasure",
    ]


def test_a_later_table_is_found_by_its_customer_id(scratch: list[Table]) -> None:
    info = {"pii": "identifier", "export": True, "erase": "delete"}
    scratch.append(Table(
        "loyalty_scratch", tables.metadata,
        Column("tenant", String(64), info=dict(info)),
        Column("customer_id", String(26), info=dict(info)),
    ))
    where = personal_data.subject_filter(scratch[0], "t", "c-1")
    assert where is not None
    assert "loyalty_scratch.customer_id" in str(where)
    assert personal_data.row_action(scratch[0]) == "delete"


def test_the_erasure_page_is_generated_from_the_registry() -> None:
    import subprocess
    import sys
    from pathlib import Path

    tool = Path(__file__).resolve().parents[2] / "tools" / "build_erasure_page.py"
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(tool), "--check"], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "up to date", "run python tools/build_erasure_page.py"
