"""Locale-aware text: names and forms of address, search folding, romanisation, bidi text.

Functions follow babel's shape: one function per task, CLDR's vocabulary as keyword names.
"""

from globalcrm.locale.datasets import data_sources
from globalcrm.locale.folding import fold, tokens
from globalcrm.locale.forms_of_address import (
    Formality,
    Honorific,
    closing,
    decide_formality,
    grammatical_cases,
    has_vocative,
    honorific_for,
    honorifics,
    pronouns,
    salutation,
    vocative,
)
from globalcrm.locale.name_formatting import format_person_name, name_order
from globalcrm.locale.name_parsing import parse_name
from globalcrm.locale.person_names import PersonName, choose_name, reading_sort_key
from globalcrm.locale.romanisation import is_latin, romanise
from globalcrm.locale.text import (
    direction,
    isolate,
    locale_direction,
    script_of,
    strip_isolates,
)

__all__ = [
    "Formality",
    "Honorific",
    "PersonName",
    "choose_name",
    "closing",
    "data_sources",
    "decide_formality",
    "direction",
    "fold",
    "format_person_name",
    "grammatical_cases",
    "has_vocative",
    "honorific_for",
    "honorifics",
    "is_latin",
    "isolate",
    "locale_direction",
    "name_order",
    "parse_name",
    "pronouns",
    "reading_sort_key",
    "romanise",
    "salutation",
    "script_of",
    "strip_isolates",
    "tokens",
    "vocative",
]
