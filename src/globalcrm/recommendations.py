"""Item-to-item recommendations from purchase history that respect dietary and cultural needs.

**Similarity.** Two products are as similar as the cosine of their columns in the binary
customer-product matrix (a customer "has" a product once any purchase of theirs that counts
holds it): ``cos(i, j) = together(i, j) / sqrt(buyers(i) * buyers(j))``, the measure of Linden,
Smith and York, "Amazon.com recommendations: item-to-item collaborative filtering", IEEE
Internet Computing 7(1), 2003.

**Model and scores.** Each product keeps its ``neighbours`` most similar products (ties go to
the product whose name sorts first, by code point); a customer's candidates are the neighbours
of what they bought, less what they bought, and a candidate's score is the sum of its
similarities to the customer's products whose neighbour it is: the item-based top-N scheme of
Deshpande and Karypis, "Item-based top-N recommendation algorithms", ACM TOIS 22(1), 2004.
The reason given is the customer's product it is most similar to ("bought together with X").

**Needs.** A candidate that conflicts with the customer's dietary or cultural needs
(:data:`RULES`) or with an allergen they listed (EU Regulation 1169/2011, Annex II) is left out.
The rules read the product attributes of :data:`PRODUCT_ATTRIBUTES`; a product that carries
none of them is *undeclared* and is left out for a customer with a need the rules read or an
allergen, unless the caller asks for ``unknown="include"`` (then its ``attributes`` are
``None``). The same rule runs in SQL in :mod:`globalcrm.storage.recommendations_sql`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Final

import attrs

from globalcrm import _checks
from globalcrm.customers import ALLERGENS
from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidInput
from globalcrm.pagination import check_limit
from globalcrm.purchases import COUNTED, Purchase

__all__ = [
    "CLAIMS",
    "CONTENTS",
    "DEFAULT_NEIGHBOURS",
    "PRODUCT_ATTRIBUTES",
    "RULES",
    "UNKNOWN_POLICIES",
    "Clause",
    "Recommendation",
    "SimilarItems",
    "check_attributes",
    "conflicts",
    "cosine",
    "declared_attributes",
    "history",
    "recommend",
    "recommend_from",
    "similar_items",
]

# --------------------------------------------------------------------------- vocabulary

CONTENTS: Final[Mapping[str, str]] = {
    "meat": "meat of mammals or birds, or a product made from it (gelatine, stock, lard)",
    "pork": "pig meat or a product made from it (implies meat)",
    "beef": "cattle meat or a product made from it (implies meat)",
    "alcohol": "alcohol as a drink or an ingredient",
    "honey": "honey or another bee product",
    "root_vegetables": "onion, garlic, potato, carrot and other roots and bulbs",
    "cereals_gluten": "cereals containing gluten (EU 1169/2011 Annex II 1)",
    "crustaceans": "crustaceans (Annex II 2)",
    "eggs": "eggs (Annex II 3)",
    "fish": "fish (Annex II 4)",
    "peanuts": "peanuts (Annex II 5)",
    "soybeans": "soybeans (Annex II 6)",
    "milk": "milk, lactose included (Annex II 7)",
    "tree_nuts": "nuts: almonds, hazelnuts, walnuts... (Annex II 8)",
    "celery": "celery (Annex II 9)",
    "mustard": "mustard (Annex II 10)",
    "sesame": "sesame seeds (Annex II 11)",
    "sulphites": "sulphur dioxide and sulphites above 10 mg/kg or 10 mg/l (Annex II 12)",
    "lupin": "lupin (Annex II 13)",
    "molluscs": "molluscs (Annex II 14)",
}
"""What a product contains: the allergens of EU 1169/2011 Annex II and what diets exclude.

