"""Vocative, salutation and closing calls per second, against babel's format_currency.

The issue asks for ``vocative`` per second; babel's ``format_currency`` is the project's reference
cost of one CLDR formatting call. Distinct generated names defeat the per-process cache in the
cold run; the warm run repeats names, as a mail merge over a customer list does. The salutation
and closing runs cover every locale with a style table, on a letter and on WhatsApp, with the
fact checks and the closing's worked-out opening included.

Run: ``.venv/bin/python benchmarks/bench_vocative.py``
"""

from __future__ import annotations

import itertools
import time
from decimal import Decimal

from babel.numbers import format_currency

from globalcrm.locale import closing, salutation, vocative
from globalcrm.locale.salutations import SALUTATION_LOCALES
from globalcrm.locale.vocatives import _inflect

STEMS = {
    "lt": (["Jon", "Petr", "Paulausk", "Algird", "Tom"], ["as", "is", "ius", "ys"], "male"),
    "lv": (["Jān", "Jur", "Mārtiņ", "Kārl", "Ozol"], ["is", "s", "š", "us"], "male"),
    "pl": (["Piotr", "Marek", "Adam", "Tomasz", "Stanisław"], ["", "ek", "ur", "an"], "male"),
    "cs": (["Petr", "Novák", "Pavel", "Jan", "Dvořák"], ["", "ek", "ík", "ar"], "male"),
    "uk": (["Тарас", "Олен", "Петр", "Іван", "Андрі"], ["", "а", "о", "ій"], "male"),
    "sr-Latn": (["Predrag", "Milan", "Jovan", "Nikol", "Stef"], ["", "a", "an", "o"], "male"),
    "el": (["Γιάνν", "Κωνσταντίν", "Παύλ", "Νικόλα", "Δημήτρ"], ["ης", "ος", "ας"], "male"),
    "ga": (["Seá", "Pádrai", "Ciará", "Dónal", "Tomá"], ["n", "g", "l", "s"], "male"),
    "de": (["Jonas", "Anna", "Lukas", "Mia", "Ben"], ["", "a", "er"], "male"),
}


def _names(rounds: int) -> list[tuple[str, str, str]]:
    calls = []
    for index in range(rounds):
        for locale, (stems, endings, gender) in STEMS.items():
            for stem, ending in itertools.product(stems, endings):
                calls.append((f"{stem}{'abcdefgh'[index % 8] * (index // 8)}{ending}", locale,
                              gender))
    return calls


def _time(calls: list[tuple[str, str, str]]) -> float:
    start = time.perf_counter()
    for name, locale, gender in calls:
        vocative(name, locale=locale, gender=gender)
    return time.perf_counter() - start


def _time_address(rounds: int) -> tuple[int, float, float]:
    """Time ``salutation`` and ``closing`` for every styled locale, gender and channel."""
    calls = [
        (locale, gender, channel, f"Name{index}")
        for index in range(rounds)
        for locale in sorted(SALUTATION_LOCALES)
        for gender in ("female", "male", None)
        for channel in ("letter", "whatsapp")
    ]
    start = time.perf_counter()
    for locale, gender, channel, name in calls:
        salutation(locale=locale, channel=channel, gender=gender, given="Ann", surname=name)
    opening = time.perf_counter() - start
    start = time.perf_counter()
    for locale, gender, channel, name in calls:
        closing(locale=locale, channel=channel, gender=gender, given="Ann", surname=name)
    return len(calls), opening, time.perf_counter() - start


def main() -> None:
    """Print vocative calls per second (cold and warm) and the ratio to format_currency."""
    calls = _names(60)
    _inflect.cache_clear()
    cold = _time(calls)
    warm = _time(calls)
    amounts = [(Decimal(i) / 7, ("EUR", "USD", "JPY")[i % 3], ("de", "en", "ja")[i % 3])
               for i in range(len(calls))]
    start = time.perf_counter()
    for amount, currency, locale in amounts:
        format_currency(amount, currency, locale=locale)
    babel_time = time.perf_counter() - start
    n = len(calls)
    print(f"vocative, {n} calls over {len(STEMS)} locales (distinct names, cold cache): "
          f"{cold:.3f} s, {n / cold:,.0f} calls/s, {cold / n * 1e6:.1f} µs/call")
    print(f"vocative, same names again (warm cache): {warm:.3f} s, {n / warm:,.0f} calls/s")
    print(f"babel format_currency, {n} calls: {babel_time:.3f} s, {n / babel_time:,.0f} calls/s")
    print(f"ratio vocative (cold) / format_currency: {cold / babel_time:.2f}")
    count, opening, ending = _time_address(20)
    per_babel = babel_time / n
    print(f"salutation, {count} calls over {len(SALUTATION_LOCALES)} locales: "
          f"{opening / count * 1e6:.1f} µs/call, ratio to format_currency "
          f"{opening / count / per_babel:.2f}")
    print(f"closing (opening worked out from the facts), {count} calls: "
          f"{ending / count * 1e6:.1f} µs/call, ratio {ending / count / per_babel:.2f}")


if __name__ == "__main__":
    main()
