"""``globalcrm recommend CUSTOMER``, in text and in JSON; errors as one line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

import globalcrm as gc
from globalcrm.cli import app
from globalcrm.money import Money

runner = CliRunner()
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def _line(product: str, *attributes: str) -> dict[str, object]:
    return {"product": product, "quantity": 1, "unit_price": "2.00",
            "attributes": list(attributes)}


def _store(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    crm = gc.open(url)
    baskets = [
        [_line("flatbread", "cereals_gluten"), _line("halal-lamb", "meat", "halal"),
         _line("pork-sausage", "pork")],
        [_line("flatbread", "cereals_gluten"), _line("halal-lamb", "meat", "halal"),
         _line("dates")],
        [_line("flatbread", "cereals_gluten"), _line("pork-sausage", "pork")],
    ]
    people = []
    for items in [*baskets, [_line("flatbread", "cereals_gluten")]]:
        person = crm.customers.add(gc.Customer(
            name=gc.PersonName(given="Amina", surname="Haddad", locale="en"), country="GB",
            language="en", time_zone="Europe/London", currency="EUR",
            dietary_needs=["halal"] if len(items) == 1 else [],  # the last one
        ), now=NOW)
        crm.purchases.record(person, occurred_at=NOW - dt.timedelta(days=1), channel="web_form",
                             amount=Money(f"{2 * len(items)}.00", "EUR"), items=items, now=NOW)
        people.append(person)
    crm.close()
    return url, people[-1].id


def test_recommend_in_json_and_as_a_table(tmp_path: Path) -> None:
    url, halal = _store(tmp_path)
    result = runner.invoke(app, ["recommend", halal, "--url", url, "--format", "json",
                                 "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    made = json.loads(result.stdout)
    assert [item["product"] for item in made] == ["halal-lamb"]  # no pork; dates undeclared
    assert made[0]["reason"] == "bought together with flatbread"
    assert made[0]["attributes"] == ["halal", "meat"] and made[0]["together"] == 2
    lenient = runner.invoke(app, ["recommend", halal, "--url", url, "--format", "json",
                                  "--include-undeclared", "--limit", "5"])
    assert [item["product"] for item in json.loads(lenient.stdout)] == ["halal-lamb", "dates"]
    text = runner.invoke(app, ["recommend", halal, "--url", url, "--include-undeclared"])
    assert text.exit_code == 0, text.output
    assert "halal-lamb" in text.stdout and "(none declared)" in text.stdout
    assert "pork-sausage" not in text.stdout


def test_recommend_errors_are_one_line(tmp_path: Path) -> None:
    url, halal = _store(tmp_path)
    for arguments in (["recommend", "01KAQ3V4J5ZC6Y3W8N0R2T4V6X"],
                      ["recommend", halal, "--limit", "0"],
                      ["recommend", halal, "--format", "xml"],
                      ["recommend", halal, "--now", "2026-12-01T12:00"]):
        result = runner.invoke(app, [*arguments, "--url", url])
        assert result.exit_code == 1
        assert result.output.startswith("error:") and "Traceback" not in result.output
        assert "Amina" not in result.output
