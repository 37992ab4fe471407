"""Junk into every public person-name function: only GlobalCRMError (or a correct result)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from globalcrm.errors import GlobalCRMError
from globalcrm.locale import data_sources, format_person_name, name_order

JUNK: list[Any] = [None, b"bytes", 12, 1.5, [], {}, "x" * 100_000, "\x00\x1b", "", " ", "\u202e",
                   "𝕏" * 300, "ab\ud800", "en\n", "en-" + "a" * 40, "-", "_", "und", "root",
                   {"given": None}, {"given": 12}, {"given": "x" * 100_000}, {"given": "\x00"},
                   {"surname": "\ud800"}, {"given": "A", "locale": "xx"}, {3: "A"},
                   {"given": "A", "locale": 7}]

NAME = {"given": "Jonas", "surname": "Petraitis", "locale": "lt"}
CALLS: list[tuple[str, Callable[[Any], object]]] = [
    ("format name", lambda j: format_person_name(j, locale="lt")),
    ("format locale", lambda j: format_person_name(NAME, locale=j)),
    ("format length", lambda j: format_person_name(NAME, locale="lt", length=j)),
    ("format usage", lambda j: format_person_name(NAME, locale="lt", usage=j)),
    ("format formality", lambda j: format_person_name(NAME, locale="lt", formality=j)),
    ("format order", lambda j: format_person_name(NAME, locale="lt", order=j)),
    ("name_order locale", lambda j: name_order(j)),
    ("name_order formatting", lambda j: name_order("lt", formatting_locale=j)),
]


@pytest.mark.parametrize(("label", "call"), CALLS, ids=[label for label, _ in CALLS])
def test_junk_gives_only_our_errors(label: str, call: Callable[[Any], object]) -> None:
    for junk in JUNK:
        try:
            result = call(junk)
        except GlobalCRMError:
            continue
        assert isinstance(result, str), f"{label}: {junk!r:.40} gave {result!r:.40}"


def test_odd_but_valid_names_format() -> None:
    odd = [{"given": "\u0301"}, {"given": "·"}, {"surname": "-"}, {"given": "123"},
           {"given": "a b  c", "surname": "\u3000x"}, {"given": "👩‍👩‍👧"},
           {"given": "ǅemal", "locale": "hr"}, {"given": "ß", "locale": "de"}]
    for fields in odd:
        for usage in ("referring", "addressing", "monogram"):
            for length in ("long", "short"):
                text = format_person_name(fields, locale="en", usage=usage, length=length)
                assert isinstance(text, str)


def test_data_sources_is_plain_data() -> None:
    sources = data_sources()
    assert all(isinstance(key, str) and isinstance(value, dict) for key, value in sources.items())
    sources["person_names"]["package"] = "changed"
    assert data_sources()["person_names"]["package"] == "cldr-person-names-full"
