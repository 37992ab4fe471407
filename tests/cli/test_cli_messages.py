"""The command line: `globalcrm messages templates` and `globalcrm messages render`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import globalcrm as gc
from globalcrm.cli import app
from globalcrm.demo_data import sample_customers

runner = CliRunner()


def _store(tmp_path: Path) -> tuple[str, dict[str, str]]:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    crm = gc.open(url)
    ids = {c.language: crm.customers.add(c).id for c in sample_customers()}
    crm.close()
    return url, ids


def test_templates_are_listed_with_their_languages() -> None:
    result = runner.invoke(app, ["messages", "templates", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = {item["name"]: item for item in json.loads(result.stdout)}
    assert set(listed) == set(gc.messages.SHIPPED_TEMPLATES)
    assert "pt-BR" in listed["welcome"]["locales"] and listed["welcome"]["default"] == "en"
    table = runner.invoke(app, ["messages", "templates"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "double_opt_in" in table.output


def test_render_writes_in_the_customers_language(tmp_path: Path) -> None:
    url, ids = _store(tmp_path)
    result = runner.invoke(
        app,
        [
            "messages",
            "render",
            "order_delayed",
            ids["de"],
            "--url",
            url,
            "--value",
            "brand=Acme",
            "--value",
            "order=A-7",
            "--value",
            "expected=2026-12-10",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["locale"] == "de" and data["formality"] == "formal"
    assert data["text"].startswith("Sehr geehrter Herr Dr. Müller,\n\nleider dauert Ihre")
    assert "am 10. Dezember 2026" in data["text"]
    text = runner.invoke(
        app,
        [
            "messages",
            "render",
            "survey_invitation",
            ids["lt"],
            "--url",
            url,
            "--value",
            "brand=Acme",
            "--value",
            "survey_url=https://example.com/s",
            "--values-json",
            '{"minutes": 21}',
            "--channel",
            "sms",
        ],
    )
    assert text.exit_code == 0, text.output
    assert "Apklausa užtruks 21 minutę:" in text.output


def test_a_missing_value_is_one_line_naming_it(tmp_path: Path) -> None:
    url, ids = _store(tmp_path)
    result = runner.invoke(app, ["messages", "render", "welcome", ids["fi"], "--url", url])
    assert result.exit_code == 1
    assert "values.brand" in result.output and "Traceback" not in result.output
    bad = runner.invoke(
        app, ["messages", "render", "welcome", ids["fi"], "--url", url, "--values-json", "[1]"]
    )
    assert bad.exit_code == 1 and "values_json" in bad.output
    bad = runner.invoke(
        app, ["messages", "render", "welcome", ids["fi"], "--url", url, "--value", "brand"]
    )
    assert bad.exit_code == 1 and "value[0]" in bad.output
    for taken in ("channel=sms", "salutation=Yo", "relationship=friend"):
        bad = runner.invoke(
            app,
            [
                "messages",
                "render",
                "welcome",
                ids["fi"],
                "--url",
                url,
                "--value",
                "brand=Acme",
                "--value",
                taken,
            ],
        )
        assert bad.exit_code == 1 and "values[1]" in bad.output, bad.output
    bad = runner.invoke(app, ["messages", "templates", "--format", "xml"])
    assert bad.exit_code == 1 and "format" in bad.output


def test_the_demo_welcomes_each_customer_in_their_language(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--db", str(tmp_path / "demo.db")], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    for text in (
        "a welcome message to each customer",
        "Gerbiamasis pone Petraiti,",  # LT, WhatsApp: a chat salutation, comma
        "dėkojame, kad pasirinkote",  # ... so the text goes on in lowercase
        "kiitos, että valitsit meidät",  # FI, informal
        "Sehr geehrter Herr Dr. Müller,",
        "感谢您选择",
        "このたびは",
        "Bizni tanlaganingiz uchun rahmat",
        "Que bom ter você com a gente!",
        "no ko text: en",  # Korean has no variant: the default, said so
    ):
        assert text in result.output, text
