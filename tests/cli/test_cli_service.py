"""``globalcrm service``: cases, case ID, assign and sla-report, as tables and as JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

import globalcrm as gc
from globalcrm.business_hours import BusinessHours
from globalcrm.cli import app
from globalcrm.support import SlaPolicy, SlaTarget, Team

runner = CliRunner()
T0 = dt.datetime(2026, 11, 25, 13, 0, tzinfo=dt.UTC)  # a Wednesday, in the past


def _store(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'service.db'}"
    crm = gc.open(url)
    crm.service.save_policy(SlaPolicy(key="std", targets=[
        SlaTarget(metric="first_response", within=dt.timedelta(hours=1)),
        SlaTarget(metric="resolution", within=dt.timedelta(hours=8))]))
    crm.service.save_team(Team(
        key="vilnius", name="Vilnius", languages=["lt"], agents=["ona", "petras"],
        sla_policy="std",
        business_hours=BusinessHours(time_zone="Europe/Vilnius", country="LT",
                                     weekly={d: [("09:00", "18:00")]
                                             for d in ("mon", "tue", "wed", "thu", "fri")})))
    jonas = crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Jonas", surname="Petraitis", locale="lt"), country="LT",
        language="lt", time_zone="Europe/Vilnius", currency="EUR"), now=T0)
    case = crm.service.open_case(jonas, channel="live_chat", body="Sveiki", now=T0)
    crm.service.message(case, channel="email", body="Laiškas", now=T0 + dt.timedelta(minutes=9))
    crm.close()
    return url, case.id


def test_cases_and_case_as_json(tmp_path: Path) -> None:
    url, case_id = _store(tmp_path)
    listed = runner.invoke(app, ["service", "cases", "--url", url, "--status", "open",
                                 "--format", "json"])
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.stdout)
    assert [c["id"] for c in data["cases"]] == [case_id] and data["next_cursor"] is None
    assert data["cases"][0]["channels"] == ["live_chat", "email"]
    assert data["cases"][0]["resolution_due"] == "2026-11-26T12:00:00+00:00"
    shown = runner.invoke(app, ["service", "case", case_id, "--url", url, "--format", "json"])
    assert shown.exit_code == 0, shown.output
    thread = json.loads(shown.stdout)["thread"]
    assert [(m["channel"], m["body"]) for m in thread] == [("live_chat", "Sveiki"),
                                                           ("email", "Laiškas")]
    table = runner.invoke(app, ["service", "case", case_id, "--url", url],
                          env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "Laiškas" in table.stdout


def test_assign_round_robin_and_the_sla_report(tmp_path: Path) -> None:
    url, case_id = _store(tmp_path)
    assigned = runner.invoke(app, ["service", "assign", case_id, "--url", url,
                                   "--strategy", "round_robin", "--format", "json"])
    assert assigned.exit_code == 0, assigned.output
    assert json.loads(assigned.stdout)["agent"] == "ona"
    report = runner.invoke(app, [
        "service", "sla-report", "--url", url, "--start", "2026-11-01T00:00Z",
        "--end", "2027-01-01T00:00Z", "--now", "2027-01-10T00:00Z", "--format", "json"])
    assert report.exit_code == 0, report.output
    data = json.loads(report.stdout)
    assert data["teams"][0]["team"] == "vilnius"
    assert data["teams"][0]["first_response_breached"] == 1
    assert {b["metric"] for b in data["breaches"]} == {"first_response", "resolution"}
    table = runner.invoke(app, ["service", "sla-report", "--url", url, "--start",
                                "2026-11-01T00:00Z", "--end", "2027-01-01T00:00Z"])
    assert table.exit_code == 0 and "vilnius" in table.stdout


def test_errors_are_one_line(tmp_path: Path) -> None:
    url, _ = _store(tmp_path)
    bad = runner.invoke(app, ["service", "case", "nope", "--url", url])
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    naive = runner.invoke(app, ["service", "sla-report", "--url", url, "--start",
                                "2026-12-01", "--end", "2027-01-01"])
    assert naive.exit_code == 1 and "zone" in naive.output
    wrong = runner.invoke(app, ["service", "cases", "--url", url, "--format", "xml"])
    assert wrong.exit_code == 1


def test_the_demo_follows_one_case_across_a_lithuanian_christmas(tmp_path: Path) -> None:
    from rich.console import Console

    from globalcrm.demo import run_demo

    console = Console(record=True, width=240)
    run_demo(tmp_path / "demo.db", console).close()
    text = console.export_text()
    assert "one thread across live_chat, email" in text
    assert "Mon 28 Dec 16:06 in Vilnius, Mon 28 Dec 15:06 for the customer" in text
    assert "Christmas Eve" in text and "Sehr geehrter Herr Dr. Müller" in text
