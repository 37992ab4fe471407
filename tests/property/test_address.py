"""Properties of the address layer: identity without a vocative, capitalisation, isolation."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from globalcrm.locale import isolate, salutation, strip_isolates, vocative
from globalcrm.locale.text import FSI, PDI

NO_VOCATIVE = ["de", "en", "fi", "fr", "he", "ja", "ru", "sk", "uz", "zh", "es", "hu", "tr"]
WITH_VOCATIVE = ["lt", "lv", "pl", "cs", "uk", "sr-Latn", "hr", "el", "ga", "bg", "ro"]

names = st.text(
    alphabet=st.characters(categories=("Lu", "Ll", "Lo", "Mn"), max_codepoint=0x9FFF),
    min_size=1,
    max_size=30,
)
words = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "Zs"), max_codepoint=0x2FFFF),
    max_size=40,
)


@given(name=names, locale=st.sampled_from(NO_VOCATIVE),
       gender=st.sampled_from([None, "female", "male", "nonbinary"]))
def test_a_language_without_vocative_returns_the_name(
    name: str, locale: str, gender: str | None
) -> None:
    expected = unicodedata.normalize("NFC", name.strip())
    assert vocative(name, locale=locale, gender=gender) == expected


@settings(max_examples=300)
@given(name=st.from_regex(r"[A-ZŠŽĀĒĪŪ][a-zšžėįųūąęčāēīņļķ]{2,12}", fullmatch=True),
       locale=st.sampled_from(["lt", "lv", "pl", "el", "ga", "ro"]),
       gender=st.sampled_from([None, "female", "male"]),
       part=st.sampled_from(["given", "surname", "title"]))
def test_vocative_keeps_an_initial_capital_and_the_stem(
    name: str, locale: str, gender: str | None, part: str
) -> None:
    got = vocative(name, locale=locale, gender=gender, name_part=part)
    assert got[:1].isupper()
    assert got[1:].islower()
    assert got[:1] == name[:1] or locale == "ga"


@settings(max_examples=200)
@given(name=names, locale=st.sampled_from(WITH_VOCATIVE),
       gender=st.sampled_from([None, "female", "male", "unknown"]),
       part=st.sampled_from(["given", "surname", "patronymic", "title"]))
def test_vocative_never_raises_on_any_name(
    name: str, locale: str, gender: str | None, part: str
) -> None:
    got = vocative(name, locale=locale, gender=gender, name_part=part)
    assert isinstance(got, str)


@given(value=words, within=st.sampled_from([None, "ltr", "rtl"]))
def test_isolation_round_trips_by_stripping_isolates(value: str, within: str | None) -> None:
    wrapped = isolate(value, within=within)
    assert strip_isolates(wrapped) == strip_isolates(value)
    if wrapped != value:
        assert wrapped == FSI + value + PDI


@given(given_name=st.from_regex(r"[A-Z][a-z]{1,10}", fullmatch=True),
       surname=st.from_regex(r"[A-Z][a-z]{1,10}", fullmatch=True),
       locale=st.sampled_from(["de", "fr", "es", "it", "nl", "pl", "cs", "lt", "lv", "ru", "he",
                               "ar", "ja", "ko", "zh-CN", "uz", "tr", "en-GB", "en-US", "pt-BR"]))
def test_a_salutation_without_gender_never_uses_a_gendered_title(
    given_name: str, surname: str, locale: str
) -> None:
    got = salutation(locale=locale, given=given_name, surname=surname)
    assert got not in ("Monsieur,", "Madame,")
    rest = got.replace(given_name, " ").replace(surname, " ")
    for word in ("Herr ", "Frau ", "Mr", "Ms", "Sr.", "Sra.", "pone", "ponia", "kungs", "kundze",
                 "先生", "女士", "מר ", "גב׳", "السيد ", "janob", "xonim", "господин", "госпожа",
                 "Sig."):
        assert word not in rest
