"""``globalcrm import`` against a database that refuses: one line per refused row, or one line
saying why the import stopped and what it stored; never a traceback, never a customer's value."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner, Result

import globalcrm as gc
from globalcrm.cli import app
from globalcrm.storage import tables

runner = CliRunner()
PG_URL = os.environ.get("GLOBALCRM_TEST_DATABASE_URL")
LONG_EMAIL = "j" * 64 + "@" + "d" * 63 + "." + "e" * 62 + ".example.fi"

ROW = {
    "given": "Aino", "surname": "Mäkinen", "name_locale": "fi", "country": "FI",
    "language": "fi", "time_zone": "Europe/Helsinki", "currency": "EUR",
}


def _file(path: Path, emails: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=[*ROW, "emails"])
        writer.writeheader()
        for number, email in enumerate(emails, start=1):
            writer.writerow({**ROW, "given": f"Aino{number}", "emails": email})
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database of each kind (PostgreSQL: emptied, its trigger dropped)."""
    if request.param == "sqlite":
        target = f"sqlite:///{tmp_path / 'crm.db'}"
        gc.open(target).close()
        yield target
        return
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set GLOBALCRM_TEST_DATABASE_URL")
    gc.open(PG_URL).close()
    engine = create_engine(PG_URL)
    names = ", ".join(table.name for table in tables.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names}"))
    yield PG_URL
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER IF EXISTS refuse ON customers"))
        connection.execute(text("DROP FUNCTION IF EXISTS refuse()"))
        connection.execute(text(f"TRUNCATE {names}"))
    engine.dispose()


def _no_trace(result: Result, *values: str) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for value in values:
        assert value not in result.output


def _refuse(url: str, marker: str, sqlstate: str) -> None:
    """A trigger refusing customers with ``marker`` in an email (PostgreSQL: quoting them)."""
    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text(
                "CREATE TRIGGER refuse BEFORE INSERT ON customers WHEN NEW.emails LIKE "
                f"'%{marker}%' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            ))
        else:
            connection.execute(text(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.emails::text LIKE '%{marker}%' THEN RAISE EXCEPTION 'refused %', "
                f"NEW.emails USING ERRCODE = '{sqlstate}'; END IF; RETURN NEW; END $$"
            ))
            connection.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON customers "
                                    "FOR EACH ROW EXECUTE FUNCTION refuse()"))
    engine.dispose()


def test_a_long_valid_email_imports(url: str, tmp_path: Path) -> None:
    emails = [f"aino{i}@example.fi" for i in range(1, 3001)]
    emails[2500] = LONG_EMAIL
    result = runner.invoke(app, ["import", str(_file(tmp_path / "in.csv", emails)), "--url", url,
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    _no_trace(result)
    assert "3000 rows read, 3000 imported, 0 with errors; stored" in result.output


def test_a_row_the_database_refuses_is_reported_in_one_line(url: str, tmp_path: Path) -> None:
    _refuse(url, "refuse-me", "check_violation")
    emails = [f"aino{i}@example.fi" for i in range(1, 6)]
    emails[2] = "refuse-me@example.fi"
    result = runner.invoke(app, ["import", str(_file(tmp_path / "in.csv", emails)), "--url", url])
    assert result.exit_code == 1
    _no_trace(result, "refuse-me@example.fi")
    assert "row 3: the database refused the row: " in result.output
    assert "5 rows read, 4 imported, 1 with errors; stored" in result.output
    crm = gc.open(url)
    assert crm.customers.count() == 4
    crm.close()


def test_an_import_the_database_stops_says_what_is_stored(url: str, tmp_path: Path) -> None:
    if not url.startswith("postgresql"):
        pytest.skip("a SQLite trigger refuses a row; only PostgreSQL's can fail otherwise")
    _refuse(url, "stop-here", "53100")  # disk_full: not about the row
    emails = [f"aino{i}@example.fi" for i in range(1, 4501)]
    emails[4200] = "stop-here@example.fi"
    result = runner.invoke(app, ["import", str(_file(tmp_path / "in.csv", emails)), "--url", url,
                                 "--workers", "1"])
    assert result.exit_code == 1
    _no_trace(result, "stop-here@example.fi")
    assert (
        "error: the database server's disk is full (SQLSTATE 53100): no row from row 4001 on "
        "was stored; the 4000 customers imported from the rows before it stay stored (row 4001)"
    ) in " ".join(result.output.split())
    crm = gc.open(url)
    assert crm.customers.count() == 4000
    crm.close()
