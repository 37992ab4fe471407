"""format_person_name over 100,000 names in mixed locales vs babel's format_currency per call.

babel's ``format_currency`` is the reference cost of one CLDR formatting call (the issue's target:
at least as fast). Both run in this process over the same number of calls; names are built once
beforehand (PersonName construction is not what is measured).

Run: ``python benchmarks/bench_person_names.py``.
"""

from __future__ import annotations

import itertools
import random
import time
from decimal import Decimal

from babel.numbers import format_currency

from globalcrm import PersonName
from globalcrm.locale import format_person_name

CALLS = 100_000
NAMES = [
    (PersonName(given="Jonas", surname="Petraitis", locale="lt"), "lt"),
    (PersonName(given="Anna", given2="Marta", surname="Bērziņa", locale="lv"), "lv"),
    (PersonName(given="Mikko", surname="Virtanen", locale="fi"), "fi"),
    (PersonName(given="נועה", surname="כהן", locale="he"), "he"),
    (PersonName(given="Dilnoza", surname="Karimova", locale="uz"), "uz"),
    (PersonName(given="太郎", surname="山田", locale="ja"), "ja"),
    (PersonName(given="伟", surname="王", locale="zh"), "zh"),
    (PersonName(given="민준", surname="김", locale="ko"), "ko"),
    (PersonName(given="Mary Sue", given2="Hamish", surname="Watson", locale="en"), "en"),
    (PersonName(given="Käthe", surname_prefix="von", surname_core="Müller", locale="de"), "de"),
    (PersonName(given="Maria", surname="Silva", surname2="Santos", locale="pt-BR"), "pt-BR"),
    (PersonName(given="Albert", surname="Einstein", locale="de"), "ja"),
]
OPTIONS = list(
    itertools.product(("long", "medium", "short"), ("referring", "addressing", "monogram"),
                      ("formal", "informal"))
)
CURRENCIES = [("EUR", "lt"), ("EUR", "lv"), ("EUR", "fi"), ("ILS", "he"), ("UZS", "uz"),
              ("JPY", "ja"), ("CNY", "zh"), ("KRW", "ko"), ("USD", "en"), ("EUR", "de"),
              ("BRL", "pt_BR"), ("JPY", "ja")]


def main() -> None:
    rng = random.Random(20261123)
    work = [(rng.choice(NAMES), rng.choice(OPTIONS)) for _ in range(CALLS)]
    money = [(Decimal(rng.randrange(1, 10**7)) / 100, rng.choice(CURRENCIES)) for _ in range(CALLS)]
    for (name, locale), (length, usage, formality) in work[:1000]:  # warm caches for both
        format_person_name(name, locale=locale, length=length, usage=usage,  # type: ignore[arg-type]
                           formality=formality)
    for amount, (currency, locale) in money[:1000]:
        format_currency(amount, currency, locale=locale)

    start = time.perf_counter()
    for (name, locale), (length, usage, formality) in work:
        format_person_name(name, locale=locale, length=length, usage=usage,  # type: ignore[arg-type]
                           formality=formality)
    ours = time.perf_counter() - start

    start = time.perf_counter()
    for amount, (currency, locale) in money:
        format_currency(amount, currency, locale=locale)
    babel = time.perf_counter() - start

    print(f"format_person_name: {CALLS:,} calls in {ours:.3f} s ({ours / CALLS * 1e6:.2f} µs/call)")
    print(f"babel format_currency: {CALLS:,} calls in {babel:.3f} s "
          f"({babel / CALLS * 1e6:.2f} µs/call)")
    print(f"ratio (babel / globalcrm): {babel / ours:.2f}x "
          f"({'meets' if ours <= babel else 'misses'} the target: at least as fast)")


if __name__ == "__main__":
    main()
