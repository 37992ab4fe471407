"""``globalcrm reindex``: rebuilds the search keys an older version stored."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete
from typer.testing import CliRunner

import globalcrm as gc
from globalcrm.cli import app
from globalcrm.storage import tables

runner = CliRunner()


def test_reindex_rebuilds_search_keys_per_tenant(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    crm = gc.open(url)
    crm.customers.add(
        gc.Customer(
            name=gc.PersonName(given="Дилноза", surname="Рашидова", locale="uz-Cyrl"),
            country="UZ", language="uz", time_zone="Asia/Tashkent", currency="UZS",
        )
    )
    with crm._engine.begin() as connection:  # as a version without Latin spellings left it
        connection.execute(delete(tables.customer_keys))
    assert crm.customers.search("dilnoza").items == []

    other = runner.invoke(app, ["reindex", "--url", url, "--tenant", "acme"])
    assert other.exit_code == 0, other.output
    assert "customers reindexed: 0" in other.output
    assert crm.customers.search("dilnoza").items == []

    result = runner.invoke(app, ["reindex", "--url", url])
    assert result.exit_code == 0, result.output
    assert "customers reindexed: 1" in result.output
    assert [c.country for c in crm.customers.search("dilnoza")] == ["UZ"]
    crm.close()


def test_reindex_reports_a_bad_url_in_one_line() -> None:
    result = runner.invoke(app, ["reindex", "--url", "mysql://nope"])
    assert result.exit_code == 1
    assert "error:" in result.output
    assert "Traceback" not in result.output
