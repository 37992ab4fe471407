"""``globalcrm loyalty balance|statement|expire|review-tiers``, as text and as JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

import globalcrm as gc
from globalcrm.cli import app
from globalcrm.money import money

runner = CliRunner()
NOW = dt.datetime.now(dt.UTC)


def _store(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    crm = gc.open(url)
    customer = crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Aino", surname="Mäkinen", locale="fi"), country="FI",
        language="fi", time_zone="Europe/Helsinki", currency="EUR"))
    account = crm.loyalty.enroll(customer, now=NOW - dt.timedelta(days=400))
    crm.loyalty.earn(account, amount=money("1200", "EUR"), channel="in_person",
                     occurred_at=NOW - dt.timedelta(days=370), now=NOW - dt.timedelta(days=370))
    crm.loyalty.earn(account, amount=money("80.50", "EUR"), channel="in_app",
                     reference="order-9", now=NOW)
    crm.close()
    return url, customer.id


def test_balance_names_the_tier_in_the_members_language(tmp_path: Path) -> None:
    url, customer = _store(tmp_path)
    result = runner.invoke(app, ["loyalty", "balance", customer, "--url", url,
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # the 1,200 points of 370 days ago expired at the end of their 365th day (not swept yet);
    # the 80.50 EUR of today earned at Gold's 1.25
    assert data["balance"] == 100
    assert (data["tier"], data["tier_name"]) == ("gold", "Kulta")
    assert data["next_tier"] == "platinum" and data["qualifying"] == "100"
    assert [lot["points"] for lot in data["expiring_first"]] == [100]
    text = runner.invoke(app, ["loyalty", "balance", customer, "--url", url])
    assert text.exit_code == 0 and "100 points" in text.output and "Kulta" in text.output


def test_statement_pages_and_expire_reports(tmp_path: Path) -> None:
    url, customer = _store(tmp_path)
    first = runner.invoke(app, ["loyalty", "statement", customer, "--url", url, "--limit", "1",
                                "--format", "json"])
    assert first.exit_code == 0, first.output
    page = json.loads(first.stdout)
    assert [(e["kind"], e["points"], e["reference"]) for e in page["entries"]] == [
        ("earn", 100, "order-9")]
    rest = runner.invoke(app, ["loyalty", "statement", customer, "--url", url, "--format",
                               "json", "--after", page["next_cursor"]])
    assert [e["points"] for e in json.loads(rest.stdout)["entries"]] == [1200]
    expired = runner.invoke(app, ["loyalty", "expire", "--url", url, "--format", "json"])
    assert json.loads(expired.stdout) == {"accounts": 1, "entries": 1, "points": 1200}
    again = runner.invoke(app, ["loyalty", "expire", "--url", url])
    assert again.exit_code == 0 and "0 points expired" in again.output
    table = runner.invoke(app, ["loyalty", "statement", customer, "--url", url],
                          env={"COLUMNS": "200"})
    assert "expire" in table.output and "-1,200" in table.output
    review = runner.invoke(app, ["loyalty", "review-tiers", "--url", url, "--format", "json"])
    assert review.exit_code == 0 and json.loads(review.stdout) == {"changes": []}


def test_errors_are_one_line(tmp_path: Path) -> None:
    url, _ = _store(tmp_path)
    missing = runner.invoke(app, ["loyalty", "balance", "01KAQ3V4J5ZC6Y3W8N0R2T4V6X",
                                  "--url", url])
    assert missing.exit_code == 1 and "no loyalty account" in missing.output
    assert "Traceback" not in missing.output
    junk = runner.invoke(app, ["loyalty", "balance", "not an id", "--url", url])
    assert junk.exit_code == 1 and "account" in junk.output
    bad = runner.invoke(app, ["loyalty", "expire", "--url", url, "--format", "xml"])
    assert bad.exit_code == 1 and "text or json" in bad.output


def test_demo_shows_a_customer_moving_up_a_tier_in_their_language(tmp_path: Path) -> None:
    from rich.console import Console

    from globalcrm.demo import run_demo

    console = Console(record=True, width=200)
    crm = run_demo(tmp_path / "demo.db", console)
    output = console.export_text()
    for text in ("Sidabrinis", "Sudraba", "Hopea", "כסף", "Kumush", "银卡", "실버", "Prata",
                 "सिल्वर", "Zilver", "Silber", "シルバー → ゴールド", "the ledger verifies: True"):
        assert text in output, text
    japan = next(c for c in crm.customers.list(limit=100) if c.country == "JP")
    assert crm.loyalty.account(japan).tier == "gold"
    assert [c.reason for c in crm.loyalty.tier_changes(japan)] == ["enrolled", "upgrade"]
    crm.close()
