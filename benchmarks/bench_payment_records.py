"""Recording payment transitions in bulk vs raw inserts of the same event rows.

N payment steps (default 100,000: for each of N/4 payments pending, authorised, succeeded and a
partial refund) through ``crm.payments.record_steps`` (each step built as a ``PaymentStep`` and
checked against its payment's status, the payments' rows locked, the events written with
``executemany``, each payment's row updated once, one audit entry) against a raw ``INSERT`` of
the same N event rows with the driver's ``executemany``, one transaction each, in the same
process. Both start from the same store: N/4 payments in ``created``, written directly (setup,
not measured). The machine is shared and its speed drifts, so each round times the baseline
just before and just after globalcrm, each on a fresh database, and compares globalcrm with
their mean; five rounds, the median round is reported.

    python benchmarks/bench_payment_records.py [N] [--postgresql URL]   (target ratio <= 2)
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from moneyed import Money
from sqlalchemy import insert, text

import globalcrm as gc
from globalcrm.identifiers import new_id
from globalcrm.payment_records import PaymentStep
from globalcrm.storage import tables

T0 = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
ROUNDS = 5
STEPS = ("pending", "authorised", "succeeded", "refund")


def _fresh(url: str | None, folder: Path, name: str) -> gc.CRM:
    if url is None:
        return gc.open(f"sqlite:///{folder / name}")
    crm = gc.open(url)
    names = ", ".join(f'"{t.name}"' for t in tables.metadata.sorted_tables)
    with crm._engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} CASCADE"))
    return crm


def _seed(crm: gc.CRM, payments: int) -> list[str]:
    """A customer and ``payments`` payments in ``created`` with their opening events."""
    customer = crm.customers.add(
        gc.Customer(name=gc.PersonName(given="Aino", locale="fi"), country="FI", language="fi",
                    time_zone="Europe/Helsinki", currency="EUR"),
        now=T0,
    )
    ids = [new_id(T0) for _ in range(payments)]
    rows: list[dict[str, Any]] = [
        {"id": pid, "tenant": "default", "customer_id": customer.id, "purchase_id": None,
         "method": "sepa_debit", "amount": "40.00", "currency": "EUR", "refunded": "0",
         "status": "created", "provider": None, "provider_reference": None, "instrument": None,
         "meta": {}, "idempotency_key": None, "created_at": T0, "updated_at": T0,
         "paid_at": None, "version": 1}
        for pid in ids
    ]
    events = [
        {"payment_id": pid, "seq": 1, "tenant": "default", "kind": "status",
         "from_status": None, "to_status": "created", "amount": None, "occurred_at": T0,
         "recorded_at": T0, "source": "import", "provider_event_id": None,
         "idempotency_key": None, "reason": None}
        for pid in ids
    ]
    with crm._engine.begin() as connection:
        connection.execute(insert(tables.payments), rows)
        connection.execute(insert(tables.payment_events), events)
    with crm._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if crm._engine.dialect.name == "postgresql":
            connection.execute(text("VACUUM ANALYZE payments, payment_events"))
    return ids


def _plan(ids: list[str]) -> list[tuple[str, str]]:
    return [(pid, step) for pid in ids for step in STEPS]


def run_globalcrm(crm: gc.CRM, plan: list[tuple[str, str]]) -> float:
    """``record_steps`` over the plan; seconds."""
    refund = Money(Decimal("15.00"), "EUR")
    start = time.perf_counter()
    steps = (  # read as a file would be, a step at a time
        PaymentStep(payment_id=pid, at=T0, refund=refund, provider_event_id=f"r-{pid}")
        if step == "refund"
        else PaymentStep(payment_id=pid, at=T0, status=step)
        for pid, step in plan
    )
    crm.payments.record_steps(steps, now=T0)
    return time.perf_counter() - start


def run_baseline(crm: gc.CRM, plan: list[tuple[str, str]]) -> float:
    """The same event rows with the driver's ``executemany``, one transaction; seconds."""
    sqlite = crm._engine.dialect.name == "sqlite"
    stamp: Any = T0.replace(tzinfo=None).isoformat(sep=" ") if sqlite else T0
    before = {"pending": "created", "authorised": "pending", "succeeded": "authorised",
              "refund": "succeeded"}
    seqs = {"pending": 2, "authorised": 3, "succeeded": 4, "refund": 5}
    marker = "?" if sqlite else "%s"
    sql = (
        "INSERT INTO payment_events (payment_id, seq, tenant, kind, from_status, to_status,"
        " amount, occurred_at, recorded_at, source, provider_event_id, idempotency_key, reason)"
        f" VALUES ({', '.join([marker] * 13)})"
    )
    start = time.perf_counter()
    rows = [
        (pid, seqs[step], "default", "refund" if step == "refund" else "status", before[step],
         "partially_refunded" if step == "refund" else step,
         "15.00" if step == "refund" else None, stamp, stamp, "import",
         f"r-{pid}" if step == "refund" else None, None, None)
        for pid, step in plan
    ]
    raw = crm._engine.raw_connection()
    try:
        cursor = raw.cursor()
        if sqlite:
            cursor.execute("BEGIN IMMEDIATE")
        cursor.executemany(sql, rows)
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - start


def main() -> None:
    """Run the rounds and print the times and the ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--postgresql", metavar="URL")
    args = parser.parse_args()
    payments = args.n // len(STEPS)
    where = "PostgreSQL" if args.postgresql else "SQLite"
    print(f"{payments * len(STEPS):,} payment steps over {payments:,} payments, {where}")
    rounds = []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(ROUNDS):
            baselines = []
            for when in ("before", "after"):
                if when == "after":
                    crm = _fresh(args.postgresql, Path(folder), f"crm{number}.db")
                    plan = _plan(_seed(crm, payments))
                    ours = run_globalcrm(crm, plan)
                    stored = crm.payments.list(limit=1).items[0]
                    crm.close()
                    if (stored.status, stored.refunded, stored.version) != (
                        "partially_refunded", Decimal("15.00"), 5
                    ):
                        raise SystemExit(f"the steps were not all recorded: {stored!r}")
                base = _fresh(args.postgresql, Path(folder), f"base{number}{when}.db")
                baselines.append(run_baseline(base, _plan(_seed(base, payments))))
                base.close()
            baseline = statistics.mean(baselines)
            rounds.append((ours / baseline, ours, baseline))
            print(f"round {number + 1}: record_steps {ours:.2f} s, raw inserts"
                  f" {baselines[0]:.2f} / {baselines[1]:.2f} s, ratio {ours / baseline:.2f}")
    ratio, ours, baseline = sorted(rounds)[len(rounds) // 2]
    print(f"median round: record_steps {ours:.2f} s ({len(plan) / ours:,.0f} steps/s), "
          f"raw inserts {baseline:.2f} s, ratio {ratio:.2f} (target <= 2); "
          f"all rounds {statistics.mean(r[0] for r in rounds):.2f} on average")


if __name__ == "__main__":
    main()