A product that carries any code of :data:`PRODUCT_ATTRIBUTES` is read as declaring all of
these it contains, as Regulation 1169/2011 (art. 9(1)(c), art. 21) requires for allergens."""

CLAIMS: Final[Mapping[str, str]] = {
    "halal": "certified halal (its meat slaughtered as Islamic law requires)",
    "kosher": "certified kosher",
    "vegan": "labelled vegan",
    "vegetarian": "labelled vegetarian",
    "gluten_free": "gluten-free: at most 20 mg/kg (Implementing Regulation (EU) 828/2014)",
    "lactose_free": "lactose-free (milk with its lactose removed still carries milk)",
}
"""What a product is certified or labelled as; a claim never outweighs a content."""

PRODUCT_ATTRIBUTES: Final = tuple(sorted((*CONTENTS, *CLAIMS)))
"""The closed vocabulary the rules read. Line items may carry other codes (``organic``...):
the rules ignore those, and :func:`check_attributes` refuses them."""

UNKNOWN_POLICIES: Final = ("exclude", "include")
"""What to do with an undeclared product for a customer the rules protect."""

DEFAULT_NEIGHBOURS: Final = 20
"""How many most similar products each product keeps (``k`` of Deshpande and Karypis)."""

_MEAT = frozenset({"meat", "pork", "beef"})
_SEAFOOD = frozenset({"fish", "crustaceans", "molluscs"})
_ANIMAL_FLESH = _MEAT | _SEAFOOD


@attrs.frozen
class Clause:
    """One reason to exclude a product: it contains one of ``contains``.

    When ``with_any`` is given, only together with one of those; never if it carries the claim
    ``unless``.
    """

    contains: frozenset[str]
    with_any: frozenset[str] = frozenset()
    unless: str | None = None

    def excludes(self, attributes: frozenset[str]) -> bool:
        """Whether a product with these declared attributes is excluded by this clause."""
        return (
            not self.contains.isdisjoint(attributes)
            and (not self.with_any or not self.with_any.isdisjoint(attributes))
            and (self.unless is None or self.unless not in attributes)
        )


RULES: Final[Mapping[str, tuple[Clause, ...]]] = {
    # Codex Alimentarius CAC/GL 24-1997, General guidelines for use of the term "halal":
    # 3.1 pigs and boars and alcoholic drinks are unlawful; 3.2 meat only from halal slaughter.
    "halal": (
        Clause(frozenset({"pork", "alcohol"})),
        Clause(_MEAT, unless="halal"),
    ),
    # Leviticus 11 and Deuteronomy 14 (no pig, no water animal without fins and scales);
    # Exodus 23:19 (meat and milk apart); meat and fish from kosher supervision only.
    "kosher": (
        Clause(frozenset({"pork", "crustaceans", "molluscs"})),
        Clause(_MEAT | {"fish"}, unless="kosher"),
        Clause(_MEAT, with_any=frozenset({"milk"})),
    ),
    # The Vegetarian Society: no meat, fish or shellfish; eggs and dairy allowed.
    "vegetarian": (Clause(_ANIMAL_FLESH),),
    "lacto_vegetarian": (Clause(_ANIMAL_FLESH | {"eggs"}),),
    "ovo_vegetarian": (Clause(_ANIMAL_FLESH | {"milk"}),),
    # Hindu vegetarianism is commonly lacto-vegetarian.
    "hindu_vegetarian": (Clause(_ANIMAL_FLESH | {"eggs"}),),
    # The Vegan Society: no meat, fish, shellfish, dairy, eggs or honey.
    "vegan": (Clause(_ANIMAL_FLESH | {"milk", "eggs", "honey"}),),
    # Jain diet: no flesh, eggs, honey, alcohol, or roots and bulbs.
    "jain": (Clause(_ANIMAL_FLESH | {"eggs", "honey", "alcohol", "root_vegetables"}),),
    "pescatarian": (Clause(_MEAT),),
    "no_pork": (Clause(frozenset({"pork"})),),
    "no_beef": (Clause(frozenset({"beef"})),),
    "no_alcohol": (Clause(frozenset({"alcohol"})),),
    # Implementing Regulation (EU) No 828/2014: "gluten-free" is at most 20 mg/kg.
    "gluten_free": (Clause(frozenset({"cereals_gluten"}), unless="gluten_free"),),
    "lactose_free": (Clause(frozenset({"milk"}), unless="lactose_free"),),
}
"""Each dietary need the rules read, and the clauses that exclude a product for it.

