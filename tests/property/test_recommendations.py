"""Recommendations over random catalogues, baskets and needs (in memory).

A recommendation never names a product the customer bought or returned, never one that any of
its lines declares in conflict with the customer's needs or allergens (checked against rules
written out here from their sources, not against the library's table), never an undeclared
product for a customer the rules protect unless asked; and the scores are the plain sums of
cosines over the customer's purchases, worked out here from the baskets.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from globalcrm import recommendations as R
from globalcrm.money import Money
from globalcrm.purchases import COUNTED, Purchase, cancel, refund

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
PEOPLE = [f"01KAQ3V4J5ZC6Y3W8N0R2T4V{n:02d}" for n in range(10, 15)]
PRODUCTS = ["apple", "Zebra", "ąžuolas", "é-cake", "ham", "lamb", "milk", "tofu", "nuts", "x"]
CODES = ["pork", "meat", "beef", "halal", "kosher", "milk", "lactose_free", "eggs", "honey",
         "fish", "crustaceans", "peanuts", "vegan", "alcohol", "organic"]
NEEDS = ["halal", "kosher", "vegetarian", "vegan", "lactose_free", "low_sodium"]
ALLERGENS = ["milk", "peanuts", "eggs", "fish"]

_FLESH = {"meat", "pork", "beef", "fish", "crustaceans", "molluscs"}


def _meat(a: set[str]) -> bool:
    return bool(a & {"meat", "pork", "beef"})


# Each need as its source states it (see docs/guide/recommendations.md), over ONE line's codes.
FORBIDS: dict[str, Callable[[set[str]], bool]] = {
    "halal": lambda a: bool(a & {"pork", "alcohol"}) or (_meat(a) and "halal" not in a),
    "kosher": lambda a: bool(a & {"pork", "crustaceans", "molluscs"})
    or ((_meat(a) or "fish" in a) and "kosher" not in a) or (_meat(a) and "milk" in a),
    "vegetarian": lambda a: bool(a & _FLESH),
    "vegan": lambda a: bool(a & (_FLESH | {"milk", "eggs", "honey"})),
    "lactose_free": lambda a: "milk" in a and "lactose_free" not in a,
    "low_sodium": lambda a: False,
}
READ = {"halal", "kosher", "vegetarian", "vegan", "lactose_free"}

# lines where a claim meets a content it does not outweigh, drawn often
TRICKY = [["pork", "halal"], ["meat", "milk", "kosher"], ["milk", "vegan"], ["honey", "vegan"],
          ["milk", "lactose_free"], ["crustaceans", "kosher"], ["alcohol", "halal"],
          ["beef", "halal"], ["fish", "kosher"], ["eggs", "vegan"]]
lines_codes = st.one_of(st.lists(st.sampled_from(CODES), max_size=3, unique=True),
                        st.sampled_from(TRICKY))
catalogues = st.fixed_dictionaries({
    product: st.lists(lines_codes, min_size=1, max_size=2) for product in PRODUCTS
})
baskets = st.lists(
    st.tuples(
        st.integers(0, len(PEOPLE) - 1),
        st.lists(st.tuples(st.sampled_from(PRODUCTS), st.integers(0, 1)), min_size=1,
                 max_size=4),
        st.sampled_from(["completed", "completed", "cancelled", "refunded"]),
    ),
    min_size=3, max_size=25,
)
mine = st.lists(st.tuples(st.sampled_from(PRODUCTS), st.integers(0, 1)), min_size=1, max_size=3)


def _purchases(catalogue: dict[str, list[list[str]]], data: list[Any]) -> list[Purchase]:
    made = []
    for who, lines, status in data:
        items = [
            {"product": product, "quantity": 1, "unit_price": "1.00",
             "attributes": catalogue[product][variant % len(catalogue[product])]}
            for product, variant in lines
        ]
        purchase = Purchase(customer_id=PEOPLE[who], channel="web_form",
                            occurred_at=NOW - dt.timedelta(hours=1),
                            amount=Money(str(len(items)), "EUR"), items=items)
        if status == "cancelled":
            purchase = cancel(purchase)
        elif status == "refunded":
            purchase = refund(purchase, occurred_at=NOW)[0]
        made.append(purchase)
    return made


@settings(max_examples=300, deadline=None)
@given(
    catalogue=catalogues,
    data=baskets,
    who=st.integers(0, len(PEOPLE) - 1),
    own=mine,
    needs=st.lists(st.sampled_from(NEEDS), max_size=2, unique=True),
    allergens=st.lists(st.sampled_from(ALLERGENS), max_size=2, unique=True),
    unknown=st.sampled_from(R.UNKNOWN_POLICIES),
    neighbours=st.integers(1, 12),
    limit=st.integers(1, 12),
)
def test_never_a_conflicting_product_nor_one_bought_or_returned(
    catalogue: dict[str, list[list[str]]], data: list[Any], who: int, own: list[Any],
    needs: list[str], allergens: list[str], unknown: str, neighbours: int, limit: int,
) -> None:
    purchases = _purchases(catalogue, [*data, (who, own, "completed")])
    made = R.recommend_from(purchases, customer_id=PEOPLE[who], needs=needs,
                            allergens=allergens, now=NOW, limit=limit, neighbours=neighbours,
                            unknown=unknown)
    assert len(made) <= limit
    touched = {item.product for p in purchases if p.customer_id == PEOPLE[who]
               and p.status != "cancelled" for item in p.items}
    protected = bool(set(needs) & READ or allergens)
    for recommendation in made:
        assert recommendation.product not in touched
        lines = [set(item.attributes) for p in purchases for item in p.items
                 if item.product == recommendation.product]
        declaring = [line for line in lines if line & set(R.PRODUCT_ATTRIBUTES)]
        if not declaring:
            assert recommendation.attributes is None
            assert unknown == "include" or not protected
        for line in declaring:
            if line & {"pork", "beef"}:
                line = line | {"meat"}
            assert not any(FORBIDS[need](line) for need in needs), (needs, line)
            assert not line & set(allergens), (allergens, line)


@settings(max_examples=300, deadline=None)
@given(catalogue=catalogues, data=baskets, who=st.integers(0, len(PEOPLE) - 1), own=mine,
       limit=st.integers(1, 12))
def test_scores_are_sums_of_cosines_over_what_the_customer_bought(
    catalogue: dict[str, list[list[str]]], data: list[Any], who: int, own: list[Any],
    limit: int,
) -> None:
    purchases = _purchases(catalogue, [*data, (who, own, "completed")])
    counted: dict[str, set[str]] = {}
    for p in purchases:
        if p.status in COUNTED:
            counted.setdefault(str(p.customer_id), set()).update(i.product for i in p.items)
    buyers = {product: sum(product in b for b in counted.values()) for product in PRODUCTS}
    mine = counted.get(PEOPLE[who], set())
    returned = {i.product for p in purchases if p.customer_id == PEOPLE[who]
                and p.status == "refunded" for i in p.items}

    def cos(a: str, b: str) -> float:
        together = sum(a in basket and b in basket for basket in counted.values())
        return together / math.sqrt(buyers[a] * buyers[b]) if together else 0.0

    expected: dict[str, float] = {}
    for candidate in PRODUCTS:
        if candidate in mine or candidate in returned:
            continue
        score = sum(cos(seed, candidate) for seed in sorted(mine))
        if score > 0:
            expected[candidate] = score
    # every product kept as a neighbour: the scores are the full sums
    made = R.recommend_from(purchases, customer_id=PEOPLE[who], now=NOW, limit=limit,
                            neighbours=len(PRODUCTS))
    assert [r.product for r in made] == [r.product for r in sorted(
        made, key=lambda r: (-r.score, r.product))]
    assert {r.product for r in made} <= set(expected)
    assert len(made) == min(limit, len(expected))
    for r in made:
        assert math.isclose(r.score, expected[r.product], rel_tol=1e-12)
        assert r.because in mine and cos(r.because, r.product) == max(
            cos(seed, r.product) for seed in mine)
    # what is left out scores no more than the last one in
    if made:
        left = [s for p, s in expected.items() if p not in {r.product for r in made}]
        assert all(s <= made[-1].score * (1 + 1e-12) for s in left)
