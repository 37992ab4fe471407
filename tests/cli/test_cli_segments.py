"""``globalcrm segments define | count | export``, in text and in JSON."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

import globalcrm as gc
from globalcrm.cli import app

runner = CliRunner()
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
RULE = {
    "all": [
        {"field": "country", "op": "in", "value": ["LT", "LV", "EE"]},
        {"interactions": {"channel": "whatsapp", "direction": "inbound", "within": "P30D"},
         "op": "ge", "value": 1},
    ]
}


def _store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    crm = gc.open(url)
    for country, zone in (("LT", "Europe/Vilnius"), ("LV", "Europe/Riga"),
                          ("FI", "Europe/Helsinki")):
        person = crm.customers.add(gc.Customer(
            name=gc.PersonName(given="Ona", surname="Kalniņa", locale="lv"), country=country,
            language="lv", time_zone=zone, currency="EUR",
        ))
        crm.interactions.record(person, channel="whatsapp", direction="inbound", body="Sveiki",
                                occurred_at=NOW - dt.timedelta(days=2), now=NOW)
    crm.close()
    return url


def test_define_count_and_export_a_segment(tmp_path: Path) -> None:
    url = _store(tmp_path)
    rule_file = tmp_path / "baltic-whatsapp.json"
    rule_file.write_text(json.dumps(RULE), encoding="utf-8")
    defined = runner.invoke(app, ["segments", "define", str(rule_file), "--url", url])
    assert defined.exit_code == 0, defined.output
    assert "segment baltic-whatsapp saved (version 1)" in defined.output
    again = runner.invoke(app, ["segments", "define", str(rule_file), "--url", url,
                                "--format", "json"])
    assert json.loads(again.stdout)["version"] == 2
    at = (NOW + dt.timedelta(hours=1)).isoformat()
    counted = runner.invoke(app, ["segments", "count", "baltic-whatsapp", "--url", url,
                                  "--now", at, "--by", "country", "--format", "json"])
    assert counted.exit_code == 0, counted.output
    assert json.loads(counted.stdout) == {"name": "baltic-whatsapp", "count": 2,
                                          "by_country": {"LT": 1, "LV": 1}}
    text = runner.invoke(app, ["segments", "count", "baltic-whatsapp", "--url", url,
                               "--now", at])
    assert "baltic-whatsapp: 2 customers" in text.stdout
    out = tmp_path / "members.csv"
    exported = runner.invoke(app, ["segments", "export", "baltic-whatsapp", "-o", str(out),
                                   "--url", url, "--now", at, "--format", "json"])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["exported"] == 2
    with out.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert sorted(row["country"] for row in rows) == ["LT", "LV"]
    assert {row["surname"] for row in rows} == {"Kalniņa"}


def test_errors_are_one_line_with_the_json_path(tmp_path: Path) -> None:
    url = _store(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"all": [{"field": "country", "op": "lt", "value": "LT"}]}', encoding="utf-8")
    result = runner.invoke(app, ["segments", "define", str(bad), "--url", url])
    assert result.exit_code == 1
    assert "all[0].op: country takes the operators" in result.output
    assert "Traceback" not in result.output
    missing = runner.invoke(app, ["segments", "count", "nope", "--url", url])
    assert missing.exit_code == 1 and "no segment with this name" in missing.output
    wrong = runner.invoke(app, ["segments", "count", "nope", "--url", url, "--format", "xml"])
    assert wrong.exit_code == 1 and "format" in wrong.output


def test_the_demo_shows_the_baltic_whatsapp_segment(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--db", str(tmp_path / "demo.db")],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    start = result.output.index("Baltic customers who wrote on WhatsApp")
    shown = result.output[start:result.output.index("the rule, as stored", start)]
    assert "Jonas Petraitis" in shown and "Līga Bērziņa" in shown
    assert "Noa" not in shown and "Ana Souza" not in shown
