"""The command line: demo, migrate, import with a per-row report, export that imports back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

import globalcrm as gc
from globalcrm.cli import app

runner = CliRunner()


def test_demo_seeds_thirteen_countries_and_shows_them(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--db", str(db)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for text in (
        "Jonas Petraitis",
        "Līga Bērziņa",
        "נועה כהן",
        "山田太郎",
        "王小明",
        "김민준",
        "Дилноза Рашидова",
        "(11) 91234-5678",
        "LT-01103 VILNIUS",
        "order-1042",
        # the Latin form of the addresses in other scripts: the customer's own, or ICU's
        "address (Latin)",
        "1 Herzl St",
        "TEL AVIV-YAFO 6100000",
        "1-1 Marunouchi 1-chome, Chiyoda-ku, TOKYO",
        "110 Sejong-daero",
        "Wangfujing Dajie 1 Hao",
        "BEIJING SHI, 100006",
        "(transliterated by ICU)",
        # the Hindi name as written, not CLDR's medium formal abbreviation
        "प्रिया शर्मा",
    ):
        assert text in result.output
    assert "प्रि॰" not in result.output
    assert result.output.count("(as the customer writes it)") == 3  # IL, JP, KR
    for image in ("demo-pix.svg", "demo-upi.png", "demo-epc.png"):
        assert (tmp_path / image).stat().st_size > 100
    assert "QR images written beside the demo database" in result.output
    assert "br.gov.bcb.pix" in result.output and "upi://pay" in result.output
    crm = gc.open(f"sqlite:///{db}")
    assert sorted(c.country for c in crm.customers.list(limit=100)) == sorted(
        # thirteen countries, and the minor whose guardian consented (the consent section)
        ["LT", "LV", "FI", "IL", "UZ", "JP", "CN", "KR", "BR", "IN", "NL", "DE", "US", "DE"]
    )
    assert len(crm.interactions.conversation("order-1042")) == 3
    crm.close()
    again = runner.invoke(app, ["demo", "--db", str(db)], env={"COLUMNS": "200"})
    assert again.exit_code == 0  # replaces the file rather than failing on duplicates


def test_the_demo_at_80_columns_cuts_no_name_and_says_why_a_tax_is_absent(
    tmp_path: Path,
) -> None:
    result = runner.invoke(app, ["demo", "--db", str(tmp_path / "demo.db")],
                           env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.output  # folded, never cut
    assert "╭─ LT · Jonas Petraitis" in result.output  # one card per customer when narrow
    assert "Jonas Petraitis" in result.output and "Дилноза Рашидова" in result.output
    assert "R$ 0,00" not in result.output and "$0.00" not in result.output
    assert "sales tax added at" in result.output
    assert "a new customer joins: Lena Schmidt (DE), 14" in result.output


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


ROW = {
    "given": "Aino",
    "surname": "Mäkinen",
    "name_locale": "fi",
    "country": "FI",
    "language": "fi",
    "time_zone": "Europe/Helsinki",
    "currency": "EUR",
    "emails": "aino@example.fi",
    "phones": "040 1234567",
}


def test_import_reports_bad_rows_and_exits_1(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    _write_csv(source, [ROW, {**ROW, "phones": "040 12"}, {**ROW, "given": "Eino"}])
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    result = runner.invoke(app, ["import", str(source), "--url", url])
    assert result.exit_code == 1
    assert "row 2: phones[0]: not a valid phone number for FI" in result.output
    assert "3 rows read, 2 imported, 1 with errors" in result.output
    atomic = runner.invoke(app, ["import", str(source), "--url", url, "--atomic"])
    assert atomic.exit_code == 1 and "nothing stored" in atomic.output
    crm = gc.open(url)
    assert crm.customers.count() == 2
    crm.close()


def test_import_of_a_big_file_in_worker_processes(tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    rows = [{**ROW, "given": f"Aino{i}", "emails": f"aino{i}@example.fi",
             "phones": f"040 {1000000 + i}"} for i in range(1100)]
    rows[1050]["phones"] = "040 12"
    _write_csv(source, rows)
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    result = runner.invoke(app, ["import", str(source), "--url", url, "--workers", "2"])
    assert result.exit_code == 1
    assert "row 1051: phones[0]: not a valid phone number for FI" in result.output
    assert "1100 rows read, 1099 imported, 1 with errors" in result.output
    crm = gc.open(url)
    assert crm.customers.count() == 1099
    found = crm.customers.find_by_email("aino1099@example.fi")
    assert [c.name.given for c in found] == ["Aino1099"]
    crm.close()


def test_export_then_import_round_trips(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    _write_csv(source, [ROW, {**ROW, "given": "Eino", "emails": "eino@example.fi"}])
    first = f"sqlite:///{tmp_path / 'a.db'}"
    assert runner.invoke(app, ["import", str(source), "--url", first]).exit_code == 0
    for fmt in ("jsonl", "json"):
        out = tmp_path / f"out.{fmt}"
        exported = runner.invoke(app, ["export", "--url", first, "--format", fmt, "-o", str(out)])
        assert exported.exit_code == 0
        text = out.read_text(encoding="utf-8")
        if fmt == "jsonl":
            documents = [json.loads(line) for line in text.splitlines()]
        else:
            documents = json.loads(text)
        assert sorted(d["name"]["given"] for d in documents) == ["Aino", "Eino"]
        assert all(isinstance(d["emails"], list) and "address" in d["emails"][0] for d in documents)
        second = f"sqlite:///{tmp_path / f'b-{fmt}.db'}"
        assert runner.invoke(app, ["import", str(out), "--url", second]).exit_code == 0
        a, b = gc.open(first), gc.open(second)
        assert [c.id for c in a.customers.list()] == [c.id for c in b.customers.list()]
        assert [c.phones for c in a.customers.list()] == [c.phones for c in b.customers.list()]
        assert [c.name for c in a.customers.list()] == [c.name for c in b.customers.list()]
        a.close()
        b.close()


def test_find_and_migrate_and_errors_without_traceback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    assert runner.invoke(app, ["migrate", "--url", url]).exit_code == 0
    source = tmp_path / "in.csv"
    _write_csv(source, [ROW])
    runner.invoke(app, ["import", str(source), "--url", url])
    found = runner.invoke(app, ["find", "makinen", "--url", url], env={"COLUMNS": "200"})
    assert "Aino Mäkinen" in found.output
    by_phone = runner.invoke(
        app, ["find", "040 1234567", "--region", "FI", "--url", url], env={"COLUMNS": "200"}
    )
    assert "+358 40 1234567" in by_phone.output
    bad = runner.invoke(app, ["find", "x", "--url", "mysql://nope"])
    assert bad.exit_code == 1
    assert "Traceback" not in bad.output and "not supported" in bad.output


def test_demo_shows_consent_and_audit_verify_catches_tampering(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--db", str(db)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "who may be e-mailed offers today" in result.output
    assert "double opt-in" not in result.output  # Jonas confirmed his
    assert "consent refused" in result.output and "Lena Schmidt" in result.output
    url = f"sqlite:///{db}"
    ok = runner.invoke(app, ["audit", "verify", "--url", url])
    assert ok.exit_code == 0 and "entries verify" in ok.output
    crm = gc.open(url)
    jonas = crm.customers.search("petraitis").items[0]
    crm.close()
    history = runner.invoke(
        app, ["privacy", "consent", "history", jonas.id, "--url", url], env={"COLUMNS": "200"}
    )
    assert history.exit_code == 0 and "marketing-email v1" in history.output
    receipt = runner.invoke(
        app,
        [
            "privacy",
            "consent",
            "receipt",
            jonas.id,
            "--url",
            url,
            "--controller",
            "GlobalCRM UAB",
            "--email",
            "dpo@example.lt",
            "--policy-url",
            "https://example.lt/privacy",
            "--jurisdiction",
            "LT",
        ],
    )
    assert receipt.exit_code == 0, receipt.output
    assert json.loads(receipt.output)["piiPrincipalId"] == jonas.id
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE audit_entries SET action = 'nothing.happened' WHERE seq = 3")
    tampered = runner.invoke(app, ["audit", "verify", "--url", url])
    assert tampered.exit_code == 1 and "entry 3 was tampered with" in tampered.output
