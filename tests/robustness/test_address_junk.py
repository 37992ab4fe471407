"""Junk into every public function of the address and text layer: only GlobalCRMError comes out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from globalcrm.errors import GlobalCRMError
from globalcrm.interactions import medium_of
from globalcrm.locale import (
    PersonName,
    choose_name,
    closing,
    decide_formality,
    direction,
    grammatical_cases,
    has_vocative,
    honorific_for,
    honorifics,
    isolate,
    locale_direction,
    parse_name,
    pronouns,
    reading_sort_key,
    salutation,
    script_of,
    strip_isolates,
    vocative,
)
from globalcrm.locale.formality import parse_formality
from globalcrm.locale.honorifics import Honorific

JUNK: list[Any] = [None, b"bytes", 12, 1.5, [], {}, "x" * 100_000, "\x00\x1b", "", " ", "\u202e",
                   "𝕏" * 300, "ab\ud800"]

CALLS: list[tuple[str, Callable[[Any], object]]] = [
    ("vocative name", lambda j: vocative(j, locale="lt")),
    ("vocative locale", lambda j: vocative("Jonas", locale=j)),
    ("vocative gender", lambda j: vocative("Jonas", locale="pl", gender=j)),
    ("vocative part", lambda j: vocative("Jonas", locale="uk", name_part=j)),
    ("vocative cs", lambda j: vocative(j, locale="cs")),
    ("vocative uk", lambda j: vocative(j, locale="uk")),
    ("vocative sr", lambda j: vocative(j, locale="sr-Latn")),
    ("salutation locale", lambda j: salutation(locale=j)),
    ("salutation formality", lambda j: salutation(locale="de", formality=j)),
    ("salutation channel", lambda j: salutation(locale="de", channel=j)),
    ("salutation surname", lambda j: salutation(locale="lt", gender="male", surname=j)),
    ("salutation gender", lambda j: salutation(locale="de", gender=j, surname="Lee")),
    ("salutation recipient", lambda j: salutation(locale="fi", recipient=j)),
    ("salutation register", lambda j: salutation(locale="lv", gender="male", given="Juris",
                                                 surname="Bērziņš", register=j)),
    ("salutation greeting", lambda j: salutation(locale="en", greeting=j)),
    ("salutation greeting refused", lambda j: salutation(locale="de", greeting=j)),
    ("salutation lt register", lambda j: salutation(locale="lt", gender="male",
                                                    surname="Petrauskas", register=j)),
    ("salutation honorific", lambda j: salutation(locale="uz", given="Anvar", honorific=j)),
    ("salutation fact name", lambda j: salutation(
        locale="de", **({j: "x"} if isinstance(j, str) else {}))),
    ("closing locale", lambda j: closing(locale=j)),
    ("closing salutation", lambda j: closing(locale="fr", salutation=j)),
    ("closing channel", lambda j: closing(locale="ja", channel=j)),
    ("closing formality", lambda j: closing(locale="fi", formality=j)),
    ("closing sender", lambda j: closing(locale="id", sender=j)),
    ("closing recipient", lambda j: closing(locale="en-GB", recipient=j)),
    ("closing surname", lambda j: closing(locale="en-GB", gender="male", surname=j)),
    ("medium_of", medium_of),
    ("parse_formality", parse_formality),
    ("grammatical_cases", grammatical_cases),
    ("has_vocative", has_vocative),
    ("honorifics", honorifics),
    ("honorific_for gender", lambda j: honorific_for("de", gender=j)),
    ("honorific_for formality", lambda j: honorific_for("de", formality=j)),
    ("pronouns", pronouns),
    ("decide_formality locale", lambda j: decide_formality(locale=j)),
    ("decide_formality preference", lambda j: decide_formality(locale="de", preference=j)),
    ("decide_formality channel", lambda j: decide_formality(locale="de", channel=j)),
    ("decide_formality relationship", lambda j: decide_formality(locale="de", relationship=j)),
    ("isolate", isolate),
    ("isolate within", lambda j: isolate("John", within=j)),
    ("strip_isolates", strip_isolates),
    ("direction", direction),
    ("script_of", script_of),
    ("locale_direction", locale_direction),
    ("choose_name names", lambda j: choose_name(j, reader_locale="en")),
    ("choose_name locale", lambda j: choose_name([PersonName(given="A")], reader_locale=j)),
    ("reading_sort_key", reading_sort_key),
    ("parse_name", lambda j: parse_name(j, locale="en")),
    ("parse_name ja", lambda j: parse_name(j, locale="ja")),
    ("parse_name locale", lambda j: parse_name("John Smith", locale=j)),
]


@pytest.mark.parametrize(("label", "call"), CALLS, ids=[c[0] for c in CALLS])
@pytest.mark.parametrize("junk", JUNK, ids=lambda j: type(j).__name__ + str(len(str(j)))[:4])
def test_only_globalcrm_errors_leave(label: str, call: Callable[[Any], object], junk: Any) -> None:
    try:
        result = call(junk)
    except GlobalCRMError as exc:
        message = str(exc)
    else:
        message = ""
        assert result is None or isinstance(result, str | tuple | bool | PersonName | Honorific)
    assert "x" * 50 not in message
