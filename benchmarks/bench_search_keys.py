"""Search tokens of 20,000 names per script: ``PersonName.search_tokens`` vs folding each part.

Baseline, in the same process: ``fold(part).split()`` of the given name and the surname, the
least any search key needs. globalcrm: ``PersonName.search_tokens()`` (every part, CJK names run
together, Latin spellings of names in other scripts by ICU transforms). Both warm (the bulk
import folds the same surnames over and over; the caches are what it runs on). Prints both per
name and the ratio.

    python benchmarks/bench_search_keys.py [N]
"""

from __future__ import annotations

import sys
import timeit

from globalcrm.customers import PersonName
from globalcrm.locale.folding import fold


def names(n: int) -> dict[str, list[PersonName]]:
    return {
        "ASCII (en)": [
            PersonName(given=f"Given{i}", surname=f"Surname{i % 997}", locale="en")
            for i in range(n)
        ],
        "Latin with accents (fi)": [
            PersonName(given=f"Äino{i}", surname=f"Mäkinen{i % 997}", locale="fi") for i in range(n)
        ],
        "Cyrillic (uz-Cyrl)": [
            PersonName(given="Дилноза", surname=f"Рашидова{i % 997}", locale="uz-Cyrl")
            for i in range(n)
        ],
        "Han (zh)": [
            PersonName(given=chr(0x4E00 + i % 5000), surname="张", locale="zh") for i in range(n)
        ],
    }


def baseline(people: list[PersonName]) -> None:
    for person in people:
        for part in (person.given, person.surname):
            if part:
                fold(part).split()


def ours(people: list[PersonName]) -> None:
    for person in people:
        person.search_tokens()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    for label, people in names(n).items():
        baseline(people)
        ours(people)  # warm: ICU transliterators created, caches filled
        base = min(timeit.repeat(lambda p=people: baseline(p), number=1, repeat=7)) / n  # type: ignore[misc]
        mine = min(timeit.repeat(lambda p=people: ours(p), number=1, repeat=7)) / n  # type: ignore[misc]
        print(
            f"{label:24} search_tokens {mine * 1e6:6.2f} µs/name   "
            f"fold of the parts {base * 1e6:6.2f} µs/name   ratio {mine / base:5.2f}"
        )


if __name__ == "__main__":
    main()
