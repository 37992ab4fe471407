"""Junk into the segment rule language and purchases: only GlobalCRMError comes out, no names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm import purchases as P
from globalcrm import segments as S
from globalcrm.errors import GlobalCRMError
from globalcrm.money import Money

JUNK: list[Any] = [
    None, b"bytes", 12, 1.5, float("nan"), [], "x" * 100_000, "\x00\x1b", "", True,
    Decimal("NaN"), {}, object(), -1, 10**40, dt.datetime(2026, 1, 1), "Jonas Petraitis",
    ["Jonas Petraitis"], {"Jonas Petraitis": 1},
]
NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
ONA = gc.Customer(name=gc.PersonName(given="Ona", locale="lt"), country="LT", language="lt",
                  time_zone="Europe/Vilnius", currency="EUR")

CALLS: dict[str, Callable[[Any], object]] = {
    "parse": S.parse,
    "field.name": lambda junk: S.field(junk, "eq", "LT"),
    "field.op": lambda junk: S.field("country", junk, "LT"),
    "field.value": lambda junk: S.field("country", "in", junk),
    "attributes.value": lambda junk: S.field("attributes.x", "eq", junk),
    "created_at.value": lambda junk: S.field("created_at", "lt", junk),
    "interactions.value": lambda junk: S.interactions("ge", junk),
    "interactions.within": lambda junk: S.interactions("ge", 1, within=junk),
    "interactions.outcome": lambda junk: S.interactions("ge", 1, outcome=junk),
    "purchases.value": lambda junk: S.purchases("ge", junk, measure="total", currency="EUR"),
    "purchases.measure": lambda junk: S.purchases("ge", 1, measure=junk),
    "purchases.currency": lambda junk: S.purchases("ge", 1, measure="total", currency=junk),
    "purchases.category": lambda junk: S.purchases("ge", 1, category=junk),
    "consent.purpose": lambda junk: S.consent(junk, "email"),
    "and": lambda junk: S.field("country", "eq", "LT") & junk,
    "matches.customer": lambda junk: S.field("country", "eq", "LT").matches(junk, now=NOW),
    "matches.now": lambda junk: S.field("country", "eq", "LT").matches(ONA, now=junk),
    "window_start": lambda junk: S.window_start(NOW, junk),
    "line_item": lambda junk: P.line_item(junk, "EUR"),
    "purchase.amount": lambda junk: P.Purchase(customer_id=ONA.id, channel="email",
                                               occurred_at=NOW, amount=junk),
    "purchase.items": lambda junk: P.Purchase(customer_id=ONA.id, channel="email",
                                              occurred_at=NOW, amount=Money("1", "EUR"),
                                              items=junk),
    "purchase_from_row": lambda junk: P.purchase_from_row(junk, tenant="default"),
    "to_minor": P.to_minor,
    "refund": lambda junk: P.refund(junk, occurred_at=NOW),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_junk_raises_only_our_errors_without_the_input(name: str) -> None:
    caught: list[GlobalCRMError] = []
    for junk in JUNK:
        try:
            CALLS[name](junk)
        except GlobalCRMError as error:
            caught.append(error)
    assert caught
    for failure in caught:
        assert "Jonas" not in str(failure), name
        assert failure.__cause__ is None or isinstance(failure.__cause__, GlobalCRMError)


json_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(
        st.sampled_from(["all", "any", "not", "field", "op", "value", "interactions",
                         "purchases", "consent", "measure", "currency", "within", "channel",
                         "purpose", "category"]) | st.text(max_size=8),
        inner, max_size=4,
    ),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(json_junk)
def test_parse_of_any_json_gives_a_rule_or_invalid_rule(data: Any) -> None:
    try:
        rule = S.parse(data)
    except gc.InvalidRule:
        return
    assert S.parse(rule.to_json()) == rule
    if not any(isinstance(part, S.ConsentRule) for part in rule.walk()):
        assert rule.matches(ONA, S.Facts(), now=NOW) in (True, False)
