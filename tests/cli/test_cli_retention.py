"""``globalcrm privacy retention ...`` and ``globalcrm privacy hold ...``: policies, holds and the
sweep from the command line, exit statuses 0/1/2, and the sweep's old spelling."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

import globalcrm as gc
from globalcrm.cli import app

runner = CliRunner()
T0 = dt.datetime(2020, 1, 6, 9, 0, tzinfo=dt.UTC)


def _store(tmp_path: Path) -> tuple[str, list[str]]:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    crm = gc.open(url)
    ids = [
        crm.customers.add(gc.Customer(
            name=gc.PersonName(given=given, locale="lt"), country="LT", language="lt",
            time_zone="Europe/Vilnius", currency="EUR", created_at=T0,
            emails=[gc.EmailAddress(address=f"{given.lower()}@example.lt")]), now=T0).id
        for given in ("Jonas", "Ona", "Petras")
    ]
    crm.close()
    return url, ids


def _json(output: str) -> Any:
    start = min(i for i in (output.find("{"), output.find("[")) if i >= 0)
    return json.loads(output[start:])


def test_policies_are_set_listed_and_removed(tmp_path: Path) -> None:
    url, _ = _store(tmp_path)
    made = runner.invoke(app, [
        "privacy", "retention", "policy", "set", "dormant", "--scope", "customer",
        "--trigger", "last_interaction", "--duration", "P3Y", "--action", "erase",
        "--cite", "DPDP Rules 2025, rule 8", "--time-zone", "Asia/Kolkata",
        "--pre-notice", "PT48H", "--url", url, "--format", "json"])
    assert made.exit_code == 0, made.output
    assert _json(made.output)["pre_notice"] == "PT48H"
    text = runner.invoke(app, [
        "privacy", "retention", "policy", "set", "mail", "--scope", "interactions",
        "--trigger", "created", "--duration", "P2Y", "--action", "anonymise",
        "--cite", "GDPR art. 5(1)(e)", "--url", url])
    assert text.exit_code == 0 and "policy mail stored" in text.output
    listed = runner.invoke(app, ["privacy", "retention", "policy", "list", "--url", url,
                                 "--format", "json"])
    assert [p["name"] for p in _json(listed.output)] == ["dormant", "mail"]
    assert _json(listed.output)[0]["time_zone"] == "Asia/Kolkata"
    table = runner.invoke(app, ["privacy", "retention", "policy", "list", "--url", url],
                          env={"COLUMNS": "200"})
    assert "Asia/Kolkata" in table.output and "anonymise" in table.output
    refused = runner.invoke(app, [
        "privacy", "retention", "policy", "set", "logs", "--scope", "audit", "--trigger",
        "created", "--duration", "P6Y", "--action", "delete", "--cite", "x", "--url", url])
    assert refused.exit_code == 1 and "can only review" in refused.output
    assert "Traceback" not in refused.output
    missing = runner.invoke(app, ["privacy", "retention", "policy", "set", "x", "--url", url])
    assert missing.exit_code == 2
    removed = runner.invoke(app, ["privacy", "retention", "policy", "remove", "mail",
                                  "--url", url, "--format", "json"])
    assert removed.exit_code == 0 and _json(removed.output) == {"removed": "mail"}
    again = runner.invoke(app, ["privacy", "retention", "policy", "remove", "mail",
                                "--url", url])
    assert again.exit_code == 1 and "no such retention policy" in again.output


def test_holds_are_placed_listed_and_released_by_email(tmp_path: Path) -> None:
    url, ids = _store(tmp_path)
    placed = runner.invoke(app, ["privacy", "hold", "place", "ona@example.lt", "--reason",
                                 "claim 17", "--cite", "GDPR art. 17(3)(e)", "--url", url,
                                 "--format", "json"])
    assert placed.exit_code == 0, placed.output
    hold = _json(placed.output)
    assert hold["customer"] == ids[1] and hold["released_at"] is None
    listed = runner.invoke(app, ["privacy", "hold", "list", "ona@example.lt", "--url", url,
                                 "--format", "json"])
    assert [h["id"] for h in _json(listed.output)] == [hold["id"]]
    assert _json(runner.invoke(app, ["privacy", "hold", "list", ids[0], "--url", url,
                                     "--format", "json"]).output) == []
    table = runner.invoke(app, ["privacy", "hold", "list", "--url", url], env={"COLUMNS": "60"})
    assert hold["id"] in table.output and ids[1] in table.output
    released = runner.invoke(app, ["privacy", "hold", "release", hold["id"].lower(),
                                   "--url", url, "--format", "json"])
    assert released.exit_code == 0 and _json(released.output)["released_at"] is not None
    twice = runner.invoke(app, ["privacy", "hold", "release", hold["id"], "--url", url])
    assert twice.exit_code == 1 and "no such legal hold in force" in twice.output
    unknown = runner.invoke(app, ["privacy", "hold", "place", "nobody@example.lt", "--reason",
                                  "x", "--cite", "y", "--url", url])
    assert unknown.exit_code == 1 and "no customer" in unknown.output
    assert runner.invoke(app, ["privacy", "hold", "place", ids[0], "--url", url]).exit_code == 2


def test_the_sweep_runs_as_retention_sweep_and_as_retention_alone(tmp_path: Path) -> None:
    url, ids = _store(tmp_path)
    runner.invoke(app, ["privacy", "hold", "place", ids[2], "--reason", "claim", "--cite",
                        "GDPR art. 17(3)(e)", "--url", url])
    set_ = runner.invoke(app, [
        "privacy", "retention", "policy", "set", "dormant", "--scope", "customer",
        "--trigger", "created", "--duration", "P3Y", "--action", "erase", "--cite", "x",
        "--pre-notice", "PT48H", "--url", url])
    assert set_.exit_code == 0, set_.output
    old = runner.invoke(app, ["privacy", "retention", "--dry-run", "--url", url,
                              "--format", "json"])
    assert old.exit_code == 0, old.output
    planned = _json(old.output)
    assert planned["dry_run"] and planned["noticed"] == 2 and planned["acted"] == 0
    assert planned["policies"][0]["held"] == 1
    new = runner.invoke(app, ["privacy", "retention", "sweep", "--dry-run", "--url", url,
                              "--format", "json"])
    assert _json(new.output)["policies"] == planned["policies"]
    told = runner.invoke(app, ["privacy", "retention", "sweep", "--url", url])
    assert told.exit_code == 0 and "dormant" in told.output
    crm = gc.open(url)
    assert {n.subject_ref for n in crm.privacy.retention.notices()} == set(ids[:2])
    crm.close()
    # told now: acted on no sooner than 48 hours from now, so nothing more happens yet
    again = runner.invoke(app, ["privacy", "retention", "--url", url, "--format", "json"])
    assert _json(again.output)["policies"][0]["waiting"] == 2
    assert _json(again.output)["acted"] == 0
    misplaced = runner.invoke(app, ["privacy", "retention", "--dry-run", "policy", "list",
                                    "--url", url])
    assert misplaced.exit_code == 2 and "after `policy`" in misplaced.output
