"""``globalcrm privacy export|erase|retention``: a customer named by id, e-mail or phone."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

from typer.testing import CliRunner

import globalcrm as gc
from globalcrm.cli import app
from globalcrm.privacy.retention import RetentionPolicy

runner = CliRunner()
T0 = dt.datetime(2020, 1, 6, 9, 0, tzinfo=dt.UTC)


def _add(crm: gc.CRM, given: str, email: str, phone: str) -> gc.Customer:
    return crm.customers.add(gc.Customer(
        name=gc.PersonName(given=given, surname="Petraitis", locale="lt"), country="LT",
        language="lt", time_zone="Europe/Vilnius", currency="EUR",
        emails=[gc.EmailAddress(address=email)], phones=[gc.PhoneNumber.parse(phone)],
        created_at=T0,
    ), now=T0)


def test_export_erase_and_retention_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    crm = gc.open(url)
    jonas = _add(crm, "Jonas", "jonas@example.lt", "+37061234567")
    _add(crm, "Petras", "petras@example.lt", "+37061234568")
    _add(crm, "Twin", "petras@example.lt", "+37061234569")
    crm.close()

    out = tmp_path / "jonas.zip"
    result = runner.invoke(app, ["privacy", "export", "8 612 34567", "--region", "LT",
                                 "-o", str(out), "--url", url, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["customer"] == jonas.id
    assert "customer.csv" in zipfile.ZipFile(out).namelist()
    as_json = tmp_path / "jonas.json"
    result = runner.invoke(app, ["privacy", "export", jonas.id, "-o", str(as_json), "--url", url])
    assert result.exit_code == 0, result.output
    assert json.loads(as_json.read_text(encoding="utf-8"))["subject_ref"] == jonas.id

    ambiguous = runner.invoke(app, ["privacy", "erase", "petras@example.lt", "--url", url])
    assert ambiguous.exit_code == 1
    assert "2 customers match" in ambiguous.output
    assert "petras@example.lt" not in ambiguous.output

    result = runner.invoke(app, ["privacy", "erase", "jonas@example.lt", "--url", url,
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["status"] == "erased" and report["changed"]["customers"] == 1
    again = runner.invoke(app, ["privacy", "erase", jonas.id, "--url", url])
    assert again.exit_code == 0 and "already erased" in again.output
    gone = runner.invoke(app, ["privacy", "erase", "jonas@example.lt", "--url", url])
    assert gone.exit_code == 1 and "no customer" in gone.output

    crm = gc.open(url)
    crm.privacy.retention.set_policy(RetentionPolicy(
        name="dormant", scope="customer", trigger="created", duration="P3Y", action="erase",
        cite="GDPR art. 5(1)(e)"))
    crm.close()
    dry = runner.invoke(app, ["privacy", "retention", "--dry-run", "--url", url,
                              "--format", "json"])
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.output[dry.output.index("{"):])
    assert planned["dry_run"] and planned["policies"][0]["due"] == 2
    real = runner.invoke(app, ["privacy", "retention", "--url", url, "--format", "json"])
    done = json.loads(real.output[real.output.index("{"):])
    assert done["policies"][0]["acted"] == planned["policies"][0]["due"] == 2
    crm = gc.open(url)
    assert crm.customers.count() == 0
    crm.close()


def test_an_unsubscribe_after_erasure_suppresses_the_address(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    crm = gc.open(url)
    jonas = _add(crm, "Jonas", "jonas@example.lt", "+37061234567")
    _add(crm, "Petras", "petras@example.lt", "+37061234568")
    crm.privacy.erase(jonas.id)
    crm.close()

    usage = runner.invoke(app, ["privacy", "suppress", "--url", url])
    assert usage.exit_code == 2 and "--email" in usage.output
    held = runner.invoke(app, ["privacy", "suppress", "--email", "petras@example.lt",
                               "--url", url])
    assert held.exit_code == 1 and "petras" not in held.output  # a stored customer's: refused
    done = runner.invoke(app, ["privacy", "suppress", "--email", "Jonas.New@Example.lt",
                               "--phone", "8 612 00000", "--region", "LT", "--url", url,
                               "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"suppressed": 2}
    again = runner.invoke(app, ["privacy", "suppress", "--email", "jonas.new@example.lt",
                                "--url", url])
    assert again.exit_code == 0 and again.output.startswith("0 new")

    crm = gc.open(url)
    try:
        flagged = crm.customers.import_rows([{
            "given": "Jonas", "surname": "Naujas", "name_locale": "lt", "country": "LT",
            "language": "lt", "time_zone": "Europe/Vilnius", "currency": "EUR",
            "emails": "jonas.new@example.lt",
        }])
        assert flagged.imported == 0 and flagged.errors
    finally:
        crm.close()
