"""The similar-items model of :mod:`globalcrm.recommendations`, counted in SQL.

One statement counts, for every pair of products, the customers who bought both (a self-join
of the distinct customer-product pairs of purchases that count), ranks each product's
neighbours with a window function and keeps the best ``neighbours``: the set-based form of the
in-memory :func:`globalcrm.recommendations.similar_items`, and
``tests/property/test_recommendations_sql.py`` proves the two agree. The database returns
integers only (together, buyers) and orders by ``together * together / buyers`` as a double,
one correctly rounded division that SQLite, PostgreSQL and Python compute alike; ties go to
the name first in code-point order (``COLLATE "C"`` on PostgreSQL, SQLite's ``BINARY``).
Similarities and scores are then worked out in Python from those integers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Float,
    and_,
    case,
    cast,
    func,
    select,
)

from globalcrm.purchases import COUNTED
from globalcrm.recommendations import SimilarItems, declared_attributes
from globalcrm.storage import tables

__all__ = ["customer_needs", "histories", "product_attributes", "similar_items"]

_P = tables.purchases.c
_I = tables.purchase_items.c


def _bytewise(column: ColumnElement[Any], connection: Connection) -> ColumnElement[Any]:
    """``column`` compared by code point, as Python compares strings."""
    if connection.dialect.name == "postgresql":
        return column.collate("C")
    return column


def _lines() -> Any:
    return tables.purchase_items.join(tables.purchases, _P.id == _I.purchase_id)


def _bought(tenant: str, now: dt.datetime) -> CTE:
    """Distinct (customer, product) of the tenant's purchases that count, made by ``now``."""
    return (
        select(_P.customer_id, _I.product)
        .distinct()
        .select_from(_lines())
        .where(
            _P.tenant == tenant,
            _P.status.in_(COUNTED),
            _P.customer_id.is_not(None),
            _P.occurred_at <= now,
        )
        .cte("bought")
    )


def similar_items(
    connection: Connection,
    tenant: str,
    *,
    now: dt.datetime,
    neighbours: int,
    customer_id: str | None = None,
) -> SimilarItems:
    """The model as of ``now``; with ``customer_id``, only the rows of what they bought.

    One statement for the neighbours, one for the attributes of the products they name.
    """
    bought = _bought(tenant, now)
    first, second = bought.alias("b1"), bought.alias("b2")
    pairs_query = select(
        first.c.product.label("seed"),
        second.c.product.label("candidate"),
        func.count().label("together"),
    ).select_from(
        first.join(
            second,
            and_(
                first.c.customer_id == second.c.customer_id,
                first.c.product != second.c.product,
            ),
        )
    )
    if customer_id is not None:
        mine = select(bought.c.product).where(bought.c.customer_id == customer_id)
        pairs_query = pairs_query.where(first.c.product.in_(mine.scalar_subquery()))
    pairs = pairs_query.group_by(first.c.product, second.c.product).cte("pairs")
    buyers = (
        select(bought.c.product, func.count().label("buyers"))
        .group_by(bought.c.product)
        .cte("buyers")
    )
    seed_buyers, candidate_buyers = buyers.alias("bs"), buyers.alias("bc")
    key = cast(pairs.c.together * pairs.c.together, Float) / candidate_buyers.c.buyers
    rank = func.row_number().over(
        partition_by=pairs.c.seed,
        order_by=(key.desc(), _bytewise(pairs.c.candidate, connection)),
    )
    ranked = (
        select(
            pairs.c.seed,
            pairs.c.candidate,
            pairs.c.together,
            seed_buyers.c.buyers.label("seed_buyers"),
            candidate_buyers.c.buyers.label("candidate_buyers"),
            rank.label("rank"),
        )
        .select_from(
            pairs.join(seed_buyers, seed_buyers.c.product == pairs.c.seed).join(
                candidate_buyers, candidate_buyers.c.product == pairs.c.candidate
            )
        )
        .subquery("ranked")
    )
    rows = connection.execute(
        select(
            ranked.c.seed,
            ranked.c.candidate,
            ranked.c.together,
            ranked.c.seed_buyers,
            ranked.c.candidate_buyers,
        )
        .where(ranked.c.rank <= neighbours)
        .order_by(ranked.c.seed, ranked.c.rank)
    )
    similar: dict[str, list[tuple[str, int]]] = {}
    counts: dict[str, int] = {}
    for seed, candidate, together, seed_count, candidate_count in rows:
        similar.setdefault(seed, []).append((candidate, int(together)))
        counts[seed] = int(seed_count)
        counts[candidate] = int(candidate_count)
    named = None if customer_id is None else sorted(counts)
    return SimilarItems(
        as_of=now,
        neighbours=neighbours,
        similar={seed: tuple(row) for seed, row in similar.items()},
        buyers=counts,
        attributes=product_attributes(connection, tenant, now=now, products=named),
    )


def product_attributes(
    connection: Connection,
    tenant: str,
    *,
    now: dt.datetime,
    products: Sequence[str] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Declared attributes of the tenant's products (or of ``products``); undeclared are absent.

    Read from every line item of a purchase made by ``now``, whatever its status.
    """
    if products is not None and not products:
        return {}
    lines: dict[str, list[tuple[str, ...]]] = {}
    chunks: list[Sequence[str] | None] = (
        [None]
        if products is None
        else [products[start : start + 500] for start in range(0, len(products), 500)]
    )
    for chunk in chunks:
        query = (
            select(_I.product, _I.attributes)
            .distinct()
            .select_from(_lines())
            .where(_P.tenant == tenant, _P.occurred_at <= now)
        )
        if chunk is not None:
            query = query.where(_I.product.in_(list(chunk)))
        for product, attributes in connection.execute(query):
            lines.setdefault(product, []).append(tuple(attributes))
    return {
        product: declared
        for product, sets in lines.items()
        if (declared := declared_attributes(sets)) is not None
    }


def histories(
    connection: Connection, tenant: str, customer_ids: Sequence[str], *, now: dt.datetime
) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """What each customer bought (purchases that count) and returned, by ``now``.

    The same split as :func:`globalcrm.recommendations.history`: a product both bought and
    returned counts as bought.
    """
    if not customer_ids:
        return {}
    counts = func.max(case((_P.status.in_(COUNTED), 1), else_=0))
    kept: dict[str, tuple[set[str], set[str]]] = {}
    for start in range(0, len(customer_ids), 500):
        chunk = list(customer_ids[start : start + 500])
        rows = connection.execute(
            select(_P.customer_id, _I.product, counts)
            .select_from(_lines())
            .where(
                _P.tenant == tenant,
                _P.customer_id.in_(chunk),
                _P.status.in_((*COUNTED, "refunded")),
                _P.occurred_at <= now,
            )
            .group_by(_P.customer_id, _I.product)
        )
        for customer, product, counted in rows:
            bought, returned = kept.setdefault(customer, (set(), set()))
            (bought if counted else returned).add(product)
    return {
        customer: (frozenset(bought), frozenset(returned))
        for customer, (bought, returned) in kept.items()
    }


def customer_needs(
    connection: Connection, tenant: str, *, after: str | None, limit: int
) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """A page of the tenant's customers in id order: id, dietary needs, allergens."""
    c = tables.customers.c
    query = select(c.id, c.dietary_needs, c.allergens).where(c.tenant == tenant)
    if after is not None:
        query = query.where(c.id > after)
    rows = connection.execute(query.order_by(c.id).limit(limit))
    return [(row.id, tuple(row.dietary_needs), tuple(row.allergens)) for row in rows]
