"""Loyalty at scale: posting ledger entries vs raw inserts, and balance lookups vs ledger length.

1. Posting N earns (default 1,000,000, over 1,000 members) through ``crm.loyalty.post_many``
   (each checked, priced by the program's rules with its campaign and tier multipliers, with a
   lot expiry, idempotency key and balance) against a raw insert of the same rows: a ULID and
   ``int(amount)`` points per row, then ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) and
   one balance update per member. Both in chunks of 100,000 per transaction, in the same
   process and database (emptied between the two, the order alternating by round); three
   rounds, the median ratio is reported (target at most 1.5). The sales are built outside the
   timing; the baseline's rows are built inside it, as post_many's are.
2. ``crm.loyalty.balance(member)`` when the member's ledger holds 10,000, 100,000 and 1,000,000
   entries, beside the sum a naive store would run (``SELECT sum(points)`` over the ledger).

    python benchmarks/bench_loyalty.py [--entries N] [--postgresql URL] [--part post|balance]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text

import globalcrm as gc
from globalcrm.identifiers import new_id
from globalcrm.loyalty import Campaign, EarningRule, Program
from globalcrm.money import money
from globalcrm.storage.loyalty_sql import ENTRY_COLUMNS, write_entries

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
CHUNK = 100_000
MEMBERS = 1_000
CHANNELS = ("web_form", "in_app", "in_person", "email")
PROGRAM = Program(
    code="default",
    name="Bench",
    currency="EUR",
    time_zone="Europe/Vilnius",
    earning=EarningRule(tier_multipliers={"gold": "1.25", "platinum": "1.5"},
                        channel_multipliers={"in_app": 2}),
    campaigns=[Campaign(code="black_friday", starts="2026-11-27", ends="2026-11-30",
                        multiplier=2)],
)


def open_store(url: str | None, folder: Path, name: str) -> gc.CRM:
    if url is None:
        return gc.open(f"sqlite:///{folder / name}")
    crm = gc.open(url)
    names = ", ".join(f'"{t}"' for t in ("loyalty_allocations", "loyalty_tier_events",
                                        "loyalty_entries", "loyalty_accounts",
                                        "loyalty_programs", "customers", "customer_keys",
                                        "audit_entries", "ledger_heads"))
    with crm._engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} CASCADE"))
    return crm


def members(crm: gc.CRM, count: int) -> list[str]:
    crm.loyalty.save_program(PROGRAM, now=NOW)
    ids = []
    for index in range(count):
        customer = crm.customers.add(gc.Customer(
            name=gc.PersonName(given=f"M{index}", locale="lt"), country="LT", language="lt",
            time_zone="Europe/Vilnius", currency="EUR"))
        ids.append(crm.loyalty.enroll(customer, now=NOW).id)
    return ids


def sales(accounts: list[str], count: int, start: int) -> list[dict[str, Any]]:
    """``count`` purchases spread over the members and the last 60 days."""
    minute = dt.timedelta(minutes=1)
    return [
        {
            "account": accounts[i % len(accounts)],
            "amount": money(Decimal(10 + i % 190).scaleb(0) + Decimal(i % 100) / 100, "EUR"),
            "channel": CHANNELS[i % 4],
            "occurred_at": NOW - (i % 86_400) * minute,
            "idempotency_key": f"order-{i}",
        }
        for i in range(start, start + count)
    ]


def raw_rows(batch: list[dict[str, Any]]) -> tuple[list[list[Any]], dict[str, int]]:
    """The baseline's rows: an id, ``int(amount)`` points, the same columns."""
    rows = []
    balances: dict[str, int] = {}
    for sale in batch:
        points = int(sale["amount"].amount)
        row: list[Any] = [None] * len(ENTRY_COLUMNS)
        row[0:9] = [new_id(NOW), "default", sale["account"], "earn", points, sale["occurred_at"],
                    NOW, None, points]
        row[ENTRY_COLUMNS.index("idempotency_key")] = sale["idempotency_key"]
        row[ENTRY_COLUMNS.index("channel")] = sale["channel"]
        row[ENTRY_COLUMNS.index("amount")] = str(sale["amount"].amount)
        row[ENTRY_COLUMNS.index("currency")] = "EUR"
        row[ENTRY_COLUMNS.index("spend_minor")] = int(sale["amount"].amount * 100)
        row[ENTRY_COLUMNS.index("qualifying")] = points
        row[ENTRY_COLUMNS.index("shortfall")] = 0
        rows.append(row)
        balances[sale["account"]] = balances.get(sale["account"], 0) + points
    return rows, balances


