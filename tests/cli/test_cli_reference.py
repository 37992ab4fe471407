"""The generated CLI reference is up to date, and the command line keeps what it promises there:
exit statuses 0/1/2, and ids never cut however narrow the terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
