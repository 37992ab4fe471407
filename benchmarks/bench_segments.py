"""A segment over N customers (default 1,000,000) with interactions and purchases: compiled vs
hand-written SQL for the same rule, on SQLite and (with ``--postgresql URL``) PostgreSQL.

The rule: Baltic customers (LT, LV, EE) who wrote on WhatsApp in the last 30 days and spent at
least 50 EUR in the last 90 days (purchases in EUR and USD, converted at the stored rate).

globalcrm: ``crm.segments.count(rule, now=...)``, the whole call: the rule's facts read (the
currencies in use, the rates), the rule compiled, the one ``SELECT count(*)`` run. Baseline, in
the same process on the same engine: the query a person would write for that rule by hand, with
the conversion as ``ROUND(net * rate)``. Best of five for both, alternating (the machine is a
shared VM). Each customer has two interactions over two years and one purchase over half a year.

    python benchmarks/bench_segments.py [N] [--postgresql URL]

The PostgreSQL database is emptied first (its ``public`` schema dropped): use a scratch one.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, text

import globalcrm as gc
from globalcrm import segments as S
from globalcrm.exchange_rates import ExchangeRate
from globalcrm.storage import bulk, tables

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
REPEATS = 5
COUNTRIES = ("LT", "LV", "EE", "FI", "SE", "DE", "PL", "NL", "FR", "ES")
CHANNELS = ("whatsapp", "email", "sms", "phone")
USD_PER_EUR = Decimal("1.0834")
RULE = (
    S.field("country", "in", ["LT", "LV", "EE"])
    & S.interactions("ge", 1, channel="whatsapp", direction="inbound", within="P30D")
    & S.purchases("ge", "50.00", measure="total", currency="EUR", within="P90D")
)
BASELINE = """
SELECT count(*) FROM customers c
WHERE c.tenant = 'default' AND c.country IN ('LT', 'LV', 'EE')
  AND EXISTS (
    SELECT 1 FROM interactions i
    WHERE i.tenant = 'default' AND i.customer_id = c.id AND i.channel = 'whatsapp'
      AND i.direction = 'inbound' AND i.occurred_at >= :since30 AND i.occurred_at <= :now)
  AND (
    SELECT coalesce(sum(CASE WHEN p.currency = 'EUR' THEN p.amount_minor - p.refunded_minor
                             ELSE round((p.amount_minor - p.refunded_minor) * :usd) END), 0)
    FROM purchases p
    WHERE p.tenant = 'default' AND p.customer_id = c.id
      AND p.status IN ('completed', 'partially_refunded')
      AND p.occurred_at >= :since90 AND p.occurred_at <= :now) >= 5000
"""


def _stamp(moment: dt.datetime, dialect: str) -> Any:
    """A time as the driver takes it for a UTC timestamp column (SQLite: naive ISO text)."""
    if dialect == "sqlite":
        return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return moment


def _ulid(i: int, kind: str) -> str:
    return f"01K{kind}{i:022d}"


def fill(connection: Connection, n: int) -> None:
    """N customers, 2N interactions, N purchases with one line each (setup, not measured)."""
    dialect = connection.dialect.name
    write = bulk.insert_tuples
    stamp = _stamp(NOW - dt.timedelta(days=400), dialect)
    name = json.dumps({"given": "A", "locale": "en"})
    columns = [c.name for c in tables.customers.columns]
    for start in range(0, n, 100_000):
        part = range(start, min(n, start + 100_000))
        values = {
            "tenant": "default", "name": name, "other_names": "[]", "language": "en",
            "time_zone": "UTC", "currency": "EUR", "emails": "[]", "phones": "[]",
            "addresses": "[]", "handles": "[]", "preferred_channels": "[]",
            "contact_hours": None, "formality": None, "gender": None, "pronouns": None,
            "birth_date": None, "dietary_needs": "[]", "allergens": "[]",
            "accessibility_needs": "[]", "tags": "[]", "attributes": "{}",
            "created_at": stamp, "updated_at": stamp, "version": 1,
        }
        rows = [
            tuple({**values, "id": _ulid(i, "C"), "country": COUNTRIES[i % 10]}[c]
                  for c in columns)
            for i in part
        ]
        write(connection, "customers", columns, rows)
        contacts = [
            (_ulid(2 * i + k, "I"), "default", _ulid(i, "C"), CHANNELS[(i + k) % 4],
             ("inbound", "outbound")[(i // 4 + k) % 2],
             _stamp(NOW - dt.timedelta(minutes=(i * 7919 + k * 104_729) % (730 * 1440)),
                    dialect),
             None, None, "", None, None, None, None, "{}")
            for i in part
            for k in (0, 1)
        ]
        write(connection, "interactions", [c.name for c in tables.interactions.columns],
              contacts)
        bought = [
            (_ulid(i, "P"), "default", _ulid(i, "C"),
             _stamp(NOW - dt.timedelta(minutes=(i * 15_485_863) % (180 * 1440)), dialect),
             "web_form", ("EUR", "USD")[i % 2], (i * 37) % 20_000, 0, "completed", None,
             _stamp(NOW, dialect))
            for i in part
        ]
        write(connection, "purchases", [c.name for c in tables.purchases.columns], bought)
        lines = [
            (_ulid(i, "P"), 0, "sencha", "tea", "1", str(Decimal((i * 37) % 20_000) / 100),
             (i * 37) % 20_000, "[]")
            for i in part
        ]
        write(connection, "purchase_items", [c.name for c in tables.purchase_items.columns],
              lines)


def run(url: str, n: int) -> None:
    crm = gc.open(url)
    crm.exchange_rates.add([ExchangeRate(base="EUR", quote="USD", rate=USD_PER_EUR,
                                         source="ECB", as_of=NOW - dt.timedelta(days=1))],
                           now=NOW)
    engine = crm._engine
    dialect = engine.dialect.name
    started = time.perf_counter()
    with engine.begin() as connection:
        fill(connection, n)
    if dialect == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    print(f"{dialect}: {n:,} customers filled in {time.perf_counter() - started:.0f} s")
    factor = float(S.conversion_factor(
        "USD", "EUR", rates=crm.exchange_rates.table(at=NOW), at=NOW
    ))
    parameters = {
        "now": _stamp(NOW, dialect), "since30": _stamp(NOW - dt.timedelta(days=30), dialect),
        "since90": _stamp(NOW - dt.timedelta(days=90), dialect), "usd": factor,
    }
    library = baseline = float("inf")
    ours = theirs = -1
    for _ in range(REPEATS):
        start = time.perf_counter()
        ours = crm.segments.count(RULE, now=NOW)
        library = min(library, time.perf_counter() - start)
        start = time.perf_counter()
        with engine.connect() as connection:
            theirs = int(connection.execute(text(BASELINE), parameters).scalar_one())
        baseline = min(baseline, time.perf_counter() - start)
    print(
        f"{dialect}: segment over {n:,} customers ({ours:,} members; hand-written: {theirs:,}), "
        f"best of {REPEATS}: globalcrm {library:.3f} s, hand-written SQL {baseline:.3f} s, "
        f"ratio {library / baseline:.2f}"
    )
    crm.close()


def main() -> None:
    arguments = sys.argv[1:]
    postgresql = None
    if "--postgresql" in arguments:
        index = arguments.index("--postgresql")
        postgresql = arguments[index + 1]
        del arguments[index : index + 2]
    n = int(arguments[0]) if arguments else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.db'}", n)
    if postgresql is not None:
        engine = create_engine(postgresql)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        run(postgresql, n)


if __name__ == "__main__":
    main()
