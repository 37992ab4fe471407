"""Recording payment transitions in bulk vs raw inserts of the same event rows.

N payment steps (default 100,000: for each of N/4 payments pending, authorised, succeeded and a
partial refund) through ``crm.payments.record_steps`` (each step built as a ``PaymentStep`` and
checked against its payment's status, the payments' rows locked, the events written with
``executemany``, each payment's row updated once, one audit entry) against a raw ``INSERT`` of
the same N event rows with the driver's ``executemany``, one transaction each, in the same
process (and, printed apart, against those inserts plus a raw ``UPDATE`` of each payment's
row, as a hand-written ledger would write). Both start from the same store: N/4 payments in
``created``, written directly (setup, not measured). The machine is shared and its speed
drifts, so each round times the baseline just before and just after globalcrm, each on a fresh
database, and compares globalcrm with their mean; five rounds, the median round is reported,
with the ratio of this process's CPU time (on SQLite all the work is in this process).

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


Timing = tuple[float, float]
"""Wall-clock seconds and this process's CPU seconds."""


def _since(start: Timing) -> Timing:
    return time.perf_counter() - start[0], time.process_time() - start[1]


def _now() -> Timing:
    return time.perf_counter(), time.process_time()


def run_globalcrm(crm: gc.CRM, plan: list[tuple[str, str]]) -> Timing:
    """``record_steps`` over the plan; wall and CPU seconds."""
    refund = Money(Decimal("15.00"), "EUR")
    start = _now()
    steps = (  # read as a file would be, a step at a time
        PaymentStep(payment_id=pid, at=T0, refund=refund, provider_event_id=f"r-{pid}")
        if step == "refund"
        else PaymentStep(payment_id=pid, at=T0, status=step)
        for pid, step in plan
    )
    crm.payments.record_steps(steps, now=T0)
    return _since(start)


def run_baseline(
    crm: gc.CRM, plan: list[tuple[str, str]], *, with_states: bool = False
) -> Timing:
    """The same event rows with the driver's ``executemany``, one transaction; wall, CPU s.

    ``with_states`` also writes each payment's final state with a raw ``UPDATE`` (what a
    hand-written ledger does too): the second baseline the benchmark prints.
    """
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
    start = _now()
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
        if with_states:
            states = [("partially_refunded", "15.00", stamp, stamp, 5, pid)
                      for pid in dict.fromkeys(pid for pid, _ in plan)]
            cursor.executemany(
                f"UPDATE payments SET status = {marker}, refunded = {marker},"
                f" paid_at = {marker}, updated_at = {marker}, version = {marker}"
                f" WHERE id = {marker}",
                states,
            )
        raw.commit()
    finally:
        raw.close()
    return _since(start)


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
            wall = statistics.mean(b[0] for b in baselines)
            cpu = statistics.mean(b[1] for b in baselines)
            ledger = _fresh(args.postgresql, Path(folder), f"ledger{number}.db")
            states = run_baseline(ledger, _plan(_seed(ledger, payments)), with_states=True)
            ledger.close()
            rounds.append((ours[0] / wall, ours[1] / cpu, ours[0], wall, ours[0] / states[0]))
            print(f"round {number + 1}: record_steps {ours[0]:.2f} s (CPU {ours[1]:.2f} s), raw"
                  f" inserts {baselines[0][0]:.2f} / {baselines[1][0]:.2f} s (CPU {cpu:.2f} s),"
                  f" ratio {ours[0] / wall:.2f} (CPU {ours[1] / cpu:.2f}); raw inserts and"
                  f" updates {states[0]:.2f} s, ratio {ours[0] / states[0]:.2f}")
    ratio, _, seconds, baseline, _ = sorted(rounds)[len(rounds) // 2]
    print(f"median round: record_steps {seconds:.2f} s ({len(plan) / seconds:,.0f} steps/s), "
          f"raw inserts {baseline:.2f} s, ratio {ratio:.2f} (target <= 2); CPU time of this "
          f"process: median ratio {statistics.median(r[1] for r in rounds):.2f}; against raw "
          f"inserts and updates: median ratio {statistics.median(r[4] for r in rounds):.2f}")

if __name__ == "__main__":
    main()
