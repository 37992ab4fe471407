"""Survey questions in twelve languages and the answers' rules (globalcrm.surveys)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from globalcrm.errors import GlobalCRMError, InvalidInput
from globalcrm.surveys import (
    QUESTION_LANGUAGES,
    SCALES,
    SURVEY_KINDS,
    SurveyAnswer,
    is_negative,
    question,
)

WHEN = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("language", QUESTION_LANGUAGES)
@pytest.mark.parametrize("kind", SURVEY_KINDS)
def test_every_question_ships_in_every_language_with_its_source(kind: str, language: str) -> None:
    asked = question(kind, language, brand="Acme")
    assert asked.locale == language
    assert "Acme" in asked.text and "{brand}" not in asked.text
    assert (asked.low, asked.high) == SCALES[kind]
    assert asked.low_label and asked.high_label and asked.low_label != asked.high_label
    assert asked.source


def test_regional_and_script_forms_fall_back_through_cldr() -> None:
    assert question("csat", "pt-PT", brand="Acme").locale == "pt-BR"
    assert question("csat", "zh-CN", brand="Acme").locale == "zh-Hans"
    assert question("csat", "de-AT", brand="Acme").locale == "de"
    assert question("csat", "sw", brand="Acme").locale == "en"
    assert question("ces", "en", brand="Acme").text.endswith(
        "Acme made it easy for me to handle my issue."
    )


def test_each_language_says_something_of_its_own() -> None:
    texts = {question("nps", language, brand="Acme").text for language in QUESTION_LANGUAGES}
    assert len(texts) == len(QUESTION_LANGUAGES)


@given(kind=st.sampled_from(SURVEY_KINDS), score=st.integers(-3, 13))
def test_scores_outside_the_scale_are_refused(kind: str, score: int) -> None:
    low, high = SCALES[kind]
    if low <= score <= high:
        answer = SurveyAnswer(customer_id=None, kind=kind, score=score, channel="email",
                              answered_at=WHEN)
        assert answer.negative == is_negative(kind, score)
        assert answer.satisfied == (kind == "csat" and score >= 4)
        assert answer.promoter == (kind == "nps" and score >= 9)
        assert answer.detractor == (kind == "nps" and score <= 6)
    else:
        with pytest.raises(InvalidInput) as caught:
            SurveyAnswer(customer_id=None, kind=kind, score=score, channel="email",
                         answered_at=WHEN)
        assert caught.value.field == "score"


def test_an_answer_hides_its_comment_and_refuses_two_subjects() -> None:
    answer = SurveyAnswer(customer_id=None, kind="csat", score=1, channel="email",
                          answered_at=WHEN, comment="Jonas Petraitis was rude")
    assert "Jonas" not in repr(answer)
    with pytest.raises(GlobalCRMError):
        SurveyAnswer(customer_id=None, kind="csat", score=1, channel="email", answered_at=WHEN,
                     case_id="01JAAAAAAAAAAAAAAAAAAAAAAA",
                     purchase_id="01JAAAAAAAAAAAAAAAAAAAAAAB")
    with pytest.raises(GlobalCRMError) as caught:
        SurveyAnswer(customer_id=None, kind="csat", score=1, channel="pigeon", answered_at=WHEN)
    assert caught.value.field == "channel"
