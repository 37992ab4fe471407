"""Recommendations for N customers (default 100,000) over 10 N purchases, SQLite and PostgreSQL.

Data (setup, not measured): 2,000 products whose popularity falls off as 1/rank (Zipf), each
with the attributes a grocer would give it (pork, halal meat, milk, peanuts... or none); each
customer makes ten purchases of one to three products, mostly from a few "aisles" of their
own, so that products are bought together; one customer in four states a dietary need or an
allergen (halal, kosher, vegetarian, vegan, lactose-free, peanuts...).

globalcrm: ``crm.recommendations.for_customers(now=..., limit=10)`` consumed to the end: the
similar-items model counted in one SQL statement, then every customer's history read a batch
at a time, scored, filtered by their needs and ranked. Time is wall-clock; peak memory is the
largest Python heap during the run (``tracemalloc``, in a second run, since tracing slows
Python down) and the process's peak resident size (``resource``).

Baseline, in the same process on the same engine: the same model and scores written by hand
without the rules: the pair count as plain SQL (no ranking in the database), the top 20 kept
and every customer scored in a plain Python loop over a raw history query, no needs, no
attributes, no checks. The ratio is what the needs, the checks and the batching cost.

Also: one customer at a time (``crm.recommendations.for_customer``), counting their rows on
each call, and with a model counted beforehand (``model=``).

    python benchmarks/bench_recommendations.py [N] [--postgresql URL] [--skip-sqlite]

The PostgreSQL database is emptied first (its ``public`` schema dropped): use a scratch one.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, text

import globalcrm as gc
from globalcrm.storage import bulk, tables

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
PRODUCTS = 2_000
AISLES = 40
NEEDS: tuple[tuple[list[str], list[str]], ...] = (
    (["halal"], []), (["kosher"], []), (["vegetarian"], []), (["vegan"], []),
    (["lactose_free"], []), ([], ["peanuts"]), ([], ["milk"]), (["gluten_free"], ["sesame"]),
)
ATTRIBUTES: tuple[list[str], ...] = (
    ["pork"], ["meat", "halal"], ["meat", "kosher"], ["beef"], ["milk"], ["milk", "lactose_free"],
    ["peanuts"], ["cereals_gluten", "eggs"], ["vegan"], ["fish"], ["alcohol"], ["sesame"], [],
    [], [], [],
)


def _stamp(moment: dt.datetime, dialect: str) -> Any:
    """A time as the driver takes it for a UTC timestamp column (SQLite: naive ISO text)."""
    if dialect == "sqlite":
        return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return moment


def _ulid(i: int, kind: str) -> str:
    return f"01K{kind}{i:022d}"


def product(i: int) -> str:
    return f"product-{i:04d}"


def fill(connection: Connection, n: int) -> None:
    """N customers, 10 N purchases of one to three lines (setup, not measured)."""
    dialect = connection.dialect.name
    write = bulk.insert_tuples
    chance = random.Random(20261203)
    stamp = _stamp(NOW - dt.timedelta(days=400), dialect)
    name = json.dumps({"given": "A", "locale": "en"})
    columns = [c.name for c in tables.customers.columns]
    weights = [1 / (rank + 1) for rank in range(PRODUCTS)]
    aisles = [list(range(a, PRODUCTS, AISLES)) for a in range(AISLES)]
    aisle_weights = [[weights[p] for p in aisle] for aisle in aisles]
    attributes = [json.dumps(ATTRIBUTES[(p * 7) % len(ATTRIBUTES)]) for p in range(PRODUCTS)]
    purchase_columns = [c.name for c in tables.purchases.columns]
    line_columns = [c.name for c in tables.purchase_items.columns]
    for start in range(0, n, 20_000):
        part = range(start, min(n, start + 20_000))
        values = {
            "tenant": "default", "name": name, "other_names": "[]", "language": "en",
            "time_zone": "UTC", "currency": "EUR", "country": "LT", "emails": "[]",
            "phones": "[]", "addresses": "[]", "handles": "[]", "preferred_channels": "[]",
            "contact_hours": None, "formality": None, "gender": None, "pronouns": None,
            "birth_date": None, "accessibility_needs": "[]", "tags": "[]", "attributes": "{}",
            "created_at": stamp, "updated_at": stamp, "version": 1,
        }
        rows = []
        for i in part:
            needs, allergens = NEEDS[i % len(NEEDS)] if i % 4 == 0 else ([], [])
            row = {**values, "id": _ulid(i, "C"), "dietary_needs": json.dumps(needs),
                   "allergens": json.dumps(allergens)}
            rows.append(tuple(row[c] for c in columns))
        write(connection, "customers", columns, rows)
        purchases: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        for i in part:
            own = chance.sample(range(AISLES), 3)
            for k in range(10):
                number = i * 10 + k
                aisle = own[0] if k < 5 else own[chance.randrange(3)]
                if chance.random() < 0.2:
                    picks = chance.choices(range(PRODUCTS), weights, k=chance.randint(1, 3))
                else:
                    picks = chance.choices(aisles[aisle], aisle_weights[aisle],
                                           k=chance.randint(1, 3))
                status = "refunded" if number % 50 == 0 else "completed"
                at = _stamp(NOW - dt.timedelta(minutes=(number * 7919) % (365 * 1440) + 1),
                            dialect)
                total = 150 * len(picks)
                purchases.append((_ulid(number, "P"), "default", _ulid(i, "C"), at, "web_form",
                                  "EUR", total, total if status == "refunded" else 0, status,
                                  None, stamp))
                lines.extend(
                    (_ulid(number, "P"), position, product(p), "grocery", "1", "1.50", 150,
                     attributes[p])
                    for position, p in enumerate(picks)
                )
        write(connection, "purchases", purchase_columns, purchases)
        write(connection, "purchase_items", line_columns, lines)


BASELINE_PAIRS = """
WITH bought AS (
  SELECT DISTINCT p.customer_id, i.product FROM purchase_items i
  JOIN purchases p ON p.id = i.purchase_id
  WHERE p.tenant = 'default' AND p.status IN ('completed', 'partially_refunded')
    AND p.customer_id IS NOT NULL AND p.occurred_at <= :now)
