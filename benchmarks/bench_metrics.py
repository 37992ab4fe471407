"""Metrics: a KPI report over N interactions and N/10 survey answers against hand-written SQL.

The report: NPS, CSAT and CES (survey answers), inbound contacts and AHT with its p50, p90 and
p95 (interactions), by channel and by week in Europe/Vilnius over twelve weeks without a
daylight-saving change. The baseline is the SQL a person would write for the same numbers on
the raw ``sqlite3`` driver (the week computed with SQLite's date modifiers and the zone's fixed
offset, the percentiles with window functions); both answers are checked equal. Seven pairs:
the best of each side and the median of the pairs (target at most 1.2).

    python benchmarks/bench_metrics.py [N]      (N interactions, default 1,000,000)
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import globalcrm as gc
from globalcrm.metrics import Aggregate, assemble

START = dt.datetime(2026, 10, 26, 0, 0, tzinfo=dt.UTC)  # after the clocks went back
END = START + dt.timedelta(weeks=12)  # before they go forward in March
NOW = END + dt.timedelta(days=1)
PAIRED = 7
CHANNELS = ("email", "phone", "live_chat", "whatsapp", "sms", "web_form")
WEEK = "date({col}, '+7200 seconds', '-6 days', 'weekday 1')"  # Vilnius is UTC+2 in winter
SURVEYS_SQL = (
    "SELECT period, channel, kind, count(*), sum(hit), sum(miss), sum(score) FROM ("
    f" SELECT {WEEK.format(col='answered_at')} AS period, channel, kind, score,"
    "  CASE WHEN kind = 'csat' AND score >= 4 THEN 1 WHEN kind = 'nps' AND score >= 9 THEN 1"
    "  ELSE 0 END AS hit, CASE WHEN kind = 'nps' AND score <= 6 THEN 1 ELSE 0 END AS miss"
    " FROM survey_answers WHERE tenant = ? AND answered_at >= ? AND answered_at < ?)"
    " GROUP BY period, channel, kind"
)
CONTACTS_SQL = (
    f"SELECT {WEEK.format(col='occurred_at')} AS period, channel, count(*) FROM interactions"
    " WHERE tenant = ? AND direction = 'inbound' AND occurred_at >= ? AND occurred_at < ?"
    " GROUP BY period, channel"
)
AHT_SQL = (
    "SELECT period, channel, count(*), sum(v),"
    " max(CASE WHEN rn = (50 * n + 99) / 100 THEN v END),"
    " max(CASE WHEN rn = (90 * n + 99) / 100 THEN v END),"
    " max(CASE WHEN rn = (95 * n + 99) / 100 THEN v END) FROM ("
    "  SELECT period, channel, v, row_number() OVER (PARTITION BY period, channel ORDER BY v)"
    "  AS rn, count(*) OVER (PARTITION BY period, channel) AS n FROM ("
    f"   SELECT {WEEK.format(col='occurred_at')} AS period, channel,"
    "    json_extract(meta, '$.handle_seconds') * 1000000 AS v FROM interactions"
    "    WHERE tenant = ? AND occurred_at >= ? AND occurred_at < ?"
    "    AND json_type(meta, '$.handle_seconds') = 'integer'"
    "    AND json_extract(meta, '$.handle_seconds') BETWEEN 0 AND 999999999))"
    " GROUP BY period, channel"
)


def text(moment: dt.datetime) -> str:
    """A datetime as SQLAlchemy stores it on SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def fill(path: Path, n: int, customer_id: str) -> None:
    """N interactions and N/10 survey answers written directly (setup, not measured)."""
    rng = random.Random(19)
    span = int((END - START).total_seconds()) + 3 * 86_400
    first = START - dt.timedelta(days=2)

    def interactions() -> object:
        for i in range(n):
            meta = json.dumps({"handle_seconds": rng.randint(30, 1800)}) if i % 3 else "{}"
            yield (f"01M{i:023d}", "default", customer_id, CHANNELS[i % len(CHANNELS)],
                   "inbound" if i % 4 else "outbound",
                   text(first + dt.timedelta(seconds=rng.randrange(span))), "…", meta)

    def answers() -> object:
        for i in range(n // 10):
            kind = ("csat", "nps", "ces")[i % 3]
            low, high = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}[kind]
            yield (f"01N{i:023d}", "default", customer_id, kind, rng.randint(low, high),
                   text(first + dt.timedelta(seconds=rng.randrange(span))),
                   CHANNELS[i % len(CHANNELS)], text(NOW))

    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            "INSERT INTO interactions (id, tenant, customer_id, channel, direction, occurred_at,"
            " body, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", interactions(),  # type: ignore[arg-type]
        )
        connection.executemany(
            "INSERT INTO survey_answers (id, tenant, customer_id, kind, score, answered_at,"
            " channel, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", answers(),  # type: ignore[arg-type]
        )
        connection.execute("ANALYZE")
    connection.close()


def hand_written(raw: sqlite3.Connection) -> list[Aggregate]:
    """The same numbers through the hand-written SQL, as Aggregates for the comparison."""
    bounds = ("default", text(START), text(END))
    found = [
        Aggregate(kind, period, (channel,), count, hits, misses, total)
        for period, channel, kind, count, hits, misses, total in raw.execute(SURVEYS_SQL, bounds)
    ]
    found += [Aggregate("contacts", period, (channel,), count)
              for period, channel, count in raw.execute(CONTACTS_SQL, bounds)]
    found += [
        Aggregate("aht", period, (channel,), count, total=total,
                  percentiles=((50, p50), (90, p90), (95, p95)))
        for period, channel, count, total, p50, p90, p95 in raw.execute(AHT_SQL, bounds)
    ]
    return found


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        crm = gc.open(f"sqlite:///{path}")
        person = crm.customers.add(gc.Customer(
            name=gc.PersonName(given="Bench"), country="LT", language="en",
            time_zone="Europe/Vilnius", currency="EUR"))
        crm.close()
        fill(path, n, person.id)
        crm = gc.open(f"sqlite:///{path}")
        raw = sqlite3.connect(path)
        kpis = ["nps", "csat", "ces", "contacts", "aht"]
        library = baseline = float("inf")
        paired = []
        ours = theirs = None
        for _ in range(PAIRED):  # the machine is shared: pairs, and the best of each side
            begin = time.perf_counter()
            ours = crm.metrics.report(kpis, by="channel", period="week", start=START, end=END,
                                      time_zone="Europe/Vilnius", now=NOW)
            took = time.perf_counter() - begin
            begin = time.perf_counter()
            found = hand_written(raw)
            hand = time.perf_counter() - begin
            theirs = assemble(ours.spec, found)
            library, baseline = min(library, took), min(baseline, hand)
            paired.append(took / hand)
        raw.close()
        crm.close()
        if ours != theirs:
            raise SystemExit("the reports differ")
        assert ours is not None  # noqa: S101
        print(
            f"KPI report over {n:,} interactions and {n // 10:,} survey answers "
            f"({len(ours.rows)} slices), best of {PAIRED}: globalcrm {library:.3f} s, "
            f"hand-written SQL {baseline:.3f} s, ratio {library / baseline:.2f}; "
            f"median of the paired ratios {statistics.median(paired):.2f}"
        )


if __name__ == "__main__":
    main()
