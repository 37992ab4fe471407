"""Consent at scale: the audience query vs hand-written SQL, and recording events vs raw inserts.

1. ``crm.privacy.audience(purpose=..., channel=..., at=...)`` over N customers (default
   1,000,000, half with a consent state) against a hand-written SELECT over the same projection
   table, in the same process (target ratio at most 1.2).
2. Recording M consent events through ``crm.privacy.record`` (checks, sealing, hash chain,
   projection, audit entry; one transaction each) against a raw INSERT of the same ledger row,
   one transaction each.

    python benchmarks/bench_privacy.py [N] [M]     (SQLite file in a temporary directory)
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import globalcrm as gc
from globalcrm.privacy import Purpose, publish_notice

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
REPEATS = 5
BASELINE_SQL = (
    "SELECT subject_ref FROM consent_states WHERE tenant = 'default' "
    "AND purpose_key = 'offers' AND channel = 'email' AND contact_point_ref = '' "
    "AND state IN ('given', 'renewed') AND objection = 0 AND purpose_version >= 1 "
    "AND valid_from <= ? AND (valid_until IS NULL OR valid_until > ?) ORDER BY subject_ref"
)


def fill(path: Path, n: int) -> None:
    """N customers and N/2 consent states, written directly (setup, not measured)."""
    connection = sqlite3.connect(path)
    name = '{"given":"A","locale":"en"}'
    stamp = "2026-11-01 00:00:00.000000"
    customers = (
        (
            f"01K{i:023d}",
            "default",
            name,
            "[]",
            "US",
            "en",
            "UTC",
            "USD",
            "[]",
            "[]",
            "[]",
            "[]",
            "[]",
            None,
            None,
            None,
            None,
            None,
            "[]",
            "[]",
            "[]",
            "[]",
            "{}",
            stamp,
            stamp,
            1,
        )
        for i in range(n)
    )
    with connection:
        connection.executemany(
            "INSERT INTO customers (id, tenant, name, other_names, country, language, time_zone,"
            " currency, emails, phones, addresses, handles, preferred_channels, contact_hours,"
            " formality, gender, pronouns, birth_date, dietary_needs, allergens,"
            " accessibility_needs, tags, attributes, created_at, updated_at, version)"
            " VALUES (" + ", ".join("?" * 26) + ")",
            customers,
        )
        states = (
            (
                "default",
                f"01K{i:023d}",
                "offers",
                "email",
                "",
                "given" if i % 4 else "withdrawn",
                f"e{i}",
                stamp,
                1,
                "expressed",
                stamp,
                None,
                stamp,
                0,
                "subject",
                "self_declared",
            )
            for i in range(0, n, 2)
        )
        connection.executemany(
            "INSERT INTO consent_states VALUES (" + ", ".join("?" * 16) + ")", states
        )
    connection.close()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        crm = gc.open(f"sqlite:///{path}")
        crm.privacy.add_purpose(
            Purpose(
                key="offers",
                version=1,
                name="Offers",
                dpv_purpose="dpv:DirectMarketing",
                legal_basis={"eu-gdpr": "consent"},
                channels=("email",),
            )
        )
        fill(path, n)
        crm.close()
        crm = gc.open(f"sqlite:///{path}")
        at = T0 + dt.timedelta(days=1)
        iso = at.replace(tzinfo=None).isoformat(sep=" ")
        raw = sqlite3.connect(path)
        ours: list[str] = []
        theirs: list[str] = []
        library = baseline = float("inf")
        for _ in range(REPEATS):  # best of REPEATS for both: the machine is shared
            start = time.perf_counter()
            ours = crm.privacy.audience(purpose="offers", channel="email", at=at)
            library = min(library, time.perf_counter() - start)
            start = time.perf_counter()
            theirs = [row[0] for row in raw.execute(BASELINE_SQL, (iso, iso))]
            baseline = min(baseline, time.perf_counter() - start)
        raw.close()
        if ours != theirs:
            raise SystemExit(f"the audiences differ: {len(ours)} vs {len(theirs)}")
        print(
            f"audience over {n:,} customers ({len(ours):,} allowed), best of {REPEATS}: "
            f"globalcrm {library:.3f} s, hand-written SQL {baseline:.3f} s, "
            f"ratio {library / baseline:.2f}"
        )

        notice = crm.privacy.add_notice(
            publish_notice(
                "offers", 1, language="en", title="Offers", body="I agree.", effective_from=T0
            )
        )
        person = crm.customers.add(
            gc.Customer(
                name=gc.PersonName(given="Bench"),
                country="LT",
                language="en",
                time_zone="Europe/Vilnius",
                currency="EUR",
            )
        )
        start = time.perf_counter()
        for i in range(m):
            crm.privacy.record(
                person,
                purpose="offers",
                channel="email",
                state="given" if i % 2 == 0 else "withdrawn",
                now=T0 + dt.timedelta(seconds=i),
                notice_id=notice.id,
            )
        library = time.perf_counter() - start
        raw = sqlite3.connect(path)
        start = time.perf_counter()
        for i in range(m):
            with raw:
                raw.execute(
                    "INSERT INTO consent_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        "other",
                        i,
                        f"raw-{i}",
                        person.id,
                        "offers",
                        "email",
                        "",
                        "2026-11-01",
                        None,
                        "{}",
                        "2026-11-01",
                        b"0" * 32,
                        b"0" * 32,
                    ),
                )
        baseline = time.perf_counter() - start
        raw.close()
        print(
            f"record {m:,} consent events: globalcrm {library:.2f} s "
            f"({library / m * 1e3:.2f} ms each), raw INSERT per transaction {baseline:.2f} s, "
            f"ratio {library / baseline:.1f}"
        )
        crm.close()


if __name__ == "__main__":
    main()
