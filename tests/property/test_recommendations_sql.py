"""The similar-items model counted in SQL equals the one built in memory, and so do the answers.

Random purchases (cancelled, refunded, in the future, product names that sort differently by
code point and by locale), random needs; SQLite and PostgreSQL. Each example works in a tenant
of its own, so examples never see each other's rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm import recommendations as R
from globalcrm.purchases import Purchase, purchase_from_row

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
PRODUCTS = ["apple", "Zebra", "ąžuolas", "é-cake", "ham", "lamb", "milk", "tofu", "_x", "10"]
CODES = ["pork", "meat", "halal", "kosher", "milk", "lactose_free", "eggs", "vegan", "peanuts",
         "organic"]
_tenants = itertools.count()

people_data = st.lists(
    st.tuples(
        st.lists(st.sampled_from(["halal", "kosher", "vegan", "lactose_free", "low_sodium"]),
                 max_size=2, unique=True),
        st.lists(st.sampled_from(["milk", "peanuts", "eggs"]), max_size=1),
    ),
    min_size=1, max_size=6,
)
catalogues = st.fixed_dictionaries({
    product: st.lists(st.lists(st.sampled_from(CODES), max_size=3, unique=True),
                      min_size=1, max_size=2)
    for product in PRODUCTS
})
bought_data = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.lists(st.tuples(st.sampled_from(PRODUCTS), st.integers(0, 1)), min_size=1,
                 max_size=4),
        st.sampled_from(["completed", "completed", "completed", "cancelled", "refunded",
                         "partially_refunded"]),
        st.sampled_from([-3, 60, 600]),  # minutes before NOW; -3 is after it
    ),
    max_size=20,
)


def _rows(catalogue: dict[str, list[list[str]]], data: list[Any], people: list[gc.Customer],
          tenant: str) -> list[Purchase]:
    made = []
    for who, lines, status, minutes in data:
        items = [
            {"product": product, "quantity": 1, "unit_price": "1.00",
             "attributes": catalogue[product][variant % len(catalogue[product])]}
            for product, variant in lines
        ]
        row: dict[str, Any] = {
            "customer_id": people[who % len(people)].id,
            "occurred_at": (NOW - dt.timedelta(minutes=minutes)).isoformat(),
            "channel": "web_form", "amount": f"{len(items)}.00", "currency": "EUR",
            "items": json.dumps(items),
        }
        if status == "refunded":
            row.update(status=status, refunded=row["amount"])
        elif status == "partially_refunded":
            row.update(status=status, refunded="0.50")
        elif status == "cancelled":
            row["status"] = status
        made.append(purchase_from_row(row, tenant=tenant))
    return made


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    people=people_data,
    catalogue=catalogues,
    data=bought_data,
    neighbours=st.integers(1, 6),
    limit=st.integers(1, 8),
    unknown=st.sampled_from(R.UNKNOWN_POLICIES),
)
def test_sql_and_memory_agree_on_the_model_and_every_customers_recommendations(
    crm: gc.CRM, people: list[tuple[list[str], list[str]]],
    catalogue: dict[str, list[list[str]]], data: list[Any], neighbours: int, limit: int,
    unknown: str,
) -> None:
    tenant = crm.for_tenant(f"rec{next(_tenants)}")
    stored = [
        tenant.customers.add(gc.Customer(name=gc.PersonName(given="Ona", locale="lt"),
                                         currency="EUR", country="LT", language="lt",
                                         time_zone="Europe/Vilnius", dietary_needs=needs,
                                         allergens=allergens))
        for needs, allergens in people
    ]
    made = _rows(catalogue, data, stored, tenant.tenant)
    report = tenant.purchases.import_rows(
        [
            {"id": p.id, "customer_id": p.customer_id, "occurred_at": p.occurred_at.isoformat(),
             "channel": p.channel, "amount": str(p.amount.amount), "currency": p.currency,
             "items": json.dumps([item.to_json() for item in p.items]), "status": p.status,
             "refunded": str(p.amount.amount - p.net.amount)}
            for p in made
        ],
        now=NOW,
    )
    assert report.errors == [] and report.imported == len(made)
    expected_model = R.similar_items(made, now=NOW, neighbours=neighbours, tenant=tenant.tenant)
    model = tenant.recommendations.similar_items(now=NOW, neighbours=neighbours)
    assert model == expected_model
    expected = {}
    for person in stored:
        expected[person.id] = R.recommend_from(
            made, customer_id=person.id, needs=person.dietary_needs,
            allergens=person.allergens, now=NOW, limit=limit, neighbours=neighbours,
            unknown=unknown, tenant=tenant.tenant,
        )
        alone = tenant.recommendations.for_customer(
            person, now=NOW, limit=limit, neighbours=neighbours, unknown=unknown
        )
        assert alone == expected[person.id]
        assert tenant.recommendations.for_customer(
            person.id, now=NOW, limit=limit, model=model, unknown=unknown
        ) == expected[person.id]
    every = dict(tenant.recommendations.for_customers(
        now=NOW, limit=limit, neighbours=neighbours, unknown=unknown, batch_size=2
    ))
    assert every == expected