Needs of :data:`globalcrm.customers.DIETARY_NEEDS` not listed (``low_sodium``, ``diabetic``)
and custom codes are not read: no product attribute says enough about them. An allergen the
customer listed excludes every product that contains it, whatever its claims."""


def check_attributes(value: object, *, field: str = "attributes") -> tuple[str, ...]:
    """Product attribute codes, each one of :data:`PRODUCT_ATTRIBUTES` (else ``InvalidComponent``).

    ```pycon
    >>> check_attributes(["Halal", "sesame", "halal"])
    ('halal', 'sesame')

    ```
    """
    codes = _checks.codes(value, field=field)
    for index, code in enumerate(codes):
        if code not in CONTENTS and code not in CLAIMS:
            raise InvalidComponent(
                "not a product attribute the rules read (see PRODUCT_ATTRIBUTES)",
                field=f"{field}[{index}]",
            )
    return codes


def declared_attributes(lines: Iterable[Iterable[str]]) -> tuple[str, ...] | None:
    """A product's attributes from the attribute lists of its line items; ``None`` if undeclared.

    Codes outside :data:`PRODUCT_ATTRIBUTES` are ignored, and so are lines that carry none of
    them. Of the rest, a content any line declares is kept (the safe side), and a claim only if
    every one of those lines makes it. ``pork`` and ``beef`` bring ``meat``. Sorted.

    ```pycon
    >>> declared_attributes([["halal", "meat"], ["organic"], ["meat", "sesame"]])
    ('meat', 'sesame')
    >>> declared_attributes([["organic"]]) is None
    True

    ```
    """
    contents: set[str] = set()
    claims: set[str] | None = None
    for line in lines:
        known = [code for code in line if code in CONTENTS or code in CLAIMS]
        if not known:
            continue
        contents.update(code for code in known if code in CONTENTS)
        made = {code for code in known if code in CLAIMS}
        claims = made if claims is None else claims & made
    if claims is None and not contents:
        return None
    if not contents.isdisjoint({"pork", "beef"}):
        contents.add("meat")
    return tuple(sorted(contents | (claims or set())))


def _needs(value: object) -> tuple[str, ...]:
    return _checks.codes(value, field="needs")


def _allergen(value: object) -> str:
    return _checks.choice(value, ALLERGENS, field="", what="allergen")


def _allergens(value: object) -> tuple[str, ...]:
    return _checks.each(value, "allergens", _allergen)


def conflicts(
    attributes: object, *, needs: object = (), allergens: object = ()
) -> tuple[str, ...]:
    """The customer's needs and allergens a product with ``attributes`` conflicts with.

    ``attributes`` are checked against :data:`PRODUCT_ATTRIBUTES` and read as a declaration
    (``pork`` brings ``meat``); needs the rules do not read are ignored.

    ```pycon
    >>> conflicts(["pork"], needs=["halal", "vegan"], allergens=["milk"])
    ('halal', 'vegan')
    >>> conflicts(["meat", "halal"], needs=["halal", "kosher"])
    ('kosher',)
    >>> conflicts(["milk", "lactose_free"], needs=["lactose_free"], allergens=["milk"])
    ('milk',)

    ```
    """
    declared = declared_attributes([check_attributes(attributes)]) or ()
    return _explain(_needs(needs), _allergens(allergens), frozenset(declared))


def _explain(
    needs: tuple[str, ...], allergens: tuple[str, ...], declared: frozenset[str]
) -> tuple[str, ...]:
    found = [n for n in needs if any(c.excludes(declared) for c in RULES.get(n, ()))]
    found.extend(a for a in allergens if a in declared)
    return tuple(found)


@functools.lru_cache(maxsize=256)
def _admits(
    needs: tuple[str, ...], allergens: tuple[str, ...], unknown: str
) -> Callable[[tuple[str, ...] | None], bool]:
    """A test of a product's declared attributes (``None``: undeclared) for one set of needs."""
    clauses = tuple(c for need in needs for c in RULES.get(need, ()))
    clauses += tuple(Clause(frozenset({a})) for a in allergens)
    if not clauses:
        return lambda attributes: True
    include_unknown = unknown == "include"

    @functools.lru_cache(maxsize=4096)
    def admits(attributes: tuple[str, ...] | None) -> bool:
        if attributes is None:
            return include_unknown
        declared = frozenset(attributes)
        return not any(c.excludes(declared) for c in clauses)

    return admits


# --------------------------------------------------------------------------- the model


def cosine(together: int, buyers_a: int, buyers_b: int) -> float:
    """Cosine similarity of two products' binary buyer columns (Linden, Smith and York 2003).

    ```pycon
    >>> cosine(2, 4, 4), cosine(3, 3, 12)
    (0.5, 0.5)

    ```
    """
    return together / math.sqrt(buyers_a * buyers_b)


