"""Forms of address: vocatives, salutations, closings, honorifics, T-V formality, case inventories.

The public face of the address layer, which sits after CLDR person-name formatting (UTS #35
Part 8 gives the order and parts of a name, never its case or the letter's opening line). The work
is split by what it holds: ``vocatives`` (the vocative case), ``salutations`` (opening lines per
style guide, with the per-locale ``salutation_styles``), ``closings`` (closing formulas),
``recipients`` (the facts both take), ``honorifics`` (titles, position, T-V choice) and
``formality`` (the one ``Formality``). ``grammatical_cases``
reads CLDR 48's ``grammaticalFeatures.json`` (generated into package data by
``tools/build_grammatical_cases.py``, loaded lazily).

Research, sources and the decisions they support: ``../shared/research/address.md``.

```pycon
>>> grammatical_cases("lt")[-2:]
('vocative', 'locative')
>>> grammatical_cases("en") is None
True
>>> has_vocative("pl"), has_vocative("fi")
(True, False)

```
"""

from __future__ import annotations

from typing import Any

from globalcrm import _checks
from globalcrm.locale.closings import CLOSING_LOCALES, closing
from globalcrm.locale.datasets import load
from globalcrm.locale.formality import Formality
from globalcrm.locale.honorifics import (
    HONORIFICS,
    PRONOUNS,
    Honorific,
    decide_formality,
    honorific_for,
    honorifics,
    pronouns,
)
from globalcrm.locale.salutations import SALUTATION_LOCALES, salutation
from globalcrm.locale.vocatives import VOCATIVE_LANGUAGES, vocative

__all__ = [
    "CLOSING_LOCALES",
    "HONORIFICS",
    "PRONOUNS",
    "SALUTATION_LOCALES",
    "VOCATIVE_LANGUAGES",
    "Formality",
    "Honorific",
    "closing",
    "decide_formality",
    "grammatical_cases",
    "grammatical_cases_source",
    "has_vocative",
    "honorific_for",
    "honorifics",
    "pronouns",
    "salutation",
    "vocative",
]


def _dataset() -> dict[str, Any]:
    return load("grammatical_cases")


def grammatical_cases(locale: str) -> tuple[str, ...] | None:
    """Return the nominal grammatical cases CLDR 48 lists for ``locale``'s language, in CLDR order.

    None when CLDR lists no case inventory (English, Spanish, Chinese...). The language decides:
    ``sr-Latn`` and ``sr-Cyrl`` share Serbian's cases.
    """
    tag = _checks.language(locale, field="locale")
    cases = _dataset()["cases"].get(tag.split("-")[0])
    return tuple(cases) if cases else None


def has_vocative(locale: str) -> bool:
    """Whether CLDR lists a vocative case for ``locale``'s language.

    CLDR's list is not the same as ``VOCATIVE_LANGUAGES`` (where ``vocative`` inflects): Russian
    has a CLDR vocative that standard writing does not use, Irish inflects without a CLDR entry.
    """
    cases = grammatical_cases(locale)
    return cases is not None and "vocative" in cases


def grammatical_cases_source() -> dict[str, str]:
    """The provenance of the case data: package, version, CLDR version, integrity, licence."""
    return dict(_dataset()["source"])
