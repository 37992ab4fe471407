"""``globalcrm payments``: detect and explain a payment text; write QR images."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from globalcrm.cli import app

runner = CliRunner()


def test_validate_explains_the_problem_with_its_position() -> None:
    bad = runner.invoke(app, ["payments", "validate", "AT61 1904 3002 3457 3202"])
    assert bad.exit_code == 1
    assert "IBAN: invalid" in bad.output and "position 2" in bad.output
    good = runner.invoke(app, ["payments", "validate", "AT61 1904 3002 3457 3201"])
    assert good.exit_code == 0 and "IBAN: valid" in good.output
    unknown = runner.invoke(app, ["payments", "validate", "hello"])
    assert unknown.exit_code == 1 and "not a payment format" in unknown.output


def test_qr_writes_svg_and_png(tmp_path: Path) -> None:
    link = "upi://pay?pa=shop@icici&pn=Shop&am=10.00&cu=INR"
    svg = tmp_path / "upi.svg"
    png = tmp_path / "upi.png"
    assert (
        runner.invoke(app, ["payments", "qr", link, "--scheme", "upi", "-o", str(svg)]).exit_code
        == 0
    )
    assert runner.invoke(app, ["payments", "qr", link, "-o", str(png)]).exit_code == 0
    assert svg.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    wrong = runner.invoke(app, ["payments", "qr", link, "-o", str(tmp_path / "x.gif")])
    assert wrong.exit_code == 1 and ".svg or .png" in wrong.output
