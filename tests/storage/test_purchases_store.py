"""Purchases in the store: recording, idempotent retries, refunds and cancellations, imports."""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

import globalcrm as gc
from globalcrm.money import Money
from globalcrm.storage import tables

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
TEA = {"product": "sencha-100g", "category": "tea", "quantity": "2", "unit_price": "6.20",
       "attributes": ["vegan"]}


def _customer(crm: gc.CRM, country: str = "LT") -> gc.Customer:
    return crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Ona", surname="Petraitienė", locale="lt"), country=country,
        language="lt", time_zone="Europe/Vilnius", currency="EUR",
    ))


def _buy(crm: gc.CRM, customer: gc.Customer | str, amount: str = "12.40", **more: Any) -> Any:
    values: dict[str, Any] = {
        "occurred_at": NOW - dt.timedelta(days=1), "channel": "web_form",
        "amount": Money(amount, "EUR"), "items": [TEA], "now": NOW,
    }
    values.update(more)
    return crm.purchases.record(customer, **values)


def _rows(crm: gc.CRM) -> tuple[int, int, int]:
    with crm._engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (tables.purchases, tables.purchase_items, tables.purchase_refunds)
        )


def test_a_purchase_is_stored_whole_and_read_back(crm: gc.CRM) -> None:
    ona = _customer(crm)
    stored = _buy(crm, ona)
    again = crm.purchases.get(stored.id)
    assert again == stored
    assert (again.status, again.currency, again.amount_minor) == ("completed", "EUR", 1240)
    assert again.items[0].quantity == Decimal("2") and again.items[0].total == Money("12.40",
                                                                                      "EUR")
    assert again.items[0].attributes == ("vegan",) and again.recorded_at == NOW
    assert _rows(crm) == (1, 1, 0)


def test_a_retry_with_the_same_key_returns_the_first_and_another_content_conflicts(
    crm: gc.CRM,
) -> None:
    ona = _customer(crm)
    first = _buy(crm, ona, idempotency_key="order-1042")
    assert _buy(crm, ona, idempotency_key="order-1042").id == first.id
    with pytest.raises(gc.Conflict, match="idempotency_key"):
        _buy(crm, ona, amount="99.00", idempotency_key="order-1042")
    assert _rows(crm) == (1, 1, 0)


def test_refused_purchases_store_nothing(crm: gc.CRM) -> None:
    ona = _customer(crm)
    with pytest.raises(gc.NotFound):
        _buy(crm, "01KAQ3V4J5ZC6Y3W8N0R2T4V6X")
    with pytest.raises(gc.InvalidInput, match="future"):
        _buy(crm, ona, occurred_at=NOW + dt.timedelta(minutes=6))
    with pytest.raises(gc.InvalidInput, match="minor units"):
        _buy(crm, ona, amount="12.345")
    with pytest.raises(gc.InvalidInput, match=r"items\[0\].unit_price"):
        _buy(crm, ona, items=[{**TEA, "unit_price": Money("1", "USD")}])
    with pytest.raises(gc.InvalidInput, match="status"):
        _buy(crm, ona, status="refunded")
    assert _rows(crm) == (0, 0, 0)


def test_refunds_move_the_status_and_never_exceed_what_was_paid(crm: gc.CRM) -> None:
    ona = _customer(crm)
    bought = _buy(crm, ona, amount="100.00")
    part = crm.purchases.refund(bought, amount=Money("30.00", "EUR"), reason="damaged", now=NOW)
    assert (part.status, part.net) == ("partially_refunded", Money("70.00", "EUR"))
    with pytest.raises(gc.RuleViolation):
        crm.purchases.refund(bought, amount=Money("70.01", "EUR"), now=NOW)
    assert crm.purchases.get(bought).net == Money("70.00", "EUR")
    with pytest.raises(gc.RuleViolation, match="refund the rest"):
        crm.purchases.cancel(bought)
    rest = crm.purchases.refund(bought.id, idempotency_key="r-2", now=NOW)
    assert (rest.status, rest.net) == ("refunded", Money("0.00", "EUR"))
    assert crm.purchases.refund(bought.id, idempotency_key="r-2", now=NOW).status == "refunded"
    refunds = crm.purchases.refunds(bought)
    assert [(r.amount, r.reason) for r in refunds] == [
        (Money("30.00", "EUR"), "damaged"), (Money("70.00", "EUR"), None)
    ]
    assert _rows(crm) == (1, 1, 2)


def test_a_cancelled_purchase_is_not_refunded(crm: gc.CRM) -> None:
    bought = _buy(crm, _customer(crm))
    assert crm.purchases.cancel(bought).status == "cancelled"
    assert crm.purchases.cancel(bought).status == "cancelled"
    with pytest.raises(gc.RuleViolation, match="cancelled"):
        crm.purchases.refund(bought, now=NOW)