def _rank_key(together: int, buyers: int, product: str) -> tuple[float, str]:
    """Order of a product's neighbours: most similar first, then by name (code points).

    ``together**2 / buyers`` orders them as the cosine does (the product's own buyers are the
    same for all), and is one correctly rounded division the database computes identically.
    """
    return (-(together * together / buyers), product)


def _non_negative_int(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidFormat("expected a whole number, zero or more", field=field)
    return value


def _neighbours(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise InvalidFormat("expected a whole number from 1 to 1000", field="neighbours")
    return value


def _as_of(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="as_of")


def _mapping(value: object, field: str) -> Mapping[object, object]:
    if not isinstance(value, Mapping):
        raise InvalidFormat(f"expected a mapping, got {type(value).__name__}", field=field)
    return value


def _similar(value: object) -> Mapping[str, tuple[tuple[str, int], ...]]:
    result: dict[str, tuple[tuple[str, int], ...]] = {}
    for index, (product, row) in enumerate(_mapping(value, "similar").items()):
        field = f"similar[#{index}]"
        if not isinstance(product, str) or not isinstance(row, tuple | list):
            raise InvalidFormat("expected a product and a list of (product, count)", field=field)
        pairs = []
        for position, pair in enumerate(row):
            if (
                not isinstance(pair, tuple | list)
                or len(pair) != 2
                or not isinstance(pair[0], str)
                or pair[0] == product
            ):
                raise InvalidFormat("expected (another product, count)",
                                    field=f"{field}[{position}]")
            together = _non_negative_int(pair[1], f"{field}[{position}]")
            pairs.append((pair[0], together))
        result[product] = tuple(pairs)
    return MappingProxyType(result)


def _buyers(value: object) -> Mapping[str, int]:
    result: dict[str, int] = {}
    for index, (product, count) in enumerate(_mapping(value, "buyers").items()):
        if not isinstance(product, str):
            raise InvalidFormat("expected a product name", field=f"buyers[#{index}]")
        result[product] = _non_negative_int(count, f"buyers[#{index}]")
    return MappingProxyType(result)


def _declared(value: object) -> Mapping[str, tuple[str, ...]]:
    result: dict[str, tuple[str, ...]] = {}
    for index, (product, codes) in enumerate(_mapping(value, "attributes").items()):
        if not isinstance(product, str):
            raise InvalidFormat("expected a product name", field=f"attributes[#{index}]")
        result[product] = check_attributes(codes, field=f"attributes[#{index}]")
    return MappingProxyType(result)


@attrs.frozen(kw_only=True)
class SimilarItems:
    """The similar-items model: each product's most similar products, with the counts behind.

    ``similar[p]`` is ``((q, together), ...)``, best first, at most ``neighbours`` long;
    ``buyers[p]`` how many customers bought ``p`` (for products bought with another);
    ``attributes[p]`` the declared attributes of ``p`` (absent: undeclared).
    Products and counts only: nothing about a person.
    """

    as_of: dt.datetime = attrs.field(converter=_as_of)
    neighbours: int = attrs.field(converter=_neighbours)
    similar: Mapping[str, tuple[tuple[str, int], ...]] = attrs.field(
        repr=False, converter=_similar
    )
    buyers: Mapping[str, int] = attrs.field(repr=False, converter=_buyers)
    attributes: Mapping[str, tuple[str, ...]] = attrs.field(repr=False, converter=_declared)

    def __attrs_post_init__(self) -> None:
        buyers = self.buyers
        for index, (product, row) in enumerate(self.similar.items()):
            if len(row) > self.neighbours:
                raise InvalidInput("more neighbours than the model keeps",
                                   field=f"similar[#{index}]")
            for position, (candidate, together) in enumerate(row):
                if together > min(buyers.get(product, 0), buyers.get(candidate, 0)):
                    raise InvalidInput(
                        "more customers bought both than bought one (or buyers is missing)",
                        field=f"similar[#{index}][{position}]",
                    )

    @property
    def products(self) -> int:
        """How many products have neighbours."""
        return len(self.similar)

    def similarity(self, product: str, other: str) -> float:
        """The cosine of ``other`` as a neighbour of ``product`` (0.0 if it is not one)."""
        for candidate, together in self.similar.get(product, ()):
            if candidate == other:
                return cosine(together, self.buyers[product], self.buyers[candidate])
        return 0.0


def history(
    purchases: Iterable[Purchase], customer_id: str, *, now: dt.datetime
) -> tuple[frozenset[str], frozenset[str]]:
    """What a customer bought (purchases that count) and returned (refunded wholly), by ``now``.

    A cancelled purchase was never bought; a refunded one is not a taste to build on, but its
    products are not recommended back either.
    """
    bought: set[str] = set()
    returned: set[str] = set()
    for purchase in purchases:
        if purchase.customer_id != customer_id or purchase.occurred_at > now:
            continue
        if purchase.status in COUNTED:
            bought.update(item.product for item in purchase.items)
        elif purchase.status == "refunded":
            returned.update(item.product for item in purchase.items)
    return frozenset(bought), frozenset(returned - bought)


def similar_items(
    purchases: Iterable[Purchase],
    *,
    now: dt.datetime,
    neighbours: int = DEFAULT_NEIGHBOURS,
    tenant: str = "default",
) -> SimilarItems:
    """The model built in memory from ``tenant``'s purchases made by ``now`` (the reference).

    ```pycon
    >>> import datetime as dt
    >>> from globalcrm.money import Money
    >>> now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    >>> def sale(who, *products):
    ...     return Purchase(customer_id=who, channel="web_form", occurred_at=now,
    ...                     amount=Money("1", "EUR"), items=[{"product": p, "quantity": 1,
    ...                     "unit_price": "0.10"} for p in products])
    >>> a, b = "01KAQ3V4J5ZC6Y3W8N0R2T4V6A", "01KAQ3V4J5ZC6Y3W8N0R2T4V6B"
    >>> model = similar_items([sale(a, "tea", "cups"), sale(b, "tea", "honey")], now=now)
    >>> model.similar["tea"], round(model.similarity("tea", "cups"), 3)
    ((('cups', 1), ('honey', 1)), 0.707)

    ```
    """
    moment = _checks.aware_utc(now, field="now")
    k = _neighbours(neighbours)
    baskets: dict[str, set[str]] = {}
    lines: dict[str, list[tuple[str, ...]]] = {}
    for purchase in purchases:
        if not isinstance(purchase, Purchase):
            raise InvalidFormat("expected Purchase objects", field="purchases")
        if purchase.tenant != tenant or purchase.occurred_at > moment:
            continue
        for item in purchase.items:
            lines.setdefault(item.product, []).append(item.attributes)
        if purchase.status in COUNTED and purchase.customer_id is not None:
            baskets.setdefault(purchase.customer_id, set()).update(
                item.product for item in purchase.items
            )
    buyers: dict[str, int] = {}
    together: dict[str, dict[str, int]] = {}
    for basket in baskets.values():
        for product in basket:
            buyers[product] = buyers.get(product, 0) + 1
            row = together.setdefault(product, {})
            for other in basket:
                if other != product:
                    row[other] = row.get(other, 0) + 1
    similar = {
        product: tuple(
            sorted(row.items(), key=lambda pair: _rank_key(pair[1], buyers[pair[0]], pair[0]))[
                :k
            ]
        )
        for product, row in together.items()
        if row
    }
    buyers = {product: count for product, count in buyers.items() if product in similar}
    attributes = {
        product: declared
        for product, sets in lines.items()
        if (declared := declared_attributes(sets)) is not None
    }
    return SimilarItems(
        as_of=moment, neighbours=k, similar=similar, buyers=buyers, attributes=attributes
    )


# --------------------------------------------------------------------------- recommendations


def _product(value: object) -> str:
    return _checks.text(value, field="product", max_length=200)


def _because(value: object) -> str | None:
    return None if value is None else _checks.text(value, field="because", max_length=200)


def _score(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidFormat("expected a finite number", field="score")
    return float(value)


def _together(value: object) -> int:
    return _non_negative_int(value, "together")


def _attributes_or_none(value: object) -> tuple[str, ...] | None:
    return None if value is None else check_attributes(value)


@attrs.frozen(kw_only=True)
class Recommendation:
    """A product to suggest, its score, and why.

    ``because`` is the customer's product it is most similar to (``together`` customers bought
    both). ``attributes`` are the product's declared attributes, ``None`` if it declares none. A
    plugin may make its own (``because=None``).
    """

    product: str = attrs.field(converter=_product)
    score: float = attrs.field(converter=_score)
    because: str | None = attrs.field(default=None, converter=_because)
    together: int = attrs.field(default=0, converter=_together)
    attributes: tuple[str, ...] | None = attrs.field(
        default=None, converter=_attributes_or_none
    )

    @property
    def reason(self) -> str:
        """Why, in a plain English line (localise it with a message template)."""
        if self.because is None:
            return "suggested"
        return f"bought together with {self.because}"

    def to_json(self) -> dict[str, object]:
        """The recommendation as JSON-safe values."""
        return {
            "product": self.product,
            "score": self.score,
            "because": self.because,
            "together": self.together,
            "attributes": None if self.attributes is None else list(self.attributes),
            "reason": self.reason,
        }


def _products(value: object, field: str) -> frozenset[str]:
    if isinstance(value, frozenset | set):
        value = sorted(value, key=str)
    return frozenset(_checks.each(value, field, _product))


def recommend(
    model: SimilarItems,
    *,
    bought: object,
    exclude: object = (),
    needs: object = (),
    allergens: object = (),
    limit: int = 10,
    unknown: str = "exclude",
) -> list[Recommendation]:
    """The best ``limit`` products for a customer who ``bought`` these, by ``model``.

    Leaves out what they bought, anything in ``exclude`` (what they returned, what is in the
    basket now), and what conflicts with their ``needs`` and ``allergens``; an undeclared
    product is left out for a customer those rules protect unless ``unknown="include"``.
    Ties in score go to the name that sorts first.
    """
    if not isinstance(model, SimilarItems):
        raise InvalidFormat("expected a SimilarItems model", field="model")
    seeds = _products(bought, "bought")
    skip = seeds | _products(exclude, "exclude")
    checked_needs = tuple(sorted(set(_needs(needs)) & RULES.keys()))
    checked_allergens = tuple(sorted(set(_allergens(allergens))))
    count = check_limit(limit)
    policy = _checks.choice(unknown, UNKNOWN_POLICIES, field="unknown", what="policy")
    return _ranked(model, seeds, skip, _admits(checked_needs, checked_allergens, policy), count)


def _ranked(
    model: SimilarItems,
    seeds: frozenset[str],
    skip: frozenset[str],
    admits: Callable[[tuple[str, ...] | None], bool],
    limit: int,
) -> list[Recommendation]:
    """Score, filter and rank (the inner loop, shared by the single and the batch paths)."""
    buyers, attributes = model.buyers, model.attributes
    scores: dict[str, float] = {}
    best: dict[str, tuple[float, str, int]] = {}
    refused: set[str] = set()
    for seed in sorted(seeds):
        row = model.similar.get(seed)
        if not row:
            continue
        root = buyers[seed]
        for candidate, together in row:
            if candidate in skip or candidate in refused:
                continue
            if candidate not in scores:
                if not admits(attributes.get(candidate)):
                    refused.add(candidate)
                    continue
                scores[candidate] = 0.0
            similarity = together / math.sqrt(root * buyers[candidate])
            scores[candidate] += similarity
            held = best.get(candidate)
            if held is None or similarity > held[0]:  # seeds come in name order: first wins ties
                best[candidate] = (similarity, seed, together)
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
    return [
        Recommendation(
            product=product,
            score=score,
            because=best[product][1],
            together=best[product][2],
            attributes=attributes.get(product),
        )
        for product, score in ranked
    ]


def recommend_from(
    purchases: Iterable[Purchase],
    *,
    customer_id: str,
    needs: object = (),
    allergens: object = (),
    now: dt.datetime,
    limit: int = 10,
    neighbours: int = DEFAULT_NEIGHBOURS,
    unknown: str = "exclude",
    tenant: str = "default",
) -> list[Recommendation]:
    """Recommendations for one customer from purchases held in memory (no database).

    The same answer ``crm.recommendations.for_customer`` gives from the store.
    """
    every = list(purchases)
    moment = _checks.aware_utc(now, field="now")
    model = similar_items(every, now=moment, neighbours=neighbours, tenant=tenant)
    bought, returned = history(
        (p for p in every if p.tenant == tenant), customer_id, now=moment
    )
    if not isinstance(customer_id, str):
        raise InvalidInput("expected a customer id", field="customer_id")
    return recommend(
        model,
        bought=bought,
        exclude=returned,
        needs=needs,
        allergens=allergens,
        limit=limit,
        unknown=unknown,
    )