SELECT a.product, b.product, count(*) FROM bought a
JOIN bought b ON a.customer_id = b.customer_id AND a.product <> b.product
GROUP BY a.product, b.product
"""
BASELINE_BOUGHT = """
SELECT DISTINCT p.customer_id, i.product FROM purchase_items i
JOIN purchases p ON p.id = i.purchase_id
WHERE p.tenant = 'default' AND p.status IN ('completed', 'partially_refunded')
  AND p.customer_id IS NOT NULL AND p.occurred_at <= :now
ORDER BY p.customer_id
"""


def baseline(connection: Connection, dialect: str) -> int:
    """The same item-to-item scores by hand, without needs or checks; returns customers served."""
    now = _stamp(NOW, dialect)
    rows: dict[str, list[tuple[str, int]]] = {}
    for a, b, together in connection.execute(text(BASELINE_PAIRS), {"now": now}):
        rows.setdefault(a, []).append((b, together))
    buyers: dict[str, int] = {}
    for _customer, b in connection.execute(text(BASELINE_BOUGHT), {"now": now}).all():
        buyers[b] = buyers.get(b, 0) + 1
    top = {
        a: sorted(row, key=lambda pair: (-(pair[1] * pair[1] / buyers[pair[0]]), pair[0]))[:20]
        for a, row in rows.items()
    }
    served = 0
    for _customer, basket in _baskets(connection, now):
        scores: dict[str, float] = {}
        for seed in sorted(basket):
            for other, together in top.get(seed, ()):
                if other not in basket:
                    scores[other] = scores.get(other, 0.0) + together / math.sqrt(
                        buyers[seed] * buyers[other])
        sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:10]
        served += 1
    return served


def _baskets(connection: Connection, now: Any) -> Iterator[tuple[str, set[str]]]:
    current: str | None = None
    basket: set[str] = set()
    for customer, item in connection.execute(text(BASELINE_BOUGHT), {"now": now}):
        if customer != current:
            if current is not None:
                yield current, basket
            current, basket = customer, set()
        basket.add(item)
    if current is not None:
        yield current, basket


def library(crm: gc.CRM) -> tuple[int, int]:
    served = recommended = 0
    for _customer, items in crm.recommendations.for_customers(now=NOW, limit=10):
        served += 1
        recommended += len(items)
    return served, recommended


def run(url: str, n: int) -> None:
    crm = gc.open(url)
    engine = crm._engine
    dialect = engine.dialect.name
    started = time.perf_counter()
    with engine.begin() as connection:
        fill(connection, n)
    if dialect == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    print(f"{dialect}: {n:,} customers, {10 * n:,} purchases filled in "
          f"{time.perf_counter() - started:.0f} s", flush=True)

    start = time.perf_counter()
    model = crm.recommendations.similar_items(now=NOW)
    counted = time.perf_counter() - start
    print(f"{dialect}: the model ({model.products:,} products, "
          f"{sum(len(r) for r in model.similar.values()):,} neighbours) in {counted:.1f} s",
          flush=True)

    start = time.perf_counter()
    served, recommended = library(crm)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    with engine.connect() as connection:
        theirs_served = baseline(connection, dialect)
    theirs = time.perf_counter() - start
    print(f"{dialect}: for_customers: {served:,} customers, {recommended:,} recommendations in "
          f"{ours:.1f} s; by hand without the rules ({theirs_served:,} customers): "
          f"{theirs:.1f} s; ratio {ours / theirs:.2f}", flush=True)

    tracemalloc.start()
    library(crm)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{dialect}: peak Python heap during for_customers {peak / 2**20:.0f} MiB; "
          f"process peak RSS so far {rss:.0f} MiB", flush=True)

    sample = [_ulid(i, "C") for i in range(0, n, max(1, n // 50))][:50]
    start = time.perf_counter()
    for customer in sample[:10]:
        crm.recommendations.for_customer(customer, now=NOW)
    alone = (time.perf_counter() - start) / len(sample[:10])
    start = time.perf_counter()
    for customer in sample:
        crm.recommendations.for_customer(customer, now=NOW, model=model)
    with_model = (time.perf_counter() - start) / len(sample)
    print(f"{dialect}: for_customer: {alone * 1000:.0f} ms each counting their rows "
          f"({len(sample[:10])} customers); {with_model * 1000:.1f} ms each with the model "
          f"({len(sample)} customers)", flush=True)
    crm.close()


def main() -> None:
    arguments = sys.argv[1:]
    postgresql = None
    if "--postgresql" in arguments:
        index = arguments.index("--postgresql")
        postgresql = arguments[index + 1]
        del arguments[index : index + 2]
    skip_sqlite = "--skip-sqlite" in arguments
    arguments = [a for a in arguments if a != "--skip-sqlite"]
    n = int(arguments[0]) if arguments else 100_000
    if not skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{Path(tmp) / 'bench.db'}", n)
    if postgresql is not None:
        engine = create_engine(postgresql)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        run(postgresql, n)


if __name__ == "__main__":
    main()
