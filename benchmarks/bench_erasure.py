"""Export of a customer with N interactions; erasure of M customers in one retention sweep.

Export (default N = 10,000): ``crm.privacy.export(customer)`` (every table read through the
registry, the customer document, the consent history opened) vs the bare ``SELECT`` of the
customer's row and interactions with ``json.dumps``, in the same process, best of three.

Erasure (default M = 10,000 customers with one interaction each, SQLite): a stored policy that
makes all of them due, ``crm.privacy.retention.sweep(now=...)`` (consents ended, keys destroyed,
suppression digests, every table's rows by the registry, tombstones and audit entries; one
transaction per 500 customers) vs the raw DELETE statements it amounts to, as ``executemany`` on
a copy of the same database file in one transaction.

    python benchmarks/bench_erasure.py [N] [M]
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import globalcrm as gc
from globalcrm.privacy.retention import RetentionPolicy

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
REPEATS = 3


def _customer(i: int) -> dict[str, str]:
    return {"given": f"Jonas{i}", "surname": "Petraitis", "country": "LT", "language": "lt",
            "time_zone": "Europe/Vilnius", "currency": "EUR", "emails": f"jonas{i}@example.lt",
            "phones": f"+370 6{i:07d}", "created_at": (NOW - dt.timedelta(days=800)).isoformat()}


def export_bench(tmp: Path, n: int) -> tuple[float, float]:
    path = tmp / "export.db"
    crm = gc.open(f"sqlite:///{path}")
    report = crm.customers.import_rows([_customer(0)])
    customer = report.ids[0]
    with crm.transaction() as tx:
        for i in range(n):
            tx.interactions.record(customer, channel="email", direction="inbound",
                                   body=f"Laiškas numeris {i}", occurred_at=NOW - dt.timedelta(
                                       minutes=i))
    library = baseline = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        document = crm.privacy.export(customer, now=NOW)
        json.dumps(document, ensure_ascii=False)
        library = min(library, time.perf_counter() - start)
        if len(document["tables"]["interactions"]) != n:
            raise SystemExit("the export lost interactions")
    crm.close()
    for _ in range(REPEATS):
        start = time.perf_counter()
        connection = sqlite3.connect(path)
        rows = {
            "customers": connection.execute(
                "SELECT * FROM customers WHERE tenant = 'default' AND id = ?", (customer,)
            ).fetchall(),
            "interactions": connection.execute(
                "SELECT * FROM interactions WHERE tenant = 'default' AND customer_id = ?",
                (customer,),
            ).fetchall(),
        }
        json.dumps(rows, ensure_ascii=False)
        connection.close()
        baseline = min(baseline, time.perf_counter() - start)
    return library, baseline


_RAW = [
    "DELETE FROM customer_keys WHERE tenant = 'default' AND customer_id = ?",
    "DELETE FROM interactions WHERE tenant = 'default' AND customer_id = ?",
    "DELETE FROM customers WHERE tenant = 'default' AND id = ?",
]


def erasure_bench(tmp: Path, m: int) -> tuple[float, float, int]:
    seed = tmp / "seed.db"
    crm = gc.open(f"sqlite:///{seed}")
    report = crm.customers.import_rows([_customer(i) for i in range(m)])
    with crm.transaction() as tx:
        for customer in report.ids:
            tx.interactions.record(customer, channel="email", direction="inbound",
                                   body="Labas", occurred_at=NOW - dt.timedelta(days=700))
    crm.privacy.retention.set_policy(RetentionPolicy(
        name="dormant", scope="customer", trigger="last_interaction", duration="P1Y",
        action="erase", cite="GDPR art. 5(1)(e)"))
    crm.close()
    library = baseline = float("inf")
    erased = 0
    for round_ in range(REPEATS - 1):
        copy = tmp / f"sweep{round_}.db"
        shutil.copy(seed, copy)
        crm = gc.open(f"sqlite:///{copy}")
        start = time.perf_counter()
        done = crm.privacy.retention.sweep(now=NOW)
        library = min(library, time.perf_counter() - start)
        erased = done.outcomes[0].acted
        if crm.customers.count():
            raise SystemExit("the sweep left customers")
        crm.close()
    for round_ in range(REPEATS):
        copy = tmp / f"raw{round_}.db"
        shutil.copy(seed, copy)
        connection = sqlite3.connect(copy)
        start = time.perf_counter()
        with connection:
            for statement in _RAW:
                connection.executemany(statement, [(i,) for i in report.ids])
        baseline = min(baseline, time.perf_counter() - start)
        connection.close()
    return library, baseline, erased


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        library, baseline = export_bench(tmp, n)
        print(f"export of a customer with {n:,} interactions: globalcrm {library * 1000:.0f} ms, "
              f"bare SELECT + json.dumps {baseline * 1000:.0f} ms, ratio {library / baseline:.1f}x")
        library, baseline, erased = erasure_bench(tmp, m)
        print(f"erasure of {erased:,} customers in one sweep: globalcrm {library:.1f} s "
              f"({library / erased * 1000:.2f} ms each), raw DELETEs {baseline:.2f} s, "
              f"ratio {library / baseline:.0f}x")


if __name__ == "__main__":
    main()
