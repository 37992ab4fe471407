"""Bidi isolation, script and direction detection, choosing a name by script, kana sorting."""

from __future__ import annotations

import pytest

from globalcrm.errors import InvalidComponent, InvalidFormat
from globalcrm.locale import (
    PersonName,
    choose_name,
    direction,
    isolate,
    locale_direction,
    reading_sort_key,
    script_of,
    strip_isolates,
)
from globalcrm.locale.text import FSI, LRM, PDI, RLM


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Olena", "Latn"), ("Олена", "Cyrl"), ("Γιάννης", "Grek"), ("שלום", "Hebr"),
        ("محمد", "Arab"), ("山田太郎", "Hani"), ("やまだ", "Jpan"), ("山田たろう", "Jpan"),
        ("김민준", "Kore"), ("สมชาย", "Thai"), ("राम", "Deva"), ("Yamada Tarō", "Latn"),
        ("Oʻzbekiston", "Latn"), ("Ўзбекистон", "Cyrl"), ("123-456", None), ("", None),
    ],
)
def test_script_of(text: str, script: str | None) -> None:
    assert script_of(text) == script


def test_direction_from_the_first_strong_character() -> None:
    assert direction("שלום John") == "rtl"
    assert direction("John שלום") == "ltr"
    assert direction("123 שלום") == "rtl"
    assert direction("...") is None
    assert direction(f"{FSI}John{PDI} שלום") == "rtl"


def test_locale_direction() -> None:
    assert locale_direction("he") == "rtl"
    assert locale_direction("fa-IR") == "rtl"
    assert locale_direction("ur") == "rtl"
    assert locale_direction("en") == "ltr"
    with pytest.raises(InvalidComponent):
        locale_direction("xx")


def test_a_latin_name_in_hebrew_text_is_isolated() -> None:
    line = f"שלום רב, {isolate('John Smith 2nd', within='rtl')}!"
    assert line == f"שלום רב, {FSI}John Smith 2nd{PDI}!"
    assert isolate("John Smith", within="ltr") == "John Smith"


def test_a_hebrew_name_in_latin_text_is_isolated() -> None:
    assert isolate("אברהם", within="ltr") == f"{FSI}אברהם{PDI}"
    assert isolate("אברהם", within="rtl") == "אברהם"


def test_an_rtl_name_ending_in_digits_is_isolated_even_in_rtl_text() -> None:
    assert isolate("אברהם 2", within="rtl") == f"{FSI}אברהם 2{PDI}"


def test_marks_for_plain_text_channels() -> None:
    assert isolate("John", within="rtl", marks=True) == f"John{RLM}"
    assert isolate("אברהם", within="ltr", marks=True) == f"אברהם{LRM}"


def test_isolate_without_a_surrounding_direction_always_wraps() -> None:
    assert isolate("John") == f"{FSI}John{PDI}"
    assert isolate("") == ""
    with pytest.raises(InvalidComponent):
        isolate("John", within="up")


def test_strip_isolates() -> None:
    assert strip_isolates(f"{FSI}a\u202eb{PDI}{LRM}") == "ab"


NAMES = [
    PersonName(given="Олена", surname="Шевчук", locale="uk"),
    PersonName(given="Olena", surname="Shevchuk", locale="uk-Latn"),
]
UZBEK = [
    PersonName(given="Анвар", surname="Каримов", locale="uz-Cyrl"),
    PersonName(given="Anvar", surname="Karimov", locale="uz-Latn"),
]
JAPANESE = [
    PersonName(given="Tarō", surname="Yamada", locale="ja-Latn"),
    PersonName(given="太郎", surname="山田", locale="ja"),
]


@pytest.mark.parametrize(
    ("names", "reader", "given"),
    [
        (NAMES, "en", "Olena"), (NAMES, "uk", "Олена"), (NAMES, "ru", "Олена"),
        (NAMES, "de", "Olena"), (UZBEK, "uz-Latn", "Anvar"), (UZBEK, "uz-Cyrl", "Анвар"),
        (UZBEK, "uz", "Anvar"), (UZBEK, "ru", "Анвар"), (JAPANESE, "ja", "太郎"),
        (JAPANESE, "en", "Tarō"), (JAPANESE, "zh", "太郎"), (JAPANESE, "he", "Tarō"),
    ],
)
def test_choose_name_by_reader_script(names: list[PersonName], reader: str, given: str) -> None:
    assert choose_name(names, reader_locale=reader).given == given


def test_choose_name_validates() -> None:
    with pytest.raises(InvalidFormat):
        choose_name([], reader_locale="en")
    with pytest.raises(InvalidFormat):
        choose_name(["Olena"], reader_locale="en")  # type: ignore[list-item]


def test_reading_sort_key_sorts_by_kana() -> None:
    def name(surname: str, reading: str) -> PersonName:
        return PersonName(surname=surname, locale="ja",
                          reading=PersonName(surname=reading, locale="ja"))

    names = [name("渡辺", "わたなべ"), name("安藤", "アンドウ"), name("山田", "やまだ"),
             name("加藤", "かとう")]
    assert [n.surname for n in sorted(names, key=reading_sort_key)] == [
        "安藤", "加藤", "山田", "渡辺"
    ]
