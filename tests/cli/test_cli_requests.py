"""``globalcrm privacy request ...`` and ``globalcrm privacy import FILE``, as text and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

import globalcrm as gc
from globalcrm.cli import app
from globalcrm.privacy import Purpose, publish_notice

runner = CliRunner()
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _store(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'requests.db'}"
    crm = gc.open(url)
    ona = crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Ona", surname="Kazlauskienė", locale="lt"), country="LT",
        language="lt", time_zone="Europe/Vilnius", currency="EUR",
        emails=["ona@example.lt"]), now=T0)
    crm.close()
    return url, ona.id


def _json(args: list[str]) -> Any:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_request_without_a_calendar_is_refused_in_one_line(tmp_path: Path) -> None:
    url, ona = _store(tmp_path)
    result = runner.invoke(app, ["privacy", "request", "open", "--url", url, "--customer", ona,
                                 "--right", "access", "--channel", "email"])
    assert result.exit_code == 1
    assert "no legal calendar is configured" in result.stderr
    assert "Traceback" not in result.output
    crm = gc.open(url)
    assert crm.privacy.requests.overdue(at=T0 + dt.timedelta(days=400)).items == []
    crm.close()


def test_open_pause_resume_extend_complete_in_the_vilnius_calendar(tmp_path: Path) -> None:
    url, ona = _store(tmp_path)
    base = ["--url", url]
    _json(["privacy", "request", "calendar", *base, "--time-zone", "Europe/Vilnius",
           "--country", "LT"])
    # the customer named by her e-mail address, as every CUSTOMER on the command line
    opened = _json(["privacy", "request", "open", *base, "--customer", "ona@example.lt",
                    "--right", "access", "--channel", "email",
                    "--received-at", "2026-11-02T09:00:00+00:00"])
    assert opened["customer_id"] == ona
    assert opened["regimes"] == ["eu-gdpr"] and opened["status"] == "received"
    # GDPR Art. 12(3): one month, to the same date; 2 December 2026 is a Wednesday in Vilnius
    due = opened["due"]
    assert isinstance(due, dict) and due["due_date"] == "2026-12-02"
    assert due["due_at"] == "2026-12-02T21:59:59.999999+00:00"
    request = str(opened["id"])
    step = ["privacy", "request"]
    _json([*step, "verify", request, *base, "--method", "id_document",
           "--at", "2026-11-02T10:00:00+00:00"])
    paused = _json([*step, "pause", request, *base, "--reason", "clarification",
                    "--at", "2026-11-03T10:00:00+00:00"])
    assert paused["status"] == "paused" and paused["due"] is None
    resumed = _json([*step, "resume", request, *base, "--at", "2026-11-08T10:00:00+00:00"])
    assert resumed["paused_days"] == 5
    assert isinstance(resumed["due"], dict) and resumed["due"]["due_date"] == "2026-12-07"
    extended = _json([*step, "extend", request, *base, "--reason", "many records",
                      "--notice-sent-at", "2026-11-20T10:00:00+00:00",
                      "--at", "2026-11-20T10:00:00+00:00"])
    assert extended["extended"] is True
    assert isinstance(extended["due"], dict) and extended["due"]["due_date"] > "2026-12-07"
    done = _json([*step, "complete", request, *base, "--summary", "sent the export",
                  "--at", "2026-11-25T10:00:00+00:00"])
    assert done["status"] == "completed" and done["closed_at"] == "2026-11-25T10:00:00+00:00"
    history = done["history"]
    assert isinstance(history, list)
    assert [step["kind"] for step in history] == [
        "opened", "identity_verified", "paused", "resumed", "extended", "completed"
    ]
    shown = runner.invoke(app, [*step, "show", request, *base], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "completed" in shown.stdout and "clarification" in shown.stdout
    assert "access [eu-gdpr] completed" in shown.stdout  # the regimes are text, not markup
    # a closed request takes no more steps: one line, exit 1, nothing changed
    again = runner.invoke(app, [*step, "reject", request, *base, "--ground", "excessive",
                                "--cite", "GDPR Art. 12(5)"])
    assert again.exit_code == 1 and "already completed" in again.stderr
    assert _json([*step, "show", request, *base])["status"] == "completed"


def test_overdue_and_due_soon_lists(tmp_path: Path) -> None:
    url, _ona = _store(tmp_path)
    base = ["--url", url]
    _json(["privacy", "request", "calendar", *base, "--time-zone", "Europe/Vilnius",
           "--country", "LT"])
    opened = _json(["privacy", "request", "open", *base, "--regime", "eu-gdpr",
                    "--requester", "someone@example.org", "--right", "erasure",
                    "--channel", "web_form", "--received-at", "2026-11-02T09:00:00+00:00"])
    assert opened["customer_id"] is None
    soon = _json(["privacy", "request", "due-soon", *base, "--days", "3",
                  "--at", "2026-11-30T12:00:00+00:00"])
    assert [r["id"] for r in soon["requests"]] == [opened["id"]]
    assert _json(["privacy", "request", "overdue", *base, "--at",
                  "2026-11-30T12:00:00+00:00"])["requests"] == []
    late = _json(["privacy", "request", "overdue", *base, "--at", "2026-12-03T12:00:00+00:00"])
    assert [r["id"] for r in late["requests"]] == [opened["id"]]
    table = runner.invoke(app, ["privacy", "request", "overdue", *base,
                                "--at", "2026-12-03T12:00:00+00:00"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and str(opened["id"]) in table.stdout
    bad = runner.invoke(app, ["privacy", "request", "overdue", *base, "--at", "yesterday"])
    assert bad.exit_code == 1 and "at:" in bad.stderr


def test_privacy_import_loads_a_csv_and_reports_bad_rows(tmp_path: Path) -> None:
    url, ona = _store(tmp_path)
    crm = gc.open(url)
    crm.privacy.add_purpose(Purpose(
        key="offers", version=1, name="Offers", dpv_purpose="dpv:DirectMarketing",
        legal_basis={"eu-gdpr": "consent"}, channels=("email",)))
    notice = crm.privacy.add_notice(publish_notice(
        "offers", 1, language="en", title="Offers", body="I agree.",
        effective_from=T0 - dt.timedelta(days=400)))
    crm.close()
    path = tmp_path / "consent.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["customer_id", "purpose", "channel", "state", "occurred_at",
                         "notice_id"])
        writer.writerow([ona, "offers", "email", "withdrawn", "2026-03-01T10:00:00Z", ""])
        writer.writerow([ona, "offers", "email", "given", "2026-01-01T10:00:00Z", notice.id])
        writer.writerow([ona, "offers", "carrier-pigeon", "given", "2026-02-01T10:00:00Z",
                         notice.id])
    result = runner.invoke(app, ["privacy", "import", str(path), "--url", url,
                                 "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["rows"] == 3 and data["imported"] == 2 and data["committed"] is True
    assert [(e["row"], e["field"]) for e in data["errors"]] == [(3, "channel")]
    crm = gc.open(url)
    states = [e.state for e in crm.privacy.history(ona)]
    assert states == ["given", "withdrawn"]  # in time order, not file order
    assert crm.privacy.verify().ok
    crm.close()
    # --atomic: nothing stored while a row is bad
    atomic = runner.invoke(app, ["privacy", "import", str(path), "--url", url, "--atomic"])
    assert atomic.exit_code == 1 and "nothing stored" in atomic.stdout
    assert "row 3: channel:" in atomic.stderr
    missing = runner.invoke(app, ["privacy", "import", str(tmp_path / "none.csv"), "--url", url])
    assert missing.exit_code == 1 and "file: no such file" in missing.stderr


def test_the_demo_counts_a_gdpr_request_past_a_lithuanian_christmas(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--db", str(db)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    # one month from Tue 24 Nov ends on Christmas Eve (a holiday in Lithuania), then Christmas,
    # the weekend: the period ends on the next working day, in Vilnius time
    assert "received Tue 24 Nov 2026 in Vilnius; due Mon 28 Dec 2026" in result.output
    assert "2026-12-28 21:59 UTC" in result.output
    # the breach clock runs 72 hours through the holidays
    assert "tell the authority under eu-gdpr by Sat 26 Dec 17:00" in result.output
    crm = gc.open(f"sqlite:///{db}")
    jonas = crm.customers.search("petraitis").items[0]
    (request,) = crm.privacy.requests.for_customer(jonas)
    assert request.regimes == ("eu-gdpr",) and request.status == "in_progress"
    assert crm.privacy.verify().ok
    crm.close()
