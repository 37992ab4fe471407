"""``catalog.methods_for`` per second over the whole catalog vs a bare list comprehension.

Baseline, in the same process: the catalog's JSON loaded as plain dicts and filtered with one
list comprehension per call (country, currency and the widest per-transaction range in that
currency), then sorted by the same key; the cost of the work with no validation and no objects.
globalcrm runs ``methods_for`` with the same arguments: it validates the country, the currency,
the amount and the preferred keys and returns frozen ``PaymentMethod`` objects. Each of the
three cases runs over every country that has a method in the catalog, round robin.

    python benchmarks/bench_payment_methods.py [SECONDS_PER_CASE]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from typing import Any

from globalcrm.money import money
from globalcrm.payments import catalog


def rate(function: Callable[[int], object], seconds: float) -> float:
    """Calls per second of ``function(i)`` over about ``seconds``."""
    calls = 0
    start = time.perf_counter()
    while True:
        for _ in range(200):
            function(calls)
            calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed


def bare(rows: list[dict[str, Any]], country: str, currency: str | None,
         amount: Decimal | None) -> list[dict[str, Any]]:
    """The baseline: a list comprehension over dicts, then a sort."""
    def fits(row: dict[str, Any], amount: Decimal) -> bool:
        ranges = [
            (limit["min"], limit["max"]) for limit in row["limits"]
            if limit["currency"] == currency and limit["per"] == "transaction"
            and limit["applies_to"] == "payment"
        ]
        return not ranges or any(
            (low is None or amount >= Decimal(low)) and (high is None or amount <= Decimal(high))
            for low, high in ranges
        )

    found = [
        row for row in rows
        if (row["worldwide"] or country in row["countries"])
        and (currency is None or not row["currencies"] or currency in row["currencies"])
        and (amount is None or fits(row, amount))
    ]
    return sorted(found, key=lambda row: (
        row["prevalence"].get(country, {}).get("rank", 1_000), row["worldwide"], row["order"]
    ))


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    rows = json.loads(
        resources.files("globalcrm.payments.data").joinpath("payment_methods.json").read_text(
            encoding="utf-8"
        )
    )["methods"]
    countries = sorted({c for m in catalog.methods() for c in m.countries})
    currency_of = {c: next(m.currencies[0] for m in catalog.methods_for(c) if m.currencies)
                   if any(m.currencies for m in catalog.methods_for(c)) else "USD"
                   for c in countries}
    amounts = {c: money("100", currency_of[c]) for c in countries}
    print(f"{len(catalog.methods())} methods, {len(countries)} countries, round robin")
    cases: list[tuple[str, Callable[[int], object], Callable[[int], object]]] = [
        (
            "methods_for(country)",
            lambda i: catalog.methods_for(countries[i % len(countries)]),
            lambda i: bare(rows, countries[i % len(countries)], None, None),
        ),
        (
            "methods_for(country, currency=...)",
            lambda i: catalog.methods_for(
                countries[i % len(countries)], currency=currency_of[countries[i % len(countries)]]
            ),
            lambda i: bare(rows, countries[i % len(countries)],
                           currency_of[countries[i % len(countries)]], None),
        ),
        (
            "methods_for(country, amount=..., preferred=...)",
            lambda i: catalog.methods_for(
                countries[i % len(countries)], amount=amounts[countries[i % len(countries)]],
                preferred=("visa",),
            ),
            lambda i: bare(rows, countries[i % len(countries)],
                           currency_of[countries[i % len(countries)]], Decimal("100")),
        ),
    ]
    for label, ours, baseline in cases:
        ours_rate = rate(ours, seconds)
        base_rate = rate(baseline, seconds)
        print(f"{label:50} {ours_rate:>10,.0f}/s   bare {base_rate:>10,.0f}/s   "
              f"ratio {base_rate / ours_rate:.2f}")


if __name__ == "__main__":
    main()
