"""The segment rule language: JSON paths in errors, operators per field, semantics in memory."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

import globalcrm as gc
from globalcrm import segments as S
from globalcrm.errors import InvalidRule
from globalcrm.exchange_rates import ExchangeRate, RateTable
from globalcrm.interactions import Interaction
from globalcrm.money import Money
from globalcrm.purchases import Purchase

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
ONA = gc.Customer(
    name=gc.PersonName(given="Ona", locale="lt"), country="LT", language="lt",
    time_zone="Europe/Vilnius", currency="EUR", tags=["vip"], dietary_needs=["halal"],
    attributes={"score": 3, "vip": True, "pets": ["cat", 2], "city": "Kaunas", "none": None},
    created_at=NOW - dt.timedelta(days=10),
)


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ({"all": [{"field": "country", "op": "eq", "value": "LT"}, {"colour": 1}]},
         "all[1]", "expected one of"),
        ({"any": [{"field": "country", "op": "in", "value": ["LT", "XX"]}]},
         "any[0].value[1]", "unknown country code"),
        ({"not": {"field": "tags", "op": "eq", "value": "vip"}}, "not.op", "contains, in"),
        ({"field": "attributes.Name Surname", "op": "eq", "value": 1}, "field", "snake_case"),
        ({"field": "Jonas Petraitis", "op": "eq", "value": 1}, "field", "unknown field ("),
        ({"field": "created_at", "op": "lt", "value": "2026-11-01"}, "value", "time zone"),
        ({"field": "attributes.x", "op": "lt", "value": True}, "value", "not true or false"),
        ({"field": "country", "op": "exists", "value": "LT"}, "value", "no value"),
        ({"interactions": {"channel": "pigeon"}, "op": "ge", "value": 1},
         "interactions.channel", "unknown channel"),
        ({"interactions": {"within": "30 days"}, "op": "ge", "value": 1},
         "interactions.within", "ISO 8601"),
        ({"interactions": {"within": "-P3D"}, "op": "ge", "value": 1},
         "interactions.within", "greater than zero"),
        ({"interactions": {}, "op": "ge", "value": -1}, "value", "whole number"),
        ({"interactions": {}, "op": "in", "value": 1}, "op", "expected one of"),
        ({"interactions": {}, "op": "ge"}, "value", "required"),
        ({"purchases": {"Ona's colour": "red"}, "op": "ge", "value": 1}, "purchases[#0]",
         "filter"),
        ({"purchases": {"colour": "red"}, "op": "ge", "value": 1}, "purchases.colour",
         "filter 'colour'"),
        ({"purchases": {}, "measure": "total", "op": "ge", "value": 1}, "currency", "needs"),
        ({"purchases": {}, "measure": "total", "currency": "EUR", "op": "ge", "value": "1.001"},
         "value", "2 decimals"),
        ({"purchases": {}, "measure": "count", "currency": "EUR", "op": "ge", "value": 1},
         "currency", "no currency"),
        ({"purchases": {}, "measure": "sum", "op": "ge", "value": 1}, "measure", "count or total"),
        ({"all": [{"not": {"consent": {"purpose": "marketing"}}}]},
         "all[0].not.consent.channel", "required"),
        ({"all": {"field": "country"}}, "all", "list of rules"),
    ],
)
def test_a_bad_rule_names_its_json_path(data: Any, path: str, message: str) -> None:
    with pytest.raises(InvalidRule) as caught:
        S.parse(data)
    assert caught.value.field == path
    assert message in caught.value.message


def test_a_rule_that_is_not_json_gives_the_position() -> None:
    with pytest.raises(InvalidRule) as caught:
        S.parse('{"all": [}')
    assert caught.value.position == 9


def test_deep_or_huge_rules_are_refused() -> None:
    deep: dict[str, Any] = {"field": "country", "op": "eq", "value": "LT"}
    for _ in range(40):
        deep = {"not": deep}
    with pytest.raises(InvalidRule, match="levels deep"):
        S.parse(deep)
    with pytest.raises(InvalidRule, match="rules large"):
        S.parse({"any": [{"field": "country", "op": "eq", "value": "LT"}] * 1200})


def test_operators_compose_and_flatten() -> None:
    a, b, c = S.field("country", "eq", "LT"), S.field("language", "eq", "lt"), S.consent("m", "e")
    assert (a & b & c) == S.AllOf(rules=(a, b, c))
    assert (a | b | c) == S.AnyOf(rules=(a, b, c))
    assert ~~a == a and ~a == S.Not(rule=a)
    assert S.field("country", "in", ["lt", "LT", "lv"]).value == ("LT", "LV")
    with pytest.raises(InvalidRule):
        a & "country = LT"  # type: ignore[operator]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (S.field("country", "eq", "LT"), True),
        (S.field("country", "not_in", ["LV", "EE"]), True),
        (S.field("formality", "exists"), False),
        (S.field("formality", "ne", "formal"), True),
        (S.field("tags", "contains", "vip"), True),
        (S.field("tags", "in", ["b2b", "vip"]), True),
        (S.field("dietary_needs", "not_in", ["kosher"]), True),
        (S.field("created_at", "ge", (NOW - dt.timedelta(days=10)).isoformat()), True),
        (S.field("created_at", "gt", (NOW - dt.timedelta(days=10)).isoformat()), False),
        (S.field("attributes.score", "eq", 3.0), True),
        (S.field("attributes.score", "eq", True), False),  # JSON keeps 1 and true apart
        (S.field("attributes.vip", "eq", 1), False),
        (S.field("attributes.vip", "eq", True), True),
        (S.field("attributes.score", "lt", "4"), False),  # a number is not compared to text
        (S.field("attributes.city", "ge", "K"), True),
        (S.field("attributes.pets", "contains", 2.0), True),
        (S.field("attributes.pets", "contains", "dog"), False),
        (S.field("attributes.none", "exists"), False),
        (S.field("attributes.missing", "ne", 1), True),
        (S.field("attributes.missing", "not_in", [1]), True),
        (S.field("tier", "eq", "gold"), False),
    ],
)
def test_fields_in_memory(rule: S.Rule, expected: bool) -> None:
    assert rule.matches(ONA, S.Facts(), now=NOW) is expected
    assert (~rule).matches(ONA, S.Facts(), now=NOW) is not expected


def _message(days: float, channel: str = "whatsapp") -> Interaction:
    return Interaction(customer_id=ONA.id, channel=channel, direction="inbound",
                       occurred_at=NOW - dt.timedelta(days=days))


def test_interaction_windows_include_both_ends_and_exclude_the_future() -> None:
    facts = S.Facts(interactions=[
        _message(30), _message(30.0001), _message(0), _message(-0.001), _message(1, "email"),
    ])
    rule = S.interactions("eq", 2, channel="whatsapp", within="P30D")
    assert rule.count(ONA, facts, NOW) == 2 and rule.matches(ONA, facts, now=NOW)
    month = S.interactions("ge", 3, within="P1M")  # 2026-10-25T12:00 is 31 days back
    assert month.count(ONA, facts, NOW) == 4


def test_window_start_uses_calendar_months() -> None:
    assert S.window_start(dt.datetime(2026, 3, 31, tzinfo=dt.UTC), "P1M") == dt.datetime(
        2026, 2, 28, tzinfo=dt.UTC
    )
    assert S.window_start(NOW, None) is None
    assert S.window_start(NOW, "P9999Y") is None  # before year 1: no lower bound


def test_conversion_rounds_each_amount_half_up_after_a_twelve_decimal_factor() -> None:
    table = RateTable()
    table.add(ExchangeRate(base="EUR", quote="USD", rate="1.05", source="ECB",
                           as_of=NOW - dt.timedelta(days=1)))
    factor = S.conversion_factor("USD", "EUR", rates=table, at=NOW)
    assert factor == Decimal("0.952380952381")
    assert S.convert_minor(4500, factor) == 4286  # 42.857142857145 EUR
    assert S.convert_minor(1, Decimal("0.5")) == 1 and S.convert_minor(3, Decimal("0.5")) == 2
    assert S.conversion_factor("EUR", "EUR", rates=None, at=NOW) == 1
    with pytest.raises(gc.NotFound):
        S.conversion_factor("USD", "EUR", rates=None, at=NOW)
    yen = RateTable()
    yen.add(ExchangeRate(base="EUR", quote="JPY", rate="161.23", source="ECB",
                         as_of=NOW - dt.timedelta(days=1)))
    assert S.conversion_factor("JPY", "EUR", rates=yen, at=NOW) == Decimal("0.620231966756")


def _purchase(amount: str, currency: str = "EUR", **more: Any) -> Purchase:
    values: dict[str, Any] = {"customer_id": ONA.id, "channel": "web_form",
                              "occurred_at": NOW - dt.timedelta(days=1),
                              "amount": Money(amount, currency)}
    values.update(more)
    return Purchase(**values)


def test_purchase_counts_and_totals_in_memory() -> None:
    tea = {"product": "sencha", "category": "tea", "quantity": "0.5", "unit_price": "9.99",
           "attributes": ["vegan"]}
    facts = S.Facts(purchases=[
        _purchase("20.00", items=[tea]),
        _purchase("10.00", status="cancelled"),
        _purchase("10.00", status="refunded", refunded=Money("10.00", "EUR")),
        _purchase("10.00", status="partially_refunded", refunded=Money("4.00", "EUR")),
        _purchase("5.00", occurred_at=NOW - dt.timedelta(days=100)),
    ])
    assert S.purchases("eq", 3).measure_of(ONA, facts, NOW) == 3
    assert S.purchases("eq", 2, within="P90D").matches(ONA, facts, now=NOW)
    total = S.purchases("eq", "31.00", measure="total", currency="EUR")
    assert total.measure_of(ONA, facts, NOW) == 3100 and total.matches(ONA, facts, now=NOW)
    tea_total = S.purchases("eq", "5.00", measure="total", currency="EUR", category="tea")
    assert tea_total.measure_of(ONA, facts, NOW) == 500  # 0.5 x 9.99 = 4.995, half-even 5.00
    assert S.purchases("eq", 1, attribute="vegan").matches(ONA, facts, now=NOW)
    assert S.purchases("eq", 0, product="mocha").matches(ONA, facts, now=NOW)


def test_consent_in_memory_needs_the_purpose_among_the_facts() -> None:
    with pytest.raises(gc.NotFound):
        S.consent("marketing", "email").matches(ONA, S.Facts(), now=NOW)


def test_matches_checks_its_arguments() -> None:
    rule = S.field("country", "eq", "LT")
    with pytest.raises(gc.InvalidInput):
        rule.matches("Ona", now=NOW)  # type: ignore[arg-type]
    with pytest.raises(gc.InvalidInput):
        rule.matches(ONA, now=dt.datetime(2026, 1, 1))
    with pytest.raises(gc.InvalidInput):
        rule.matches(ONA, {"tier": "gold"}, now=NOW)  # type: ignore[arg-type]
