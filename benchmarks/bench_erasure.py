"""Export of a customer with N interactions; erasure of M customers in one retention sweep.

Export (default N = 10,000, SQLite): ``crm.privacy.export(customer)`` (every table read through
the registry, the customer document, the consent history opened) vs the bare ``SELECT`` of the
customer's row and interactions with ``json.dumps``, in the same process, best of three.

Erasure (default M = 10,000 customers with one interaction each): a stored policy that makes
all of them due, ``crm.privacy.retention.sweep(now=...)`` (the plan, then per 500 customers one
transaction of ``erase_many``: consents ended, suppression digests, keys destroyed, every
table's rows by the registry with ``IN`` lists, tombstones and audit entries in bulk) vs the raw
``DELETE`` statements it amounts to (the customers' search keys, interactions and rows) as
``executemany`` in one transaction, on the same data; and, as a second baseline, the same
``DELETE``s with inserts of the very rows the sweep wrote (tombstones, suppression digests,
audit entries: ``executemany`` on SQLite, ``COPY`` on PostgreSQL). Three rounds, each on fresh
copies of the seeded database (SQLite: a copy of the file; PostgreSQL: every table put back
from a copy made by SQL in a schema of its own, then ``VACUUM ANALYZE``): the ``DELETE``s, the
sweep, the ``DELETE``s with the rows. Prints each round's ratio and the best times' ratio.

    python benchmarks/bench_erasure.py [N] [M] [--url postgresql+psycopg://...]

With ``--url`` the erasure runs on that PostgreSQL database (its tables are replaced: use a
database of your own) and the export is not run.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

import globalcrm as gc
from globalcrm.privacy.retention import RetentionPolicy
from globalcrm.storage import tables

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
REPEATS = 3
SNAPSHOT = "bench_erasure_seed"


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


def _seed(url: str, m: int) -> list[str]:
    """M customers with one interaction each, last seen 700 days ago, and the policy."""
    crm = gc.open(url)
    report = crm.customers.import_rows([_customer(i) for i in range(m)])
    with crm.transaction() as tx:
        for customer in report.ids:
            tx.interactions.record(customer, channel="email", direction="inbound",
                                   body="Labas", occurred_at=NOW - dt.timedelta(days=700))
    crm.privacy.retention.set_policy(RetentionPolicy(
        name="dormant", scope="customer", trigger="last_interaction", duration="P1Y",
        action="erase", cite="GDPR art. 5(1)(e)"))
    crm.close()
    return list(report.ids)


_WRITTEN = {  # what the sweep writes besides its DELETEs, read back for the second baseline
    "erasures": "SELECT * FROM erasures",
    "suppressions": "SELECT * FROM suppressions",
    "audit_entries": "SELECT * FROM audit_entries WHERE action IN ('subject.erased', "
                     "'retention.erase')",
}


def _sweep(url: str) -> tuple[float, int]:
    crm = gc.open(url)
    start = time.perf_counter()
    done = crm.privacy.retention.sweep(now=NOW)
    elapsed = time.perf_counter() - start
    if crm.customers.count():
        raise SystemExit("the sweep left customers")
    if not crm.privacy.verify().ok:
        raise SystemExit("the chains do not verify after the sweep")
    crm.close()
    return elapsed, done.outcomes[0].acted


class _SQLite:
    """Fresh copies of the seeded file, one per run."""

    def __init__(self, tmp: Path, m: int) -> None:
        self._tmp = tmp
        self._seed = tmp / "seed.db"
        self.ids = _seed(f"sqlite:///{self._seed}", m)
        self._runs = 0
        self._written: dict[str, list[tuple[object, ...]]] = {}

    def fresh(self) -> str:
        self._runs += 1
        copy = self._tmp / f"run{self._runs}.db"
        shutil.copy(self._seed, copy)
        return str(copy)

    def sweep(self) -> tuple[float, int]:
        path = self.fresh()
        result = _sweep(f"sqlite:///{path}")
        connection = sqlite3.connect(path)
        self._written = {name: connection.execute(query).fetchall()
                         for name, query in _WRITTEN.items()}
        connection.close()
        return result

    def raw(self, *, records: bool = False) -> float:
        """The DELETEs; with ``records``, also inserting the rows the last sweep wrote."""
        connection = sqlite3.connect(self.fresh())
        start = time.perf_counter()
        with connection:
            for statement in _RAW:
                connection.executemany(statement, [(i,) for i in self.ids])
            for name, rows in self._written.items() if records else ():
                marks = ", ".join("?" for _ in rows[0])
                connection.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
        elapsed = time.perf_counter() - start
        connection.close()
        return elapsed


class _PostgreSQL:
    """The seeded tables copied by SQL into a schema of their own, put back before each run."""

    def __init__(self, url: str, m: int) -> None:
        self._url = url
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SNAPSHOT} CASCADE"))
        self.ids = _seed(url, m)
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {SNAPSHOT}"))
            for table in tables.metadata.sorted_tables:
                connection.execute(text(
                    f'CREATE TABLE {SNAPSHOT}."{table.name}" AS SELECT * FROM "{table.name}"'
                ))
        self._engine: Engine = engine
        self._written: dict[str, bytes] = {}

    def fresh(self) -> None:
        with self._engine.begin() as connection:
            for table in reversed(tables.metadata.sorted_tables):
                connection.execute(text(f'DELETE FROM "{table.name}"'))
            for table in tables.metadata.sorted_tables:
                connection.execute(text(
                    f'INSERT INTO "{table.name}" SELECT * FROM {SNAPSHOT}."{table.name}"'
                ))
        with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))

    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(self._url.replace("postgresql+psycopg://", "postgresql://"))

    def sweep(self) -> tuple[float, int]:
        self.fresh()
        result = _sweep(self._url)
        with self._connect() as connection, connection.cursor() as cursor:
            for name, query in _WRITTEN.items():
                with cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
                    self._written[name] = b"".join(bytes(block) for block in copy)
        return result

    def raw(self, *, records: bool = False) -> float:
        """The DELETEs; with ``records``, also a ``COPY`` of the rows the last sweep wrote."""
        self.fresh()
        with self._connect() as connection:
            start = time.perf_counter()
            with connection.transaction(), connection.cursor() as cursor:
                for statement in _RAW:
                    cursor.executemany(statement.replace("?", "%s"), [(i,) for i in self.ids])
                for name, data in self._written.items() if records else ():
                    with cursor.copy(f"COPY {name} FROM STDIN") as copy:
                        copy.write(data)
            return time.perf_counter() - start

    def close(self) -> None:
        with self._engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SNAPSHOT} CASCADE"))
        self._engine.dispose()


def erasure_bench(
    store: _SQLite | _PostgreSQL,
) -> tuple[list[float], list[float], list[float], int]:
    """Each round: the raw DELETEs, the sweep, then the DELETEs with the rows the sweep wrote."""
    sweeps: list[float] = []
    raws: list[float] = []
    records: list[float] = []
    erased = 0
    for _ in range(REPEATS):
        raws.append(store.raw())
        elapsed, erased = store.sweep()
        sweeps.append(elapsed)
        records.append(store.raw(records=True))
    return sweeps, raws, records, erased


def _times(values: list[float]) -> str:
    return " / ".join(f"{value:.2f}" for value in values)


def _report(
    name: str, sweeps: list[float], raws: list[float], records: list[float], erased: int
) -> None:
    best = min(sweeps)
    print(f"erasure of {erased:,} customers in one sweep, {name}: globalcrm {best:.2f} s "
          f"({best / erased * 1000:.3f} ms each; rounds {_times(sweeps)} s)")
    for label, baseline in (("raw DELETEs", raws),
                            ("raw DELETEs + the tombstones, digests and audit rows", records)):
        ratios = [s / r for s, r in zip(sweeps, baseline, strict=True)]
        print(f"  vs {label}: {min(baseline):.2f} s (rounds {_times(baseline)} s), ratio "
              f"{best / min(baseline):.1f}x best to best, rounds "
              f"{' / '.join(f'{x:.1f}' for x in ratios)}, median {statistics.median(ratios):.1f}x")


def _arguments(argv: list[str]) -> tuple[list[str], str | None]:
    numbers, url = [], None
    iterator = iter(argv)
    for argument in iterator:
        if argument == "--url":
            url = next(iterator, None)
            if url is None:
                raise SystemExit("--url needs a PostgreSQL URL")
        else:
            numbers.append(argument)
    return numbers, url


def main() -> None:
    numbers, url = _arguments(sys.argv[1:])
    n = int(numbers[0]) if numbers else 10_000
    m = int(numbers[1]) if len(numbers) > 1 else 10_000
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if url is None:
            library, baseline = export_bench(tmp, n)
            print(f"export of a customer with {n:,} interactions: globalcrm "
                  f"{library * 1000:.0f} ms, bare SELECT + json.dumps {baseline * 1000:.0f} ms, "
                  f"ratio {library / baseline:.1f}x")
            _report("SQLite", *erasure_bench(_SQLite(tmp, m)))
        else:
            store = _PostgreSQL(url, m)
            try:
                _report("PostgreSQL", *erasure_bench(store))
            finally:
                store.close()


if __name__ == "__main__":
    main()
