"""Locale-aware text: names and forms of address, search folding, bidirectional text.

Functions follow babel's shape: one function per task, CLDR's vocabulary as keyword names.
"""

from globalcrm.locale._data import data_sources
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
from globalcrm.locale.name_parsing import parse_name
from globalcrm.locale.names import format_person_name, name_order
from globalcrm.locale.text import (
    choose_name,
    direction,
    isolate,
    locale_direction,
    reading_sort_key,
    script_of,
    strip_isolates,
)

__all__ = [
    "Formality",
    "Honorific",
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
    "isolate",
    "locale_direction",
    "name_order",
    "parse_name",
    "pronouns",
    "reading_sort_key",
    "salutation",
    "script_of",
    "strip_isolates",
    "tokens",
    "vocative",
]