def post_raw(crm: gc.CRM, batch: list[dict[str, Any]]) -> None:
    rows, balances = raw_rows(batch)
    with crm._engine.begin() as connection:
        write_entries(connection, rows)
        connection.execute(
            text("UPDATE loyalty_accounts SET balance = balance + :b WHERE id = :a"),
            [{"a": key, "b": value} for key, value in balances.items()],
        )


def timed(step: Callable[[], object]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def reset(crm: gc.CRM) -> None:
    """Empty the ledger and the balances (between the two halves of a round; not timed)."""
    with crm._engine.begin() as connection:
        if crm._engine.dialect.name == "postgresql":
            connection.execute(text("TRUNCATE loyalty_allocations, loyalty_entries"))
        else:
            connection.execute(text("DELETE FROM loyalty_allocations"))
            connection.execute(text("DELETE FROM loyalty_entries"))
        connection.execute(text("DELETE FROM loyalty_tier_events WHERE reason <> 'enrolled'"))
        connection.execute(text("UPDATE loyalty_accounts SET balance = 0, tier = 'silver'"))
    if crm._engine.dialect.name == "postgresql":
        with crm._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE loyalty_entries, loyalty_accounts"))


def post_all(crm: gc.CRM, accounts: list[str], chunks: list[tuple[int, int]], *,
             ours: bool) -> float:
    """Seconds to post every chunk, each built before its clock starts."""
    total = 0.0
    for start, size in chunks:
        batch = sales(accounts, size, start)
        begin = time.perf_counter()
        if ours:
            crm.loyalty.post_many(batch, now=NOW)
        else:
            post_raw(crm, batch)
        total += time.perf_counter() - begin
    return total


def bench_post(url: str | None, entries: int, folder: Path) -> None:
    print(f"posting {entries:,} earns over {MEMBERS:,} members, {CHUNK:,} per transaction "
          f"({'PostgreSQL' if url else 'SQLite'})")
    ratios = []
    for round_ in range(3):
        store = open_store(url, folder, f"round{round_}.db")
        accounts = members(store, MEMBERS)
        chunks = [(start, min(CHUNK, entries - start)) for start in range(0, entries, CHUNK)]
        if round_ % 2:  # alternate which half meets the emptied table
            ours_time = post_all(store, accounts, chunks, ours=True)
            reset(store)
            raw_time = post_all(store, accounts, chunks, ours=False)
        else:
            raw_time = post_all(store, accounts, chunks, ours=False)
            reset(store)
            ours_time = post_all(store, accounts, chunks, ours=True)
            check = store.loyalty.verify()
            if not check.ok:
                raise SystemExit(f"the ledger does not verify: {check.problems[:3]}")
        ratios.append(ours_time / raw_time)
        print(f"  round {round_ + 1}: post_many {ours_time:.1f} s ({entries / ours_time:,.0f}/s),"
              f" raw inserts {raw_time:.1f} s ({entries / raw_time:,.0f}/s): "
              f"ratio {ours_time / raw_time:.2f}", flush=True)
        store.close()
    print(f"  median ratio {statistics.median(ratios):.2f} (target at most 1.5)")


def bench_balance(url: str | None, folder: Path) -> None:
    print(f"balance lookup against ledger length ({'PostgreSQL' if url else 'SQLite'})")
    crm = open_store(url, folder, "balance.db")
    member = members(crm, 1)[0]
    posted = 0
    for size in (10_000, 100_000, 1_000_000):
        while posted < size:
            batch = sales([member], min(CHUNK, size - posted), posted)
            crm.loyalty.post_many(batch, now=NOW)
            posted += len(batch)
        crm.loyalty.redeem(member, points=5, now=NOW)
        if url is not None:
            with crm._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE loyalty_entries, loyalty_accounts"))
        lookups = []
        for _ in range(200):
            lookups.append(timed(lambda: crm.loyalty.balance(member)))
        with crm._engine.connect() as connection:
            naive = []
            for _ in range(5):
                naive.append(timed(lambda: connection.execute(
                    text("SELECT sum(points) FROM loyalty_entries WHERE account_id = :a"),
                    {"a": member}).scalar()))
        print(f"  {size:>9,} entries: crm.loyalty.balance {statistics.median(lookups) * 1e3:.2f} ms"
              f" (median of 200); SELECT sum(points) over the ledger "
              f"{statistics.median(naive) * 1e3:.1f} ms")
    if crm.loyalty.balance(member) != crm.loyalty.balance(member, at=NOW):
        raise SystemExit("the two balance reads disagree")
    crm.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--postgresql", default=None)
    parser.add_argument("--part", choices=("post", "balance", "both"), default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.part in ("post", "both"):
            bench_post(args.postgresql, args.entries, Path(folder))
        if args.part in ("balance", "both"):
            bench_balance(args.postgresql, Path(folder))


if __name__ == "__main__":
    main()
