"""Recommendations from the store: needs as stored, the plugin hook checked, tenants apart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

import globalcrm as gc
from globalcrm.errors import InvalidFormat, NotFound, PluginError
from globalcrm.money import Money
from globalcrm.plugins import hookimpl
from globalcrm.recommendations import Recommendation

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
BREAD = {"product": "bread", "quantity": 1, "unit_price": "2.00", "attributes": ["vegan"]}
SAUSAGE = {"product": "pork-sausage", "quantity": 1, "unit_price": "2.00",
           "attributes": ["pork"]}
LAMB = {"product": "halal-lamb", "quantity": 1, "unit_price": "2.00",
        "attributes": ["meat", "halal"]}
CHEESE = {"product": "cheese", "quantity": 1, "unit_price": "2.00", "attributes": ["milk"]}
BOX = {"product": "mystery-box", "quantity": 1, "unit_price": "2.00"}


@pytest.fixture(autouse=True)
def _no_plugins_left(crm: gc.CRM) -> Iterator[None]:
    """The PostgreSQL store is shared between tests: take this test's plugins away after it."""
    yield
    for name in crm.plugins.names():
        crm.plugins.unregister(name)


def _customer(crm: gc.CRM, **more: Any) -> gc.Customer:
    return crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Amina", surname="Haddad", locale="en"), country="GB",
        language="en", time_zone="Europe/London", currency="EUR", **more,
    ), now=NOW)


def _buy(crm: gc.CRM, who: gc.Customer, *items: dict[str, Any], days: int = 1) -> Any:
    return crm.purchases.record(
        who, occurred_at=NOW - dt.timedelta(days=days), channel="web_form",
        amount=Money(f"{2 * len(items)}.00", "EUR"), items=list(items), now=NOW,
    )


def _shop(crm: gc.CRM) -> list[gc.Customer]:
    others = [_customer(crm) for _ in range(4)]
    _buy(crm, others[0], BREAD, SAUSAGE, LAMB)
    _buy(crm, others[1], BREAD, SAUSAGE, CHEESE)
    _buy(crm, others[2], BREAD, LAMB, BOX)
    _buy(crm, others[3], BREAD, CHEESE, BOX)
    return others


def test_the_stored_needs_decide_what_is_left_out(crm: gc.CRM) -> None:
    _shop(crm)
    anyone = _customer(crm)
    halal = _customer(crm, dietary_needs=["halal"], allergens=["milk"])
    for who in (anyone, halal):
        _buy(crm, who, BREAD)
    everything = crm.recommendations.for_customer(anyone, now=NOW)
    assert {r.product for r in everything} == {"pork-sausage", "halal-lamb", "cheese",
                                               "mystery-box"}
    assert all(r.because == "bread" and r.together == 2 for r in everything)
    kept = crm.recommendations.for_customer(halal.id, now=NOW)
    assert [r.product for r in kept] == ["halal-lamb"]  # no pork, no milk, nothing undeclared
    assert kept[0].reason == "bought together with bread"
    lenient = crm.recommendations.for_customer(halal, now=NOW, unknown="include")
    assert [r.product for r in lenient] == ["halal-lamb", "mystery-box"]
    # the stored needs change: the answer follows
    crm.customers.update(halal, expected_version=halal.version, dietary_needs=["vegan"],
                         allergens=[], now=NOW)
    assert crm.recommendations.for_customer(halal, now=NOW) == []


def test_what_was_bought_returned_or_is_in_the_basket_is_not_suggested(crm: gc.CRM) -> None:
    _shop(crm)
    who = _customer(crm)
    _buy(crm, who, BREAD)
    returned = _buy(crm, who, SAUSAGE)
    crm.purchases.refund(returned, now=NOW)
    cancelled = _buy(crm, who, LAMB)
    crm.purchases.cancel(cancelled, now=NOW)
    made = crm.recommendations.for_customer(who, now=NOW, exclude=["cheese"])
    # the cancelled lamb was never bought: it may still be suggested
    assert {r.product for r in made} == {"halal-lamb", "mystery-box"}
    # purchases after `now` are not read
    later = _customer(crm)
    _buy(crm, later, BREAD, days=0)
    assert crm.recommendations.for_customer(later, now=NOW - dt.timedelta(days=1)) == []


