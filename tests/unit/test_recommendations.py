"""Recommendations in memory: the rules of each need, the cosine model, ranking and exclusions."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

import globalcrm as gc
from globalcrm import errors as E
from globalcrm import recommendations as R
from globalcrm.money import Money
from globalcrm.purchases import Purchase, cancel, refund

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
PEOPLE = [f"01KAQ3V4J5ZC6Y3W8N0R2T4V{n:02d}" for n in range(10, 40)]


def _sale(who: int, *products: str | tuple[str, list[str]], status: str = "completed",
          at: dt.datetime = NOW - dt.timedelta(days=1), tenant: str = "default") -> Purchase:
    items: list[dict[str, Any]] = []
    for product in products:
        name, attributes = (product, []) if isinstance(product, str) else product
        items.append({"product": name, "quantity": 1, "unit_price": "1.00",
                      "attributes": attributes})
    purchase = Purchase(customer_id=PEOPLE[who], channel="web_form", occurred_at=at,
                        amount=Money(str(len(items)), "EUR"), items=items, tenant=tenant)
    if status == "cancelled":
        return cancel(purchase)
    if status == "refunded":
        return refund(purchase, occurred_at=at)[0]
    return purchase


# --------------------------------------------------------------------------- the vocabulary


def test_the_vocabulary_is_closed_and_covers_every_allergen_a_customer_can_list() -> None:
    assert set(gc.customers.ALLERGENS) <= set(R.CONTENTS)
    assert set(R.PRODUCT_ATTRIBUTES) == set(R.CONTENTS) | set(R.CLAIMS)
    assert set(R.RULES) <= set(gc.customers.DIETARY_NEEDS)
    with pytest.raises(E.InvalidComponent) as caught:
        R.check_attributes(["halal", "organic"])
    assert caught.value.field == "attributes[1]"
    with pytest.raises(E.InvalidInput):
        R.check_attributes("halal")
    with pytest.raises(E.InvalidComponent):
        R.conflicts(["pork"], allergens=["pork"])  # not an allergen of Annex II


@pytest.mark.parametrize(
    ("attributes", "needs", "allergens", "expected"),
    [
        # halal: no pork, no alcohol, meat only when certified halal
        (["pork"], ["halal"], [], ("halal",)),
        (["meat"], ["halal"], [], ("halal",)),
        (["meat", "halal"], ["halal"], [], ()),
        (["pork", "halal"], ["halal"], [], ("halal",)),
        (["alcohol"], ["halal"], [], ("halal",)),
        (["fish"], ["halal"], [], ()),
        # kosher: no pork or shellfish; meat and fish under supervision; never meat with milk
        (["beef", "kosher"], ["kosher"], [], ()),
        (["beef"], ["kosher"], [], ("kosher",)),
        (["meat", "milk", "kosher"], ["kosher"], [], ("kosher",)),
        (["crustaceans", "kosher"], ["kosher"], [], ("kosher",)),
        (["milk"], ["kosher"], [], ()),
        (["meat", "halal"], ["kosher"], [], ("kosher",)),
        # vegetarian and vegan
        (["fish"], ["vegetarian"], [], ("vegetarian",)),
        (["milk", "eggs"], ["vegetarian"], [], ()),
        (["eggs"], ["lacto_vegetarian"], [], ("lacto_vegetarian",)),
        (["milk"], ["ovo_vegetarian"], [], ("ovo_vegetarian",)),
        (["honey"], ["vegan"], [], ("vegan",)),
        (["milk", "vegan"], ["vegan"], [], ("vegan",)),  # a claim never outweighs a content
        (["vegan"], ["vegan"], [], ()),
        (["root_vegetables"], ["jain"], [], ("jain",)),
        (["fish"], ["pescatarian"], [], ()),
        (["pork"], ["pescatarian", "no_pork"], [], ("pescatarian", "no_pork")),
        # lactose-free and gluten-free: the claim lifts the content
        (["milk"], ["lactose_free"], [], ("lactose_free",)),
        (["milk", "lactose_free"], ["lactose_free"], [], ()),
        (["cereals_gluten", "gluten_free"], ["gluten_free"], [], ()),
        # an allergen excludes whatever the claims
        (["milk", "lactose_free"], [], ["milk"], ("milk",)),
        (["cereals_gluten", "gluten_free"], [], ["cereals_gluten"], ("cereals_gluten",)),
        (["peanuts", "vegan"], ["vegan"], ["peanuts"], ("peanuts",)),
        # needs the rules do not read, and custom codes, are ignored
        (["pork", "milk"], ["low_sodium", "my_own_code"], [], ()),
    ],
)
def test_each_need_excludes_what_its_source_says(
    attributes: list[str], needs: list[str], allergens: list[str], expected: tuple[str, ...]
) -> None:
    assert R.conflicts(attributes, needs=needs, allergens=allergens) == expected


def test_a_products_attributes_are_read_on_the_safe_side() -> None:
    # a content any line declares stays; a claim only if every declaring line makes it
    assert R.declared_attributes([["meat", "halal"], ["meat"]]) == ("meat",)
    assert R.declared_attributes([["meat", "halal"], ["halal", "meat"]]) == ("halal", "meat")
    assert R.declared_attributes([["pork"]]) == ("meat", "pork")
    assert R.declared_attributes([["organic"], []]) is None
    assert R.declared_attributes([["organic"], ["vegan"]]) == ("vegan",)


# --------------------------------------------------------------------------- the model


def test_the_model_is_the_cosine_of_buyer_columns_with_ties_by_name() -> None:
    purchases = [
        _sale(0, "tea", "cups"), _sale(1, "tea", "cups"), _sale(2, "tea", "honey"),
        _sale(3, "cups"), _sale(4, "tea", "biscuits"), _sale(4, "tea"),  # one buyer counted once
    ]
    model = R.similar_items(purchases, now=NOW, neighbours=2)
    assert model.buyers == {"tea": 4, "cups": 3, "honey": 1, "biscuits": 1}
    # cos(tea, cups) = 2 / sqrt(4 * 3); honey and biscuits tie at 1 / sqrt(4): name first
    assert model.similar["tea"] == (("cups", 2), ("biscuits", 1))
    assert model.similarity("tea", "cups") == pytest.approx(2 / math.sqrt(12))
    assert model.similarity("tea", "honey") == 0.0  # not kept: only 2 neighbours
    assert model.similar["honey"] == (("tea", 1),)
    assert R.cosine(2, 4, 3) == pytest.approx(2 / math.sqrt(12))


def test_only_purchases_that_count_by_now_and_in_the_tenant_build_the_model() -> None:
    purchases = [
        _sale(0, "tea", "cups", status="cancelled"),
        _sale(1, "tea", "cups", status="refunded"),
        _sale(2, "tea", "cups", at=NOW + dt.timedelta(minutes=1)),
        _sale(3, "tea", "cups", tenant="other"),
        _sale(4, "tea", ("honey", ["vegan"])),
    ]
    model = R.similar_items(purchases, now=NOW)
    assert dict(model.similar) == {"tea": (("honey", 1),), "honey": (("tea", 1),)}
    assert dict(model.buyers) == {"tea": 1, "honey": 1}
    assert dict(model.attributes) == {"honey": ("vegan",)}
    bought, returned = R.history(purchases, PEOPLE[1], now=NOW)
    assert (bought, returned) == (frozenset(), frozenset({"tea", "cups"}))
    assert R.history(purchases, PEOPLE[0], now=NOW) == (frozenset(), frozenset())


def test_a_model_that_does_not_add_up_is_refused() -> None:
    with pytest.raises(E.InvalidInput) as caught:
        R.SimilarItems(as_of=NOW, neighbours=5, similar={"a": [("b", 3)]},
                       buyers={"a": 2, "b": 5}, attributes={})
    assert caught.value.field == "similar[#0][0]"
    with pytest.raises(E.InvalidFormat):
        R.SimilarItems(as_of=NOW, neighbours=5, similar={"a": [("a", 1)]},
                       buyers={"a": 1}, attributes={})
    with pytest.raises(E.InvalidFormat):
        R.SimilarItems(as_of=NOW, neighbours=0, similar={}, buyers={}, attributes={})
    with pytest.raises(E.InvalidComponent):
        R.SimilarItems(as_of=NOW, neighbours=1, similar={}, buyers={},
                       attributes={"a": ["organic"]})
    with pytest.raises(E.InvalidFormat):
        R.SimilarItems(as_of=dt.datetime(2026, 1, 1), neighbours=1, similar={}, buyers={},
                       attributes={})
    model = R.SimilarItems(as_of=NOW, neighbours=1, similar={}, buyers={}, attributes={})
    assert "similar" not in repr(model) and model.products == 0


# --------------------------------------------------------------------------- recommending

CATALOGUE = [
    _sale(0, "bread", ("pork-sausage", ["pork"]), ("halal-lamb", ["meat", "halal"])),
    _sale(1, "bread", ("pork-sausage", ["pork"]), ("milk", ["milk"])),
    _sale(2, "bread", ("halal-lamb", ["meat", "halal"]), ("oat-drink", ["vegan"])),
    _sale(3, "bread", ("milk", ["milk"]), "mystery-box"),
    _sale(4, "bread", ("oat-drink", ["vegan"]), ("peanut-bar", ["peanuts", "vegan"])),
]


def test_scores_sum_the_similarities_and_the_reason_is_the_closest_purchase() -> None:
    model = R.similar_items(CATALOGUE, now=NOW)
    made = R.recommend(model, bought=["bread", "milk"])
    scores = {r.product: r.score for r in made}
    expected = model.similarity("bread", "pork-sausage") + model.similarity("milk", "pork-sausage")
    assert scores["pork-sausage"] == pytest.approx(expected)
    assert "bread" not in scores and "milk" not in scores
    assert [r.score for r in made] == sorted((r.score for r in made), reverse=True)
    sausage = next(r for r in made if r.product == "pork-sausage")
    # cos(bread, sausage) = 2 / sqrt(5 * 2) beats cos(milk, sausage) = 1 / sqrt(2 * 2)
    assert sausage.because == "bread" and sausage.together == 2
    assert sausage.reason == "bought together with bread"
    assert sausage.to_json()["attributes"] == ["meat", "pork"]
    mystery = next(r for r in made if r.product == "mystery-box")
    assert mystery.attributes is None and mystery.to_json()["attributes"] is None


def test_needs_and_allergens_exclude_and_undeclared_products_follow_the_policy() -> None:
    model = R.similar_items(CATALOGUE, now=NOW)
    everything = {r.product for r in R.recommend(model, bought=["bread"])}
    assert everything == {"pork-sausage", "halal-lamb", "milk", "oat-drink", "mystery-box",
                          "peanut-bar"}
    halal = {r.product for r in R.recommend(model, bought=["bread"], needs=["halal"])}
    assert halal == {"halal-lamb", "milk", "oat-drink", "peanut-bar"}  # mystery-box: undeclared
    assert "mystery-box" in {
        r.product for r in R.recommend(model, bought=["bread"], needs=["halal"],
                                       unknown="include")
    }
    vegan = {r.product for r in R.recommend(model, bought=["bread"], needs=["vegan"],
                                             allergens=["peanuts"])}
    assert vegan == {"oat-drink"}
    # a need the rules do not read protects nothing, so undeclared products stay
    assert "mystery-box" in {
        r.product for r in R.recommend(model, bought=["bread"], needs=["low_sodium"])
    }
    kept = R.recommend(model, bought=["bread"], exclude={"milk", "oat-drink"}, limit=2)
    assert len(kept) == 2 and not {"milk", "oat-drink"} & {r.product for r in kept}


def test_recommend_from_in_memory_leaves_out_what_was_bought_or_returned() -> None:
    purchases = [*CATALOGUE, _sale(5, "bread", status="completed"),
                 _sale(5, ("milk", ["milk"]), status="refunded")]
    made = R.recommend_from(purchases, customer_id=PEOPLE[5], needs=["halal"], now=NOW)
    assert {r.product for r in made} == {"halal-lamb", "oat-drink", "peanut-bar"}
    assert R.recommend_from(purchases, customer_id=PEOPLE[20], now=NOW) == []


@pytest.mark.parametrize(
    ("arguments", "error", "field"),
    [
        ({"bought": "bread"}, E.InvalidInput, "bought"),
        ({"bought": ["bread"], "limit": 0}, E.InvalidFormat, "limit"),
        ({"bought": ["bread"], "unknown": "maybe"}, E.InvalidComponent, "unknown"),
        ({"bought": ["bread"], "allergens": ["shellfish"]}, E.InvalidComponent,
         "allergens[0]"),
        ({"bought": ["bread"], "needs": [3]}, E.InvalidFormat, "needs[0]"),
    ],
)
def test_recommend_checks_its_input(arguments: dict[str, Any], error: type[E.GlobalCRMError],
                                    field: str) -> None:
    model = R.similar_items(CATALOGUE, now=NOW)
    with pytest.raises(error) as caught:
        R.recommend(model, **arguments)
    assert caught.value.field == field
    with pytest.raises(E.InvalidFormat):
        R.recommend({}, bought=[])  # type: ignore[arg-type]


def test_a_recommendation_checks_its_fields() -> None:
    with pytest.raises(E.InvalidFormat):
        R.Recommendation(product="tea", score=float("nan"))
    with pytest.raises(E.InvalidComponent):
        R.Recommendation(product="tea", score=1, attributes=["organic"])
    mine = R.Recommendation(product="tea", score=1)
    assert (mine.because, mine.reason, mine.attributes) == (None, "suggested", None)
