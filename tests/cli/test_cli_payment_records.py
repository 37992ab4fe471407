"""``globalcrm payments methods|list|show|refund``: tables and JSON over a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import globalcrm as gc
from globalcrm.cli import app
from globalcrm.money import money

runner = CliRunner()


def _store(tmp_path: Path) -> tuple[str, str, str]:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    crm = gc.open(url)
    customer = crm.customers.add(
        gc.Customer(name=gc.PersonName(given="Ana", surname="Silva", locale="pt-BR"),
                    country="BR", language="pt-BR", time_zone="America/Sao_Paulo",
                    currency="BRL", attributes={"preferred_payment_methods": ["boleto"]})
    )
    payment = crm.payments.record(customer, method="pix", amount=money("149.90", "BRL"),
                                  status="succeeded", provider_reference="PEDIDO88")
    crm.close()
    return url, customer.id, payment.id


def test_methods_lists_the_customers_methods_in_their_language(tmp_path: Path) -> None:
    url, customer, _ = _store(tmp_path)
    shown = runner.invoke(app, ["payments", "methods", customer, "--url", url,
                                "--format", "json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["country"] == "BR"
    assert [m["key"] for m in data["methods"]][:2] == ["boleto", "pix"]
    assert data["methods"][0]["name"] == "Boleto Bancário"
    capped = runner.invoke(app, ["payments", "methods", customer, "--url", url, "--amount",
                                 "100000000", "--format", "json"])
    assert capped.exit_code == 0
    assert "boleto" not in [m["key"] for m in json.loads(capped.stdout)["methods"]]
    table = runner.invoke(app, ["payments", "methods", customer, "--url", url])
    assert table.exit_code == 0 and "pix" in table.output
    unknown = runner.invoke(app, ["payments", "methods", "01KAQ3V4J5ZC6Y3W8N0R2T4V6X",
                                  "--url", url])
    assert unknown.exit_code == 1 and "no customer" in unknown.output


def test_list_show_and_refund(tmp_path: Path) -> None:
    url, customer, payment = _store(tmp_path)
    listed = runner.invoke(app, ["payments", "list", "--url", url, "--customer", customer,
                                 "--format", "json"])
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.stdout)["payments"]
    assert (row["id"], row["amount"], row["status"]) == (payment, "149.90", "succeeded")
    refund = ["payments", "refund", payment, "49.90", "--url", url, "--reason",
              "requested_by_customer", "--idempotency-key", "rf-1", "--format", "json"]
    first = runner.invoke(app, refund)
    again = runner.invoke(app, refund)
    assert first.exit_code == again.exit_code == 0, first.output
    assert json.loads(again.stdout)["refunded"] == "49.90"  # refunded once
    too_much = runner.invoke(app, ["payments", "refund", payment, "100.01", "--url", url])
    assert too_much.exit_code == 1 and "left to refund" in too_much.output
    shown = runner.invoke(app, ["payments", "show", payment, "--url", url, "--format", "json"])
    data = json.loads(shown.stdout)
    assert [(e["kind"], e["to_status"]) for e in data["events"]] == [
        ("status", "created"), ("status", "succeeded"), ("refund", "partially_refunded")
    ]
    assert data["events"][2]["reason"] == "requested_by_customer"
    table = runner.invoke(app, ["payments", "show", payment, "--url", url])
    assert table.exit_code == 0 and "49.90" in table.output
    bad = runner.invoke(app, ["payments", "list", "--url", url, "--format", "xml"])
    assert bad.exit_code == 1 and "text or json" in bad.output
