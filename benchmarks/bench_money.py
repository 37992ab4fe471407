"""Money benchmarks: format_money vs babel's format_currency; convert vs Decimal multiply+quantize.

Run: ``python benchmarks/bench_money.py``. Both sides run in this process on the same inputs and
the ratio (globalcrm / baseline) is printed. Target for formatting: at most 1.2.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal

import babel.numbers

from globalcrm.exchange_rates import ECB, ExchangeRate, RateTable, convert
from globalcrm.money import Money, format_money, money

N = 100_000
LOCALES = ["en", "lt", "de", "ja", "he", "pt_BR", "fi", "hi", "uz", "zh"]
CURRENCIES = ["EUR", "USD", "JPY", "ILS", "BRL", "KWD", "INR", "UZS"]


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The best wall time of ``repeat`` runs (less noise from the shared machine)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = random.Random(5)
    cases: list[tuple[Money, str]] = []
    for _ in range(N):
        currency = rng.choice(CURRENCIES)
        digits = babel.numbers.get_currency_precision(currency)
        cents = rng.randrange(-10**9, 10**9)
        amount = Decimal(cents).scaleb(-digits)
        cases.append((money(amount, currency), rng.choice(LOCALES)))
    plain = [(m.amount, m.currency.code, locale) for m, locale in cases]

    def ours() -> None:
        for amount, locale in cases:
            format_money(amount, locale=locale)

    def theirs() -> None:
        for number, code, locale in plain:
            babel.numbers.format_currency(number, code, locale=locale)

    # same output first: the comparison is only fair if both do the same job
    for (case, locale), (number, code, _) in zip(cases[:2000], plain[:2000], strict=True):
        if format_money(case, locale=locale) != babel.numbers.format_currency(
            number, code, locale=locale
        ):
            raise SystemExit(f"outputs differ for {number} {code} in {locale}")
    ours()  # warm caches on both sides
    theirs()
    t_ours = best_of(3, ours)
    t_babel = best_of(3, theirs)
    print(f"format {N:,} amounts: globalcrm.format_money {t_ours:.3f} s, "
          f"babel.format_currency {t_babel:.3f} s, ratio {t_ours / t_babel:.2f} (target <= 1.2)")

    at = dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC)
    table = RateTable()
    table.add(ExchangeRate(base="EUR", quote="USD", rate="1.0854", source=ECB, as_of=at))
    rate = Decimal("1.0854")
    euros = [money(Decimal(rng.randrange(1, 10**8)).scaleb(-2), "EUR") for _ in range(N)]
    raw = [m.amount for m in euros]
    cent = Decimal("0.01")
    now = at + dt.timedelta(hours=1)

    def conversions() -> None:
        for amount in euros:
            convert(amount, "USD", at=now, table=table, locale="en")

    def conversions_with_sentence() -> None:
        for amount in euros:
            convert(amount, "USD", at=now, table=table, locale="en").text  # noqa: B018

    def multiply() -> None:
        for number in raw:
            (number * rate).quantize(cent, rounding=ROUND_HALF_EVEN)

    c_ours = best_of(3, conversions)
    c_text = best_of(1, conversions_with_sentence)
    c_plain = best_of(3, multiply)
    print(f"convert {N:,} amounts: globalcrm.convert {c_ours:.3f} s, "
          f"Decimal multiply+quantize {c_plain:.3f} s, ratio {c_ours / c_plain:.1f}")
    print(f"convert {N:,} amounts and write each disclosure sentence: {c_text:.3f} s, "
          f"ratio {c_text / c_plain:.1f}")


if __name__ == "__main__":
    main()
