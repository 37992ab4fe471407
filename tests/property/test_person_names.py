"""Properties of CLDR person-name formatting over names in many scripts and locales."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import given, settings

from globalcrm import PersonName
from globalcrm.locale import format_person_name
from tests.strategies import person_names

LOCALES = ["lt", "lv", "fi", "he", "uz", "ja", "zh", "zh-Hant", "ko", "en", "de", "pt-BR", "fr",
           "ar", "th", "ru", "es", "nl", "km", "my"]
OPTIONS = st.tuples(
    st.sampled_from(["long", "medium", "short"]),
    st.sampled_from(["referring", "addressing", "monogram"]),
    st.sampled_from(["formal", "informal"]),
    st.sampled_from([None, "givenFirst", "surnameFirst", "sorting"]),
)
WORD = st.text(alphabet=st.characters(categories=["Lu", "Ll"], max_codepoint=0x24F),
               min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(name=person_names(), locale=st.sampled_from(LOCALES), options=OPTIONS)
def test_any_name_formats_to_non_empty_text(
    name: PersonName, locale: str, options: tuple[str, str, str, str | None]
) -> None:
    length, usage, formality, order = options
    text = format_person_name(name, locale=locale, length=length, usage=usage,  # type: ignore[arg-type]
                              formality=formality, order=order)  # type: ignore[arg-type]
    assert isinstance(text, str)
    assert text.strip() != ""


@settings(max_examples=300, deadline=None)
@given(
    given_name=st.lists(WORD, min_size=1, max_size=3).map(" ".join),
    surname=st.none() | st.lists(WORD, min_size=1, max_size=2).map(" ".join),
    title=st.none() | st.sampled_from(["Dr.", "Prof."]),
    locale=st.sampled_from(["lt", "lv", "fi", "en", "de", "fr", "es", "nl", "pl", "tr"]),
    options=OPTIONS,
)
def test_latin_names_never_gain_doubled_or_edge_spaces(
    given_name: str, surname: str | None, title: str | None, locale: str,
    options: tuple[str, str, str, str | None],
) -> None:
    length, usage, formality, order = options
    name = PersonName(given=given_name, surname=surname, title=title, locale=locale)
    text = format_person_name(name, locale=locale, length=length, usage=usage,  # type: ignore[arg-type]
                              formality=formality, order=order)  # type: ignore[arg-type]
    assert "  " not in text
    assert text == text.strip()
    if usage != "monogram":  # every word of the output comes from the name, a title or a literal
        assert any(part in text for part in given_name.split() + (surname or "").split())


@settings(max_examples=300, deadline=None)
@given(given_name=WORD, surname=WORD, length=st.sampled_from(["long", "medium", "short"]),
       locale=st.sampled_from(["en", "de", "fi", "lt", "lv", "nl", "sv", "pl"]))
def test_monograms_are_upper_case_initials(
    given_name: str, surname: str, length: str, locale: str
) -> None:
    name = PersonName(given=given_name, surname=surname, locale=locale)
    text = format_person_name(name, locale=locale, usage="monogram", length=length)  # type: ignore[arg-type]
    assert 1 <= len(text) <= 3 * 3  # at most three initials (a few letters upper-case to two)
    assert text == text.upper()
    initials = {given_name[0].upper(), surname[0].upper()}
    assert text[0] in "".join(initials).upper() or text[:2] in {i.upper() for i in initials}
