"""Bulk consent history import against raw inserts of the same ledger rows, in one process.

``crm.privacy.import_events`` over M events (default 100,000: five per customer, grants and
withdrawals on two channels, every grant naming its notice, as CSV-like text rows) does
everything ``record`` does for each event: types the row, builds the event through its checked
constructor, applies the consent rules (notice in force, consent type, age), seals personal
values where there are any, makes the hash-chained entry (hash scheme 2) with the state after
it, and writes the ledger rows, the projection rows and one audit entry per batch. The baseline
inserts the very ledger rows the import wrote (read back from its database) into a fresh
database with the same schema, in one transaction with one ``executemany``: the raw insert of
the ledger rows, nothing else. Target: at most 3x.

With ``--sealed`` every event also carries a contact point, a collection point and evidence
(sealed under the customer's key with AES-256-GCM, the contact point a keyed digest).

    python benchmarks/bench_consent_import.py [M] [--sealed] [--url URL]

Without ``--url`` both databases are SQLite files in a temporary directory; with a PostgreSQL
URL the import runs there (``COPY``) and the baseline inserts into a second schema's tables of
the same database with ``executemany`` (psycopg 3 pipelines it).
"""

from __future__ import annotations

import datetime as dt
import gc as collector
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

import globalcrm as gc
from globalcrm.customers import check_customer_fields
from globalcrm.privacy import Purpose, publish_notice
from globalcrm.storage import tables
from globalcrm.storage.bulk import insert_customers

