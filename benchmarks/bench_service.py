"""Service: ``BusinessHours.add`` against adding a timedelta; the SLA breach list against SQL.

1. ``BusinessHours.add(start, duration)`` on a Vilnius schedule with lunch breaks and Lithuanian
   holidays, warm (the schedule's per-day spans cached), against ``start + duration``.
2. ``crm.service.breaches(now=...)`` over N cases (default 1,000,000; about a third active,
   about a sixth breached) against the hand-written SQL of the same list on the raw driver,
   seven pairs: the best of each side and the median of the pairs (target at most 1.2).

    python benchmarks/bench_service.py [N]      (SQLite file in a temporary directory)
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import globalcrm as gc
from globalcrm.business_hours import BusinessHours

T0 = dt.datetime(2026, 11, 2, 7, 0, tzinfo=dt.UTC)
REPEATS = 5
PAIRED = 7
ADDS = 200_000
ACTIVE = "('open', 'pending_customer', 'pending_internal', 'reopened')"
BASELINE_SQL = (
    "SELECT id, customer_id, metric, due, team, agent, priority, status FROM ("
    "SELECT id, customer_id, 'first_response' AS metric, first_response_due AS due, team, agent,"
    " priority, status FROM cases WHERE tenant = ? AND first_response_due < ?"
    f" AND first_response_at IS NULL AND status IN {ACTIVE}"
    " UNION ALL "
    "SELECT id, customer_id, 'resolution' AS metric, resolution_due AS due, team, agent,"
    " priority, status FROM cases WHERE tenant = ? AND resolution_due < ?"
    f" AND resolved_at IS NULL AND status IN {ACTIVE}"
    ") ORDER BY due, id, metric"
)


def bench_add() -> None:
    hours = BusinessHours(
        time_zone="Europe/Vilnius",
        country="LT",
        weekly={d: [("09:00", "13:00"), ("14:00", "18:00")]
                for d in ("mon", "tue", "wed", "thu", "fri")},
    )
    rng = random.Random(18)
    starts = [T0 + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 90)) for _ in range(ADDS)]
    spans = [dt.timedelta(minutes=rng.randrange(1, 60 * 40)) for _ in range(ADDS)]
    for start, span in zip(starts, spans, strict=True):  # warm the per-day cache
        hours.add(start, span)
    library = baseline = float("inf")
    for _ in range(REPEATS):
        begin = time.perf_counter()
        for start, span in zip(starts, spans, strict=True):
            hours.add(start, span)
        library = min(library, time.perf_counter() - begin)
        begin = time.perf_counter()
        for start, span in zip(starts, spans, strict=True):
            _ = start + span
        baseline = min(baseline, time.perf_counter() - begin)
    print(
        f"BusinessHours.add: {ADDS / library:,.0f}/s ({library / ADDS * 1e6:.2f} µs each), "
        f"start + timedelta: {ADDS / baseline:,.0f}/s, ratio {library / baseline:.1f}"
    )


def fill(path: Path, n: int, customer_id: str) -> None:
    """N cases written directly (setup, not measured)."""
    rng = random.Random(7)
    connection = sqlite3.connect(path)
    stamp = "2026-11-02 07:00:00.000000"

    def text(moment: dt.datetime) -> str:  # as SQLAlchemy stores a datetime on SQLite
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")

    def rows() -> object:
        for i in range(n):
            opened = T0 + dt.timedelta(minutes=i % (60 * 24 * 30))
            status = rng.choice(("open", "pending_internal", "reopened", "resolved", "closed",
                                 "closed", "resolved", "closed", "pending_customer"))
            active = status in ("open", "pending_internal", "reopened")
            first_due = opened + dt.timedelta(hours=rng.randrange(1, 48))
            resolution_due = opened + dt.timedelta(hours=rng.randrange(8, 24 * 40))
            answered = None if active and rng.random() < 0.5 else opened + dt.timedelta(hours=1)
            yield (
                f"01M{i:023d}", "default", customer_id, f"case-{i}", "email", status, "normal",
                f"team_{i % 7}", f"agent-{i % 50}", "[]", "en", None, None, None, "standard",
                text(opened),
                None if answered is None else text(answered),
                None if active else stamp, None,
                None if status == "pending_customer" else text(first_due),
                None if status == "pending_customer" else text(resolution_due),
                "[]", stamp, 1,
            )

    with connection:
        connection.executemany(
            "INSERT INTO cases (id, tenant, customer_id, conversation, channel, status, priority,"
            " team, agent, tags, language, subject, purpose, tier, sla_policy, opened_at,"
            " first_response_at, resolved_at, closed_at, first_response_due, resolution_due,"
            " events, updated_at, version) VALUES (" + ", ".join("?" * 24) + ")",
            rows(),  # type: ignore[arg-type]
        )
        connection.execute("ANALYZE")
    connection.close()


def bench_breaches(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        crm = gc.open(f"sqlite:///{path}")
        person = crm.customers.add(
            gc.Customer(name=gc.PersonName(given="Bench"), country="LT", language="en",
                        time_zone="Europe/Vilnius", currency="EUR")
        )
        crm.close()
        fill(path, n, person.id)
        crm = gc.open(f"sqlite:///{path}")
        now = T0 + dt.timedelta(days=20)
        iso = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        raw = sqlite3.connect(path)
        ours: list[object] = []
        theirs: list[tuple[object, ...]] = []
        library = baseline = float("inf")
        paired = []
        for _ in range(PAIRED):  # the machine is shared: pairs, and the best of each side
            begin = time.perf_counter()
            ours = list(crm.service.breaches(now=now))
            took = time.perf_counter() - begin
            begin = time.perf_counter()
            theirs = raw.execute(BASELINE_SQL, ("default", iso, "default", iso)).fetchall()
            hand = time.perf_counter() - begin
            library, baseline = min(library, took), min(baseline, hand)
            paired.append(took / hand)
        raw.close()
        crm.close()
        if [(item.case_id, item.metric) for item in ours] != [  # type: ignore[attr-defined]
            (row[0], row[2]) for row in theirs
        ]:
            raise SystemExit(f"the lists differ: {len(ours)} vs {len(theirs)}")
        print(
            f"SLA breach list over {n:,} cases ({len(ours):,} breaches), best of {PAIRED}: "
            f"globalcrm {library:.3f} s, hand-written SQL {baseline:.3f} s, "
            f"ratio {library / baseline:.2f}; median of the paired ratios "
            f"{statistics.median(paired):.2f}"
        )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    bench_add()
    bench_breaches(n)


if __name__ == "__main__":
    main()
