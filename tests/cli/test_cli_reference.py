"""The generated CLI reference is up to date, and the command line keeps what it promises there:
exit statuses 0/1/2, and ids never cut however narrow the terminal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

import globalcrm as gc
from globalcrm.cli import app
from tests.rows import GOOD_ROW

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_the_cli_reference_page_is_generated_from_the_app() -> None:
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "tools" / "build_cli_reference.py"), "--check"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    page = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    assert "## globalcrm import" in page and "`--on-match`" in page


def test_exit_status_is_0_done_1_data_error_2_usage(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    gc.open(url).close()
    assert runner.invoke(app, ["find", "jonas", "--url", url]).exit_code == 0
    missing = runner.invoke(app, ["import", str(tmp_path / "none.csv"), "--url", url])
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    assert runner.invoke(app, ["import", "--no-such-option"]).exit_code == 2
    assert runner.invoke(app, ["no-such-command"]).exit_code == 2


def test_ids_are_never_cut_in_a_narrow_terminal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    crm = gc.open(url)
    [customer_id] = crm.customers.import_rows([GOOD_ROW]).ids
    crm.close()
    shown = runner.invoke(app, ["find", "jonas", "--url", url], env={"COLUMNS": "40"})
    assert shown.exit_code == 0, shown.output
    assert customer_id in shown.output


def test_customer_arguments_take_an_email_or_phone_and_an_ambiguous_one_lists_ids(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    crm = gc.open(url)
    lt = crm.customers.import_rows([{**GOOD_ROW, "phones": "+370 6123 4567"}]).ids[0]
    lv = crm.customers.import_rows([{
        **GOOD_ROW, "country": "LV", "language": "lv", "time_zone": "Europe/Riga",
        "emails": "liga@example.lv", "phones": "+371 6123 4567"}]).ids[0]
    crm.close()
    for text in ("jonas@example.lt", "+370 6123 4567", lt):
        shown = runner.invoke(app, ["payments", "methods", text, "--url", url,
                                    "--format", "json"])
        assert shown.exit_code == 0, (text, shown.output)
    both = runner.invoke(app, ["payments", "methods", "6123 4567", "--url", url])
    assert both.exit_code == 1
    assert lt in both.output and lv in both.output and "2 customers match" in both.output
    unknown = runner.invoke(app, ["privacy", "consent", "history", "nobody@example.lt",
                                  "--url", url])
    assert unknown.exit_code == 1 and "no customer with this id" in unknown.output


def test_merge_two_records_named_by_email_and_phone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    crm = gc.open(url)
    keep = crm.customers.import_rows([{**GOOD_ROW, "phones": ""}]).ids[0]
    other = crm.customers.import_rows([{**GOOD_ROW, "emails": "kitas@example.lt"}]).ids[0]
    crm.close()
    done = runner.invoke(app, ["merge", "jonas@example.lt", "+370 612 34567", "--url", url,
                               "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["id"] == keep
    crm = gc.open(url)
    assert crm.customers.count() == 1 and crm.customers.get(other).id == keep
    crm.close()


def test_every_command_that_shows_data_takes_format_json() -> None:
    import typer

    root = typer.main.get_command(app)
    without: list[str] = []

    def walk(group: Any, path: list[str]) -> None:
        for name, command in sorted(group.commands.items()):
            if hasattr(command, "commands"):
                walk(command, [*path, name])
            elif "--format" not in {o for p in command.params for o in p.opts}:
                without.append(" ".join([*path, name]))

    walk(root, [])
    # these write a file or change the store and print one line, or print JSON already
    assert sorted(without) == ["demo", "migrate", "payments qr", "privacy consent receipt",
                               "privacy rewrap-keys", "reindex"]


def test_find_and_import_speak_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    source = tmp_path / "rows.json"
    source.write_text(json.dumps([GOOD_ROW, {**GOOD_ROW, "currency": "XQQ"}]), encoding="utf-8")
    imported = runner.invoke(app, ["import", str(source), "--url", url, "--format", "json"])
    assert imported.exit_code == 1
    report = json.loads(imported.stdout)
    assert (report["rows"], report["imported"], report["errors"][0]["row"]) == (2, 1, 2)
    found = runner.invoke(app, ["find", "8 612 34567", "--url", url, "--format", "json"])
    assert [c["phone"] for c in json.loads(found.stdout)] == ["+37061234567"]
    by_name = runner.invoke(app, ["find", "petraitis", "--url", url, "--format", "json"])
    assert [c["name"] for c in json.loads(by_name.stdout)] == ["Jonas Petraitis"]
