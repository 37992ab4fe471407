"""Search across scripts: traditional/simplified Han fold together; names get Latin spellings."""

from __future__ import annotations

import icu
import pytest
from hypothesis import given
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm.locale import folding, transforms
from globalcrm.locale.folding import fold, latin_forms, tokens


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [("張偉", "张伟"), ("劉洋", "刘洋"), ("陳靜", "陈静"), ("鄭國強", "郑国强"), ("歐陽", "欧阳")],
)
def test_traditional_and_simplified_han_fold_equal(traditional: str, simplified: str) -> None:
    assert fold(traditional) == fold(simplified) == simplified
    assert tokens(f"{traditional} Wei") == [simplified, "wei"]


def test_the_one_cycle_of_icus_mapping_still_meets_and_stays_idempotent() -> None:
    # ICU's Traditional-Simplified maps 苧 to 苎 and 苎 back to 苧
    assert fold("苧") == fold("苎") == fold(fold("苧"))


def test_japanese_and_korean_text_is_left_as_it_was() -> None:
    assert fold("やまだ たろう") == "やまだ たろう"
    assert fold("ヤマダ") == "やまだ"
    assert fold("김민준") == "김민준"
    assert fold("Jonas PETRAITIS") == "jonas petraitis"  # the ASCII fast path


@given(st.text(alphabet=st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF), max_size=8))
def test_fold_of_han_text_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


def test_without_pyicu_han_is_folded_as_before_and_no_latin_is_spelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(transforms, "icu", lambda: None)
    assert folding._simplified("張偉") == "張偉"
    assert folding._latin_forms.__wrapped__("Дилноза", "uz-Cyrl", False) == ()


@pytest.mark.parametrize(
    ("text", "locale", "surname", "expected"),
    [
        ("Дилноза", "uz-Cyrl", False, ("dilnoza",)),
        ("Рашидова", "uz-Cyrl", True, ("rashidova",)),
        ("Ўткир", "uz", False, ("otkir",)),  # CLDR Uzbek: Oʻtkir, not Russian's
        ("Шоҳида", "uz-Cyrl", False, ("shohida",)),
        ("Ђорђе", "sr-Cyrl", False, ("dorde",)),  # Đorđe, folded as the Latin form is
        ("Јовановић", "sr", True, ("jovanovic",)),
        ("Љубица", "sr", False, ("ljubica",)),
        ("Юлия", "ru", False, ("yuliya",)),
        ("Щербакова", "ru", True, ("shcherbakova",)),
        ("Хрущёв", "und", True, ("khrushchev",)),  # Cyrillic without a language: Russian's
        ("Олена", "uk", False, ("olena",)),
        ("Ковальчук", "uk", True, ("kovalchuk",)),
        ("Григорій", "uk", False, ("hryhoriy",)),
        ("Стоянова", "bg", True, ("stoyanova",)),
        ("Щерев", "bg", True, ("shterev",)),
        ("张伟", "zh", False, ("zhang wei",)),
        ("欣怡", "zh-Hant", False, ("xin yi",)),
        ("張", "zh-Hant", True, ("zhang",)),
        ("曾", "zh", True, ("zeng",)),  # the surname reading, not céng
        ("单", "zh", True, ("shan",)),
        ("欧阳", "zh", True, ("ou yang",)),
        ("김", "ko", True, ("gim", "kim")),  # Revised Romanization, and McCune-Reischauer
        ("민준", "ko", False, ("minjun",)),
        ("하은", "ko", False, ("ha eun",)),
        ("Γιώργος", "el", False, ("giorgos",)),
        ("Παπαδόπουλος", "el", True, ("papadopoulos",)),
        ("გიორგი", "ka", False, ("giorgi",)),
    ],
)
def test_latin_forms_by_script_and_language(
    text: str, locale: str, surname: bool, expected: tuple[str, ...]
) -> None:
    assert latin_forms(text, locale, surname=surname) == expected


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("山田", "ja"),  # kanji read as Mandarin would be wrong: the kana reading finds them
        ("太郎", "ja-JP"),
        ("やまだ", "und"),
        ("ヤマダ", "ja"),
        ("金", "ko"),  # Hanja in a Korean name: not Mandarin either
        ("כהן", "he"),  # abjads without vowels: the consonants are not what people type
        ("محمد", "ar"),
        ("Mäkinen", "fi"),
        ("Jonas", "lt"),
        ("", "und"),
    ],
)
def test_no_latin_form_where_a_transform_would_mislead_or_nothing_is_needed(
    text: str, locale: str
) -> None:
    assert latin_forms(text, locale) == ()


def test_every_transform_used_is_in_this_icu() -> None:
    available = set(icu.Transliterator.getAvailableIDs())
    used = {
        *folding._CYRILLIC_TO_LATIN.values(),
        *folding._OTHER_TO_LATIN.values(),
        "Han-Latin",
        "Han-Latin/Names",
        "Hangul-Latin",
        "Korean-Latin/BGN",
        "Traditional-Simplified",
        "Any-Latin",
        "Latin-ASCII",
    }
    assert used - available == set()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            gc.PersonName(given="Дилноза", surname="Рашидова", locale="uz-Cyrl"),
            ["дилноза", "dilnoza", "рашидова", "rashidova"],
        ),
        (
            gc.PersonName(given="偉", surname="張", locale="zh-Hant"),
            ["伟", "wei", "张", "zhang", "张伟", "zhangwei"],
        ),
        (
            gc.PersonName(given="欣怡", surname="欧阳", locale="zh"),
            [
                *("欣怡", "xin", "yi", "xinyi"),
                *("欧阳", "ou", "yang", "ouyang"),
                *("欧阳欣怡", "ouyangxinyi"),
            ],
        ),
        (
            gc.PersonName(given="민준", surname="김", locale="ko"),
            ["민준", "minjun", "김", "gim", "kim", "김민준", "gimminjun"],
        ),
        (
            gc.PersonName(
                given="太郎",
                surname="山田",
                locale="ja",
                reading=gc.PersonName(given="タロウ", surname="ヤマダ", locale="ja"),
            ),
            ["太郎", "山田", "山田太郎", "たろう", "やまだ", "やまだたろう"],
        ),
        (gc.PersonName(given="Jonas", surname="Petraitis", locale="lt"), ["jonas", "petraitis"]),
        (gc.PersonName(given="Aino", surname="Mäkinen", locale="fi"), ["aino", "makinen"]),
    ],
)
def test_search_tokens_add_latin_spellings_only_for_other_scripts(
    name: gc.PersonName, expected: list[str]
) -> None:
    assert name.search_tokens() == expected


@pytest.mark.parametrize("junk", [None, 3, b"\xd0\x94", ["Дилноза"]])
def test_latin_forms_of_junk_is_invalid_input(junk: object) -> None:
    with pytest.raises(gc.InvalidInput):
        latin_forms(junk)  # type: ignore[arg-type]
    with pytest.raises(gc.InvalidInput):
        latin_forms("Дилноза", junk)  # type: ignore[arg-type]
