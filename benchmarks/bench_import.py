"""Import 100,000 customers with email and phone validation: globalcrm vs the bare calls.

Baseline, in the same process: the same email-validator and phonenumbers calls per row, then a
raw ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) of the validated values into a plain table.
globalcrm: ``crm.customers.import_rows(rows)`` (validation of every field through the domain
constructors, search keys, bulk insert in batches). Prints both times and the ratio.

The machine's speed drifts (a shared VM: ±20 % over minutes), so each of ``--repeat`` rounds
(3 by default) times the baseline just before and just after globalcrm, takes the ratio to
their mean, and the median round is reported. Beside each round's ratio it prints the
processor time the host took from this machine meanwhile (Linux "steal"): globalcrm's import
uses both cores, the baseline one, so neighbours on the host slow globalcrm more.

globalcrm checks a chunk's emails, then its phone numbers, a column at a time, which is faster
than the row-by-row baseline for the same calls (each library stays in the processor's
caches). So that the ratio does not hide it, each round also times the baseline made the same
way (``validate_bare_by_column``) and the ratio to that is printed too.

Two more things the ratio should not hide. The addresses are at 2,010 domains, most at ten
providers, as in a real customer list; globalcrm asks email-validator about each domain once
(the baseline, calling it whole, checks the domain of every address). And in one process
globalcrm writes each batch in a second thread while it checks the next: the wall-clock time is
the ratio, and this process's processor time (both threads) is printed beside it.

    python benchmarks/bench_import.py [N] [--postgresql URL] [--repeat R] [--workers W]

Without ``--workers`` both ways run: one process (``workers=1``) and one worker process per core
(``workers=0``).
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import email_validator
import phonenumbers

import globalcrm as gc
from globalcrm.crm.customer_import import worker_count

_PROVIDERS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "inbox.lt",
              "one.lt", "gmx.de", "mail.ru", "zebra.lt")


def _domain(i: int) -> str:
    """Where row ``i``'s address is: 7 in 10 at one of ten providers, the rest at 2,000 firms."""
    if i % 10 < 7:
        return _PROVIDERS[(i // 10) % len(_PROVIDERS)]
    return f"imone{(i * 7919) % 2000}.lt"


def make_rows(n: int) -> list[dict[str, str]]:
    return [
        {
            "given": f"Jonas{i}", "surname": f"Petraitis{i % 1000}", "name_locale": "lt",
            "country": "LT", "language": "lt", "time_zone": "Europe/Vilnius", "currency": "EUR",
            "emails": f"jonas.{i}@{_domain(i)}", "phones": f"8 6{i % 100:02d} {i % 100000:05d}",
        }
        for i in range(n)
    ]


Values = tuple[str, str, str, str]


def _bare_email(row: dict[str, str]) -> str:
    return email_validator.validate_email(row["emails"], check_deliverability=False).normalized


def _bare_values(i: int, row: dict[str, str], email: str) -> Values | None:
    """The row's phone checked and its stored values, or ``None`` if the phone is not valid."""
    number = phonenumbers.parse(row["phones"], "LT")
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return (str(i), f"{row['given']} {row['surname']}", email, e164)


def validate_bare(rows: list[dict[str, str]]) -> list[Values]:
    """The bare calls row by row: the baseline the issue sets."""
    out = []
    for i, row in enumerate(rows):
        values = _bare_values(i, row, _bare_email(row))
        if values is not None:
            out.append(values)
    return out


def validate_bare_by_column(rows: list[dict[str, str]], chunk: int = 500) -> list[Values]:
    """The calls and values of :func:`validate_bare`: a chunk's emails first, then its phones."""
    out = []
    for first in range(0, len(rows), chunk):
        part = rows[first : first + chunk]
        emails = [_bare_email(row) for row in part]
        for i, (row, email) in enumerate(zip(part, emails, strict=True), start=first):
            values = _bare_values(i, row, email)
            if values is not None:
                out.append(values)
    return out


Validate = Callable[[list[dict[str, str]]], list[Values]]


def baseline_sqlite(
    rows: list[dict[str, str]], path: Path, validate: Validate = validate_bare
) -> float:
    start = time.perf_counter()
    values = validate(rows)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE people (id TEXT PRIMARY KEY, name TEXT, email TEXT, phone TEXT)"
    )
    with connection:
        connection.executemany("INSERT INTO people VALUES (?, ?, ?, ?)", values)
    connection.close()
    return time.perf_counter() - start


def baseline_postgresql(
    rows: list[dict[str, str]], url: str, validate: Validate = validate_bare
) -> float:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    start = time.perf_counter()
    values = validate(rows)
    with psycopg.connect(dsn) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_people")
        connection.execute("CREATE TABLE bench_people (id TEXT PRIMARY KEY, name TEXT, "
                           "email TEXT, phone TEXT)")
        with connection.cursor() as cursor, cursor.copy(
            "COPY bench_people (id, name, email, phone) FROM STDIN"
        ) as copy:
            for value in values:
                copy.write_row(value)
        connection.execute("DROP TABLE bench_people")
    return time.perf_counter() - start


_CPU: list[float] = []
"""This process's processor time of each globalcrm import (all its threads), in order."""
_STOLEN: list[float | None] = []
"""Processor time the host took from this machine during each globalcrm import (``None``: not
known here). A shared VM's neighbours take it; a round with much of it says more about them."""


def _stolen() -> float | None:
    """Seconds of "steal" time of every processor so far (Linux ``/proc/stat``), or ``None``."""
    import os

    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if fields[0] != "cpu" or len(fields) < 9:
        return None
    return int(fields[8]) / os.sysconf("SC_CLK_TCK")


def library(rows: list[dict[str, str]], url: str, workers: int) -> float:
    crm = gc.open(url)
    stolen = _stolen()
    start, cpu = time.perf_counter(), time.process_time()
    report = crm.customers.import_rows(rows, workers=workers)
    elapsed = time.perf_counter() - start
    _CPU.append(time.process_time() - cpu)
    after = _stolen()
    _STOLEN.append(None if stolen is None or after is None else after - stolen)
    if report.imported != len(rows):
        raise SystemExit(f"import failed: {report.errors[:3]}")
    crm.close()
    return elapsed


def _fresh_postgresql(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def _report(label: str, n: int, rounds: list[Round], workers: int) -> None:
    how = "1 process" if workers == 1 else f"{worker_count(workers)} worker processes"
    base, ours, by_column, cpu, _ = _median_round(rounds)
    every = ", ".join(f"{o / b:.2f}" for b, o, _, _, _ in rounds)
    stolen = ", ".join("?" if s is None else f"{s:.1f}" for _, _, _, _, s in rounds)
    print(f"{label:10} n={n}: baseline {base:.2f}s, globalcrm ({how}) {ours:.2f}s, "
          f"ratio {ours / base:.2f} (median of rounds: {every}); against the baseline by column "
          f"({by_column:.2f}s): {ours / by_column:.2f}; this process's processor time "
          f"{cpu:.2f}s (every thread; {cpu / base:.2f} times the baseline's time); "
          f"processor time the host took from this machine during each round's import: "
          f"{stolen} s")


Round = tuple[float, float, float, float, float | None]
"""One round: the baseline's time (mean of before and after), globalcrm's, the baseline made a
column at a time, globalcrm's processor time, and the time the host took meanwhile."""


def _sqlite_round(rows: list[dict[str, str]], workers: int) -> Round:
    with tempfile.TemporaryDirectory() as tmp:
        before = baseline_sqlite(rows, Path(tmp) / "before.db")
        ours = library(rows, f"sqlite:///{Path(tmp) / 'crm.db'}", workers)
        after = baseline_sqlite(rows, Path(tmp) / "after.db")
        by_column = baseline_sqlite(rows, Path(tmp) / "column.db", validate_bare_by_column)
    return (before + after) / 2, ours, by_column, _CPU[-1], _STOLEN[-1]


def _postgresql_round(
    rows: list[dict[str, str]], workers: int, url: str
) -> Round:
    _fresh_postgresql(url)
    before = baseline_postgresql(rows, url)
    ours = library(rows, url, workers)
    after = baseline_postgresql(rows, url)
    by_column = baseline_postgresql(rows, url, validate_bare_by_column)
    return (before + after) / 2, ours, by_column, _CPU[-1], _STOLEN[-1]


def _median_round(rounds: list[Round]) -> Round:
    """The round whose ratio is the median (the middle one of an odd number)."""
    ordered = sorted(rounds, key=lambda pair: pair[1] / pair[0])
    return ordered[len(ordered) // 2]


def main() -> None:
    args = sys.argv[1:]
    n = int(args[0]) if args and args[0].isdigit() else 100_000
    pg_url = args[args.index("--postgresql") + 1] if "--postgresql" in args else None
    repeat = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 3
    modes = (int(args[args.index("--workers") + 1]),) if "--workers" in args else (1, 0)
    rows = make_rows(n)
    for workers in modes:
        rounds = [_sqlite_round(rows, workers) for _ in range(repeat)]
        _report("SQLite", n, rounds, workers)
    if pg_url:
        for workers in modes:
            rounds = [_postgresql_round(rows, workers, pg_url) for _ in range(repeat)]
            _report("PostgreSQL", n, rounds, workers)


if __name__ == "__main__":
    main()
