"""One Formality for the package: its levels, its parsing, and every function that takes it."""

from __future__ import annotations

import importlib

import pytest

import globalcrm.locale
from globalcrm.errors import InvalidComponent, InvalidFormat
from globalcrm.locale import closing, decide_formality, honorific_for, salutation
from globalcrm.locale.formality import FORMALITIES, T_V, Formality, parse_formality


def test_there_is_one_formality() -> None:
    for module in ("honorifics", "forms_of_address"):
        assert importlib.import_module(f"globalcrm.locale.{module}").Formality is Formality
    assert globalcrm.locale.Formality is Formality


def test_levels_run_from_most_to_least_formal_and_fold_to_t_v() -> None:
    assert [level.value for level in FORMALITIES] == [
        "official", "formal", "respectful-personal", "neutral", "informal", "familiar",
    ]
    assert [level.tv for level in FORMALITIES] == [Formality.FORMAL] * 4 + [Formality.INFORMAL] * 2
    assert T_V == (Formality.INFORMAL, Formality.FORMAL)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("formal", Formality.FORMAL),
        ("INFORMAL", Formality.INFORMAL),
        ("respectful-personal", Formality.RESPECTFUL_PERSONAL),
        ("respectful_personal", Formality.RESPECTFUL_PERSONAL),
        ("Respectful Personal", Formality.RESPECTFUL_PERSONAL),
        (" neutral ", Formality.NEUTRAL),
        (Formality.FAMILIAR, Formality.FAMILIAR),
    ],
)
def test_parse_formality_accepts_each_level_in_any_spelling(text: str, level: Formality) -> None:
    assert parse_formality(text) is level


@pytest.mark.parametrize(
    "text", ["semi-formal (less formal)", "less formal", "very formal", "casual", "friendly",
             "personal", "formal-ish", ""],
)
def test_descriptions_are_not_guessed(text: str) -> None:
    with pytest.raises(InvalidComponent) as info:
        parse_formality(text)
    assert info.value.field == "formality"
    with pytest.raises(InvalidComponent):
        salutation(locale="de", formality=text, gender="male", surname="Knoch")
    with pytest.raises(InvalidComponent):
        closing(locale="fi", formality=text)


def test_levels_can_be_narrowed_to_cldr_two() -> None:
    assert parse_formality("formal", levels=T_V) is Formality.FORMAL
    with pytest.raises(InvalidComponent):
        parse_formality("official", levels=T_V)
    with pytest.raises(InvalidFormat):
        parse_formality(None)


def test_every_function_that_takes_a_formality_takes_the_enum() -> None:
    assert salutation(locale="de", formality=Formality.INFORMAL, given="Anna") == "Hallo Anna,"
    assert closing(locale="fi", formality=Formality.NEUTRAL) == "Terveisin"
    assert honorific_for("ko", formality=Formality.FAMILIAR).text == "씨"  # type: ignore[union-attr]
    assert decide_formality(locale="de", preference=Formality.OFFICIAL) is Formality.FORMAL
    assert decide_formality(locale="de", preference="familiar") is Formality.INFORMAL
    assert decide_formality(locale="sv", preference="auto") is Formality.INFORMAL