def test_every_customer_in_batches_gets_what_they_get_alone(crm: gc.CRM) -> None:
    people = _shop(crm)
    halal = _customer(crm, dietary_needs=["halal"])
    _buy(crm, halal, BREAD)
    idle = _customer(crm)
    answers = dict(crm.recommendations.for_customers(now=NOW, batch_size=2, limit=3))
    assert list(answers) == sorted(p.id for p in [*people, halal, idle])
    assert answers[idle.id] == []
    model = crm.recommendations.similar_items(now=NOW)
    for person in [*people, halal]:
        assert answers[person.id] == crm.recommendations.for_customer(person, now=NOW, limit=3)
        assert answers[person.id] == crm.recommendations.for_customer(
            person, now=NOW, limit=3, model=model)
    with pytest.raises(InvalidFormat):
        crm.recommendations.for_customers(now=NOW, batch_size=0)


def test_tenants_do_not_see_each_others_purchases(crm: gc.CRM) -> None:
    _shop(crm)
    other = crm.for_tenant("other")
    who = _customer(other)
    _buy(other, who, BREAD)
    assert other.recommendations.for_customer(who, now=NOW) == []
    assert other.recommendations.similar_items(now=NOW).products == 0
    with pytest.raises(NotFound):
        crm.recommendations.for_customer(who.id, now=NOW)


def test_the_service_checks_its_input(crm: gc.CRM) -> None:
    who = _customer(crm)
    with pytest.raises(NotFound):
        crm.recommendations.for_customer("01KAQ3V4J5ZC6Y3W8N0R2T4V6X", now=NOW)
    for arguments in ({"limit": 0}, {"unknown": "maybe"}, {"neighbours": 0},
                      {"exclude": "bread"}, {"now": dt.datetime(2026, 1, 1)}):
        with pytest.raises(gc.errors.InvalidInput):
            crm.recommendations.for_customer(who, **arguments)
    model = crm.recommendations.similar_items(now=NOW, neighbours=3)
    with pytest.raises(gc.errors.InvalidInput) as caught:
        crm.recommendations.for_customer(who, now=NOW, model=model, neighbours=5)
    assert caught.value.field == "neighbours"


# --------------------------------------------------------------------------- the hook


class Reverse:
    """Re-ranks: the library's own list backwards."""

    @hookimpl
    def globalcrm_recommend(self, recommendations: Sequence[Recommendation]
                            ) -> list[Recommendation]:
        return list(reversed(recommendations))


class Answer:
    """Gives a fixed answer (or raises it)."""

    def __init__(self, answer: object) -> None:
        self.answer = answer

    @hookimpl
    def globalcrm_recommend(self, customer: gc.Customer) -> object:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_a_plugin_re_ranks_or_replaces_the_list_and_none_keeps_it(crm: gc.CRM) -> None:
    _shop(crm)
    who = _customer(crm, dietary_needs=["halal"])
    _buy(crm, who, BREAD)
    own = crm.recommendations.for_customer(who, now=NOW, unknown="include")
    crm.plugins.register(Answer(None), name="quiet")
    assert crm.recommendations.for_customer(who, now=NOW, unknown="include") == own
    crm.plugins.register(Reverse())
    assert crm.recommendations.for_customer(who, now=NOW, unknown="include") == own[::-1]
    crm.plugins.unregister("Reverse")
    gift = Recommendation(product="gift-card", score=1.0)
    crm.plugins.register(Answer([gift]), name="gifts")
    assert crm.recommendations.for_customer(who, now=NOW) == [gift]
    assert dict(crm.recommendations.for_customers(now=NOW))[who.id] == [gift]


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (ValueError("Amina Haddad"), "raised"),
        ("halal-lamb", "not a list"),
        ([{"product": "halal-lamb"}], "not a list"),
        ([Recommendation(product="bread", score=1)], "bought or returned"),
        ([Recommendation(product="pork-sausage", score=1)], "conflicts"),
        ([Recommendation(product=f"p{n}", score=1) for n in range(3)], "more than 2"),
        ([Recommendation(product="x", score=1)] * 2, "twice"),
    ],
)
def test_a_plugin_that_fails_or_breaks_the_rules_is_a_plugin_error(
    crm: gc.CRM, answer: object, says: str
) -> None:
    _shop(crm)
    who = _customer(crm, dietary_needs=["halal"])
    _buy(crm, who, BREAD)
    crm.plugins.register(Answer(answer), name="shop_rules")
    with pytest.raises(PluginError) as caught:
        crm.recommendations.for_customer(who, now=NOW, limit=2)
    error = caught.value
    assert (error.hook, error.plugin) == ("globalcrm_recommend", "shop_rules")
    assert says in str(error) and "Amina" not in str(error) and error.__cause__ is None