def test_concurrent_refunds_never_give_back_more_than_was_paid(crm: gc.CRM) -> None:
    bought = _buy(crm, _customer(crm), amount="10.00")
    refused: list[Exception] = []

    def refund() -> None:
        for _ in range(20):
            try:
                crm.purchases.refund(bought, amount=Money("3.00", "EUR"), now=NOW)
                return
            except gc.RuleViolation as error:
                refused.append(error)
                return
            except gc.Conflict:
                continue  # busy: try again

    threads = [threading.Thread(target=refund) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = crm.purchases.get(bought)
    refunds = crm.purchases.refunds(bought)
    assert len(refunds) == 3 and len(refused) == 3
    assert after.refunded_minor == sum(r.amount_minor for r in refunds) == 900


def test_history_pages_newest_first(crm: gc.CRM) -> None:
    ona = _customer(crm)
    made = [
        _buy(crm, ona, occurred_at=NOW - dt.timedelta(hours=n)) for n in range(5)
    ]
    first = crm.purchases.history(ona, limit=2)
    second = crm.purchases.history(ona.id, limit=2, after=first.next_cursor)
    third = crm.purchases.history(ona, limit=2, after=second.next_cursor)
    assert [p.id for p in (*first, *second, *third)] == [p.id for p in made]
    assert third.next_cursor is None


def test_erasing_the_customer_keeps_the_sale_without_the_person(crm: gc.CRM) -> None:
    ona = _customer(crm)
    bought = _buy(crm, ona)
    crm.customers.delete(ona)
    kept = crm.purchases.get(bought.id)
    assert kept.customer_id is None  # nulled by the database
    assert kept.amount == bought.amount


def _row(customer: gc.Customer, **more: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "customer_id": customer.id, "occurred_at": "2026-11-20T10:00:00+02:00",
        "channel": "in_person", "amount": "12.40", "currency": "EUR",
        "items": json.dumps([TEA]),
    }
    row.update(more)
    return row


def test_import_reports_every_bad_row_and_keeps_the_good_ones(crm: gc.CRM) -> None:
    ona = _customer(crm)
    stored = _buy(crm, ona, idempotency_key="k-stored")
    rows = [
        _row(ona),
        _row(ona, currency="XQQ"),
        _row(ona, customer_id="01KAQ3V4J5ZC6Y3W8N0R2T4V6X"),
        _row(ona, idempotency_key="k-1"),
        _row(ona, idempotency_key="k-1"),
        _row(ona, idempotency_key="k-stored"),
        _row(ona, status="refunded", refunded="12.40"),
        _row(ona, status="refunded", refunded="1.00"),
        _row(ona, items="[{"),
        _row(ona, occurred_at="2026-11-20 10:00"),
    ]
    report = crm.purchases.import_rows(rows, now=NOW)
    assert [(e.row, e.field) for e in report.errors] == [
        (2, "currency"), (3, "customer_id"), (5, "idempotency_key"), (6, "idempotency_key"),
        (8, "status"), (9, "items"), (10, "occurred_at"),
    ]
    assert (report.rows, report.imported) == (10, 3)
    history = crm.purchases.history(ona, limit=10)
    assert len(history) == 4 and stored.id in {p.id for p in history}
    assert {p.status for p in history} == {"completed", "refunded"}


def test_an_atomic_import_with_one_bad_row_stores_nothing(crm: gc.CRM) -> None:
    ona = _customer(crm)
    report = crm.purchases.import_rows([_row(ona), _row(ona, amount="-1")], atomic=True, now=NOW)
    assert not report.committed and report.imported == 0
    assert [(e.row, e.field) for e in report.errors] == [(2, "amount")]
    assert _rows(crm) == (0, 0, 0)
    good = crm.purchases.import_rows([_row(ona), _row(ona)], atomic=True, now=NOW)
    assert good.committed and good.imported == 2 and _rows(crm) == (2, 2, 0)


def test_every_new_column_says_what_export_and_erasure_do() -> None:
    added = [tables.purchases, tables.purchase_items, tables.purchase_refunds, tables.segments,
             tables.segment_snapshots, tables.segment_members]
    for table in added:
        for column in table.columns:
            info = column.info
            where = f"{table.name}.{column.name}"
            assert info["pii"] in tables.PII_CLASSES, where
            assert isinstance(info["export"], bool), where
            assert info["erase"] in ("delete", "null", "anonymise", "shred", "keep"), where
            assert info["erase"] != "keep" or info.get("ground"), where
    assert tables.purchases.c.customer_id.info["erase"] == "null"
    assert tables.segment_members.c.customer_id.info["erase"] == "delete"


def test_a_members_purchase_earns_points_and_refunds_take_them_back(crm: gc.CRM) -> None:
    ona = _customer(crm)
    crm.loyalty.enroll(ona, now=NOW)
    bought = _buy(crm, ona, amount="20.00", idempotency_key="order-1")
    assert _buy(crm, ona, amount="20.00", idempotency_key="order-1").id == bought.id  # retried
    earned = crm.loyalty.balance(ona, at=NOW)
    assert earned > 0
    [entry] = [e for e in crm.loyalty.statement(ona) if e.kind == "earn"]
    assert entry.reference == bought.id and entry.points == earned
    crm.purchases.refund(bought, amount=Money("5.00", "EUR"), now=NOW)
    assert crm.loyalty.balance(ona, at=NOW) == earned - earned // 4
    crm.purchases.refund(bought, now=NOW)  # the rest
    assert crm.loyalty.balance(ona, at=NOW) == 0
    assert crm.loyalty.verify().ok


def test_a_cancelled_purchase_takes_back_its_points_and_non_members_earn_nothing(
    crm: gc.CRM,
) -> None:
    member, other = _customer(crm), _customer(crm, "LV")
    crm.loyalty.enroll(member, now=NOW)
    crm.purchases.cancel(_buy(crm, member), now=NOW)
    assert crm.loyalty.balance(member, at=NOW) == 0
    _buy(crm, other)
    with pytest.raises(gc.NotFound):
        crm.loyalty.account(other)
