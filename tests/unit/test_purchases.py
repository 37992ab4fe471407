"""Purchases in memory: minor units, line totals, refunds and cancellations, import rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

import globalcrm as gc
from globalcrm.money import Money
from globalcrm.purchases import (
    LineItem,
    Purchase,
    cancel,
    from_minor,
    purchase_from_row,
    refund,
    to_minor,
)

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
BUYER = "01KAQ3V4J5ZC6Y3W8N0R2T4V6X"


def _purchase(amount: str = "10.00", currency: str = "EUR", **more: Any) -> Purchase:
    values: dict[str, Any] = {"customer_id": BUYER, "channel": "in_person",
                              "occurred_at": NOW, "amount": Money(amount, currency)}
    values.update(more)
    return Purchase(**values)


def test_minor_units_follow_the_currency() -> None:
    assert to_minor(Money("12.30", "EUR")) == 1230
    assert to_minor(Money("500", "JPY")) == 500
    assert to_minor(Money("1.234", "KWD")) == 1234
    assert from_minor(1234, "KWD") == Money("1.234", "KWD")
    with pytest.raises(gc.InvalidInput, match="minor units"):
        to_minor(Money("1.5", "JPY"))
    with pytest.raises(gc.InvalidInput, match="too large"):
        to_minor(Money("10000000000000", "EUR"))


def test_line_totals_round_half_even_to_minor_units() -> None:
    assert LineItem(product="tea", quantity="0.5", unit_price=Money("9.99", "EUR")).total == (
        Money("5.00", "EUR")
    )
    assert LineItem(product="tea", quantity="0.5", unit_price=Money("9.97", "EUR")).total == (
        Money("4.98", "EUR")
    )
    line = LineItem(product="halva", quantity=3, unit_price=Money("0.1234", "EUR"),
                    category="Sweets", attributes=["halal", "halal", "Sesame"])
    assert (line.total_minor, line.category, line.attributes) == (37, "sweets",
                                                                  ("halal", "sesame"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 0.5}, "quantity"),
        ({"quantity": "1e3x"}, "quantity"),
        ({"quantity": "0.0000001"}, "quantity"),
        ({"unit_price": Money("-1", "EUR")}, "unit_price"),
        ({"unit_price": "1.00"}, "unit_price"),
        ({"product": "\x00"}, "product"),
        ({"category": "tea leaves!"}, "category"),
    ],
)
def test_bad_lines_name_their_field(changes: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"product": "tea", "quantity": 1, "unit_price": Money("1", "EUR")}
    values.update(changes)
    with pytest.raises(gc.InvalidInput) as caught:
        LineItem(**values)
    assert caught.value.field == field


def test_a_purchase_checks_its_lines_against_its_currency() -> None:
    with pytest.raises(gc.InvalidInput) as caught:
        _purchase(items=[{"product": "tea", "quantity": 1, "unit_price": Money("1", "USD")}])
    assert caught.value.field == "items[0].unit_price"
    with pytest.raises(gc.InvalidInput) as missing:
        _purchase(items=[{"product": "tea", "unit_price": "1"}])
    assert missing.value.field == "items[0].quantity"
    with pytest.raises(gc.InvalidInput, match="more refunded"):
        _purchase(refunded=Money("10.01", "EUR"))
    with pytest.raises(gc.InvalidInput):
        _purchase(channel="pigeon")


def test_refunds_and_cancellations() -> None:
    bought = _purchase("10.00")
    part, first = refund(bought, Money("2.50", "EUR"), occurred_at=NOW, reason="Damaged")
    assert (part.status, part.net, first.reason) == ("partially_refunded",
                                                     Money("7.50", "EUR"), "damaged")
    whole, second = refund(part, occurred_at=NOW)
    assert (whole.status, second.amount, whole.counts) == ("refunded", Money("7.50", "EUR"),
                                                           False)
    with pytest.raises(gc.RuleViolation):
        refund(whole, Money("0.01", "EUR"), occurred_at=NOW)
    with pytest.raises(gc.InvalidInput, match="before its purchase"):
        refund(bought, occurred_at=NOW - dt.timedelta(days=1))
    with pytest.raises(gc.InvalidInput, match="USD"):
        refund(bought, Money("1", "USD"), occurred_at=NOW)
    with pytest.raises(gc.InvalidInput, match="greater than zero"):
        refund(bought, Money("0", "EUR"), occurred_at=NOW)
    cancelled = cancel(bought)
    assert cancelled.status == "cancelled" and not cancelled.counts
    with pytest.raises(gc.RuleViolation):
        refund(cancelled, occurred_at=NOW)
    with pytest.raises(gc.RuleViolation):
        cancel(part)


def test_an_import_row_is_read_from_text() -> None:
    row = {"customer_id": BUYER, "occurred_at": "2026-11-20T10:00:00+02:00",
           "channel": "WhatsApp", "amount": "1500", "currency": "jpy",
           "items": '[{"product": "matcha", "quantity": 3, "unit_price": "500"}]',
           "status": "partially_refunded", "refunded": "500"}
    made = purchase_from_row(row, tenant="acme")
    assert (made.channel, made.currency, made.net, made.tenant) == (
        "whatsapp", "JPY", Money("1000", "JPY"), "acme"
    )
    assert made.items[0].quantity == Decimal(3)
    assert made.occurred_at == dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
    with pytest.raises(gc.InvalidInput) as caught:
        purchase_from_row({**row, "Jonas Petraitis": "x"}, tenant="acme")
    assert caught.value.field == "[#8]" and "Jonas" not in str(caught.value)
    with pytest.raises(gc.InvalidInput, match="status"):
        purchase_from_row({**row, "status": "completed"}, tenant="acme")


def test_the_repr_shows_codes_not_lines() -> None:
    bought = _purchase(items=[{"product": "kosher wine for Ona", "quantity": 1,
                               "unit_price": "10"}], idempotency_key="order of Ona")
    text = repr(bought)
    assert "Ona" not in text and "kosher" not in text and "EUR" in text
