"""Import N purchases (default 100,000) with one line each: globalcrm vs the bare parsing.

Baseline, in the same process: each row's time, amount and line read by hand (``fromisoformat``,
``Decimal``, ``json.loads``), then a raw ``executemany`` (SQLite) of the values into two plain
tables. globalcrm: ``crm.purchases.import_rows(rows)`` (every field checked through the domain
constructors, customers and keys looked up per batch, bulk insert). Best of three for both.

    python benchmarks/bench_purchases.py [N]
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import globalcrm as gc

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
REPEATS = 3


def make_rows(customers: list[str], n: int) -> list[dict[str, str]]:
    return [
        {
            "customer_id": customers[i % len(customers)],
            "occurred_at": (NOW - dt.timedelta(minutes=i)).isoformat(),
            "channel": ("web_form", "in_person", "whatsapp")[i % 3],
            "amount": f"{(i * 37) % 20_000 / 100:.2f}",
            "currency": ("EUR", "USD")[i % 2],
            "items": json.dumps([{"product": "sencha", "category": "tea", "quantity": "1",
                                  "unit_price": f"{(i * 37) % 20_000 / 100:.2f}",
                                  "attributes": ["vegan"]}]),
        }
        for i in range(n)
    ]


def bare(path: Path, rows: list[dict[str, str]]) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE IF NOT EXISTS p (id INTEGER PRIMARY KEY, customer TEXT,"
                       " at TEXT, channel TEXT, currency TEXT, amount INTEGER)")
    connection.execute("CREATE TABLE IF NOT EXISTS li (p INTEGER, product TEXT, category TEXT,"
                       " quantity TEXT, price TEXT, total INTEGER)")
    purchases, lines = [], []
    for i, row in enumerate(rows):
        at = dt.datetime.fromisoformat(row["occurred_at"]).astimezone(dt.UTC)
        minor = int(Decimal(row["amount"]) * 100)
        purchases.append((i, row["customer_id"], at.isoformat(), row["channel"],
                          row["currency"], minor))
        for item in json.loads(row["items"]):
            total = int(Decimal(item["quantity"]) * Decimal(item["unit_price"]) * 100)
            lines.append((i, item["product"], item["category"], item["quantity"],
                          item["unit_price"], total))
    with connection:
        connection.execute("DELETE FROM p")
        connection.execute("DELETE FROM li")
        connection.executemany("INSERT INTO p VALUES (?, ?, ?, ?, ?, ?)", purchases)
        connection.executemany("INSERT INTO li VALUES (?, ?, ?, ?, ?, ?)", lines)
    connection.close()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        library = baseline = float("inf")
        for round_ in range(REPEATS):
            crm = gc.open(f"sqlite:///{Path(tmp) / f'bench{round_}.db'}")
            customers = [
                crm.customers.add(gc.Customer(
                    name=gc.PersonName(given=f"A{i}", locale="en"), country="LT",
                    language="lt", time_zone="Europe/Vilnius", currency="EUR",
                )).id
                for i in range(100)
            ]
            rows = make_rows(customers, n)
            start = time.perf_counter()
            report = crm.purchases.import_rows(rows, now=NOW)
            library = min(library, time.perf_counter() - start)
            if report.imported != n:
                raise SystemExit(f"not all imported: {report.errors[:3]}")
            crm.close()
            start = time.perf_counter()
            bare(Path(tmp) / "bare.db", rows)
            baseline = min(baseline, time.perf_counter() - start)
    print(f"import {n:,} purchases, best of {REPEATS}: globalcrm {library:.2f} s, "
          f"bare parsing + executemany {baseline:.2f} s, ratio {library / baseline:.2f}")


if __name__ == "__main__":
    main()