T0 = dt.datetime(2023, 1, 2, 8, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
PER_CUSTOMER = 5
STATES = ("given", "withdrawn", "given", "renewed", "withdrawn")


def setup(crm: gc.CRM, customers: int) -> tuple[list[str], str]:
    """A purpose, its notice and ``customers`` customers (written in bulk)."""
    crm.privacy.add_purpose(
        Purpose(
            key="offers", version=1, name="Offers", dpv_purpose="dpv:DirectMarketing",
            legal_basis={"eu-gdpr": "consent"}, channels=("email", "sms"),
        )
    )
    notice = crm.privacy.add_notice(
        publish_notice("offers", 1, language="en", title="Offers", body="I agree to offers.",
                       effective_from=T0 - dt.timedelta(days=1))
    )
    people = [
        check_customer_fields({
            "name": gc.PersonName(given=f"Given{i}", surname=f"Surname{i % 997}", locale="en"),
            "country": "LT", "language": "lt", "time_zone": "Europe/Vilnius", "currency": "EUR",
            "created_at": NOW, "updated_at": NOW,
        })
        for i in range(customers)
    ]
    with crm._engine.begin() as connection:
        insert_customers(connection, people)
    return [p["id"] for p in people], notice.id


def rows_for(ids: list[str], notice: str, count: int, sealed: bool) -> list[dict[str, str]]:
    """``count`` rows as a CSV reader gives them: text cells, the history of each customer."""
    rows = []
    for i in range(count):
        person, step = divmod(i, PER_CUSTOMER)
        row = {
            "customer_id": ids[person % len(ids)],
            "purpose": "offers",
            "channel": "email" if step < 3 else "sms",
            "state": STATES[step],
            "occurred_at": (T0 + dt.timedelta(minutes=i * 7 + step)).isoformat(),
            "notice_id": notice,
            "consent_type": "expressed",
        }
        if sealed:
            row["contact_point_ref"] = f"person{person}@example.com"
            row["collection_point"] = "https://shop.example/preferences"
            row["evidence"] = '{"ip": "203.0.113.9", "form": "preferences-v3"}'
        rows.append(row)
    return rows


def baseline(source: Any, target_url: str, schema: str | None) -> tuple[float, float, int]:
    """Insert the ledger rows the import wrote into a fresh database: one executemany.

    Returns wall seconds, this process's CPU seconds and the number of rows.
    """
    with source.connect() as connection:
        ledger = [tuple(row) for row in connection.execute(select(tables.consent_events))]
    engine = create_engine(target_url)
    names = ", ".join(f'"{c.name}"' for c in tables.consent_events.columns)
    marks = ", ".join(["%s" if schema else "?"] * len(tables.consent_events.columns))
    table = f'"{schema}"."consent_events"' if schema else '"consent_events"'
    statement = f"INSERT INTO {table} ({names}) VALUES ({marks})"
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        if raw is None:
            raise SystemExit("no driver connection")
        cursor = raw.cursor()
        collector.collect()
        start, cpu = time.perf_counter(), time.process_time()
        cursor.executemany(statement, ledger)
        raw.commit()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    engine.dispose()
    return elapsed, cpu, len(ledger)


def one_round(
    count: int, sealed: bool, url: str | None, tmp: Path
) -> tuple[float, float, float, float]:
    """One import and its baseline on fresh databases: wall and CPU seconds of each."""
    for old in tmp.glob("*.db*"):
        old.unlink()
    if url is None:
        crm = gc.open(f"sqlite:///{tmp / 'import.db'}")
        target = f"sqlite:///{tmp / 'raw.db'}"
        gc.open(target).close()  # the same schema, empty
        schema = None
    else:
        crm = gc.open(url)
        names = ", ".join(f'"{t.name}"' for t in tables.metadata.sorted_tables)
        with crm._engine.begin() as connection:  # an empty store, and an empty copy of the table
            connection.execute(text(f"TRUNCATE {names} CASCADE"))
            connection.execute(text("DROP SCHEMA IF EXISTS bench_raw CASCADE"))
            connection.execute(text("CREATE SCHEMA bench_raw"))
            connection.execute(text(
                "CREATE TABLE bench_raw.consent_events (LIKE public.consent_events INCLUDING ALL)"
            ))
        target, schema = url, "bench_raw"
    ids, notice = setup(crm, max(1, count // PER_CUSTOMER))
    rows = rows_for(ids, notice, count, sealed)
    collector.collect()
    start, cpu = time.perf_counter(), time.process_time()
    report = crm.privacy.import_events(rows, now=NOW)
    library, library_cpu = time.perf_counter() - start, time.process_time() - cpu
    if not report.ok or report.imported != count:
        raise SystemExit(f"import failed: {report.errors[:3]}")
    if not crm.privacy.verify().ok:
        raise SystemExit("the imported ledger does not verify")
    raw, raw_cpu, written = baseline(crm._engine, target, schema)
    if written != count:
        raise SystemExit(f"the baseline wrote {written} rows")
    if schema is not None:
        names = ", ".join(f'"{t.name}"' for t in tables.metadata.sorted_tables)
        with crm._engine.begin() as connection:
            connection.execute(text("DROP SCHEMA bench_raw CASCADE"))
            connection.execute(text(f"TRUNCATE {names} CASCADE"))
    crm.close()
    return library, raw, library_cpu, raw_cpu


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(args[0]) if args else 100_000
    rounds = int(args[1]) if len(args) > 1 else 3
    sealed = "--sealed" in sys.argv
    url = sys.argv[sys.argv.index("--url") + 1] if "--url" in sys.argv else None
    kind = "sealed personal values and evidence" if sealed else "no personal values"
    where = "SQLite" if url is None else "PostgreSQL"
    ratios, cpu_ratios = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(1, rounds + 1):
            library, raw, library_cpu, raw_cpu = one_round(count, sealed, url, Path(tmp))
            ratios.append(library / raw)
            cpu_ratios.append(library_cpu / raw_cpu)
            print(
                f"round {number}: import of {count:,} consent events ({kind}, {where}): "
                f"globalcrm {library:.2f} s ({library / count * 1e6:.0f} µs each); raw "
                f"executemany of the same ledger rows {raw:.2f} s ({raw / count * 1e6:.0f} µs "
                f"each); ratio {library / raw:.2f} (CPU time of this process: {library_cpu:.2f} s"
                f" / {raw_cpu:.2f} s, {library_cpu / raw_cpu:.2f})"
            )
    ratios.sort()
    cpu_ratios.sort()
    print(f"ratio: best {ratios[0]:.2f}, median {ratios[len(ratios) // 2]:.2f} of {rounds}"
          f" (CPU: median {cpu_ratios[len(cpu_ratios) // 2]:.2f})")


if __name__ == "__main__":
    main()
