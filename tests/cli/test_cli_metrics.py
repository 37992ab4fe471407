"""``globalcrm metrics report|at-risk`` and ``globalcrm report -o FILE``, as tables and JSON.

One synthetic service history (globalcrm.metrics_demo) stored once in SQLite; the numbers the
CLI prints are those of crm.metrics, formatted in the reader's locale.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import globalcrm as gc
from globalcrm.cli import app
from globalcrm.metrics_demo import seed_service_history

runner = CliRunner()
NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
AT = ["--now", "2026-12-03T12:00Z"]


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("metrics") / "metrics.db"
    crm = gc.open(f"sqlite:///{path}")
    seed_service_history(crm, now=NOW, customers=12, weeks=6)
    crm.close()
    return f"sqlite:///{path}"


def test_report_as_json_equals_the_library(url: str) -> None:
    result = runner.invoke(app, ["metrics", "report", "--url", url, "--kpis", "nps,csat,frt",
                                 "--by", "country", "--period", "week", "--time-zone",
                                 "Asia/Tokyo", *AT, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    crm = gc.open(url)
    try:
        expected = crm.metrics.report(["nps", "csat", "frt"], by="country", period="week",
                                      time_zone="Asia/Tokyo", now=NOW).to_json()
    finally:
        crm.close()
    assert data == expected
    assert data["rows"] and {row["country"] for row in data["rows"]} <= {"LT", "FI", "JP", "DE",
                                                                          "BR"}


def test_report_as_a_table_in_the_reader_s_locale(url: str) -> None:
    result = runner.invoke(app, ["metrics", "report", "--url", url, "--kpis", "csat",
                                 "--by", "team", "--locale", "de", *AT],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "CSAT" in result.output and "north" in result.output
    assert re.search(r"│ north │ \d{1,3},\d\xa0% │", result.output)  # German: 92,3 %


def test_at_risk_lists_the_churners_with_reasons(url: str) -> None:
    result = runner.invoke(app, ["metrics", "at-risk", "--url", url, *AT, "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)["customers"]
    assert listed and all(item["score"] >= 50 for item in listed)
    assert all(item["reasons"] for item in listed)
    assert [item["score"] for item in listed] == sorted((i["score"] for i in listed),
                                                         reverse=True)
    text = runner.invoke(app, ["metrics", "at-risk", "--url", url, *AT],
                         env={"COLUMNS": "200"})
    assert "no purchase for" in text.output


def test_dashboard_is_written(url: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "-o", str(page), "--url", url, *AT])
    assert result.exit_code == 0, result.output
    document = page.read_text(encoding="utf-8")
    assert document.startswith("<!DOCTYPE html>") and document.count("<svg") == 5
    again = runner.invoke(app, ["report", "-o", str(page), "--url", url, *AT, "--format", "json"])
    assert json.loads(again.output) == {"output": str(page), "bytes": len(document.encode())}


def test_errors_are_one_line_and_exit_1(url: str, tmp_path: Path) -> None:
    for arguments in (["metrics", "report", "--url", url, "--kpis", "mood"],
                      ["metrics", "report", "--url", url, "--by", "shoe_size"],
                      ["metrics", "report", "--url", url, "--time-zone", "Mars/Olympus"],
                      ["metrics", "at-risk", "--url", url, "--threshold", "101"],
                      ["metrics", "report", "--url", url, "--format", "xml"],
                      ["report", "-o", str(tmp_path / "missing" / "r.html"), "--url", url]):
        result = runner.invoke(app, arguments)
        assert result.exit_code == 1, arguments
        assert result.output.startswith("error:") and "Traceback" not in result.output


def test_the_demo_shows_nps_by_country_and_the_at_risk_list(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--db", str(tmp_path / "demo.db")],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "service KPIs by country" in result.output
    assert re.search(r"│ LT +│ [+-]\d+\.\d +│", result.output)
    assert re.search(r"\d+ customers at risk of leaving", result.output)
    assert "no purchase for" in result.output
