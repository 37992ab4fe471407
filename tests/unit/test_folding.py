"""Search folding: what counts as the same name typed differently."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from globalcrm.locale import fold, tokens


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Pētersons", "petersons"),
        ("Žemaitė", "ZEMAITE"),
        ("Mäkinen", "makinen"),
        ("Łukasz", "lukasz"),
        ("Søren", "soren"),
        ("Straße", "strasse"),
        ("İstanbul", "istanbul"),
        ("שָׁלוֹם", "שלום"),
        ("ヤマダ", "やまだ"),
        ("ﾔﾏﾀﾞ", "やまだ"),
        ("Ｔａｒｏ", "taro"),
        ("Oʻlmas", "O'lmas"),
        ("O‘lmas", "olmas"),
        ("Anna-Liisa", "anna liisa"),
    ],
)
def test_same_name_typed_differently_folds_equal(a: str, b: str) -> None:
    assert fold(a) == fold(b)


@pytest.mark.parametrize(
    ("a", "b"), [("プ", "フ"), ("प्रिया", "परिया"), ("김", "kim"), ("Ana", "Anna")]
)
def test_different_words_stay_different(a: str, b: str) -> None:
    assert fold(a) != fold(b)


@given(st.text(max_size=50))
def test_fold_is_idempotent_and_tokens_are_folded(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert all(fold(word) == word and " " not in word for word in tokens(text))
