"""Surveys: CSAT, NPS and CES answers about a case or a purchase, and their questions.

Three standard questions, each on its own scale:

- **CSAT** (customer satisfaction), 1 "very dissatisfied" to 5 "very satisfied"; an answer of 4
  or 5 is *satisfied* (the share of satisfied answers is the CSAT score).
- **NPS** (Net Promoter Score, F. F. Reichheld, "The One Number You Need to Grow", Harvard
  Business Review, December 2003): "How likely is it that you would recommend [company] to a
  friend or colleague?", 0 to 10; 9-10 are *promoters*, 0-6 *detractors*.
- **CES** (Customer Effort Score 2.0, Dixon, Toman and DeLisi, *The Effortless Experience*,
  2013): agreement with "[company] made it easy for me to handle my issue", 1 "strongly
  disagree" to 7 "strongly agree" (higher is easier).

The question texts ship in twelve languages (``survey_questions.toml``, each naming where its
wording comes from); :func:`question` finds the one for a locale through CLDR's locale
inheritance, as messages do. An answer keeps what it rates (a case or a purchase), the channel
that experience happened on, the language it was asked in, and the team and loyalty tier at the
time, so that KPIs (:mod:`globalcrm.metrics`) slice without reading the case again.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import tomllib
from typing import Any, Final

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput
from globalcrm.identifiers import check_id, new_id
from globalcrm.interactions import CHANNELS

__all__ = [
    "NEGATIVE",
    "QUESTION_LANGUAGES",
    "SCALES",
    "SURVEY_KINDS",
    "SurveyAnswer",
    "SurveyQuestion",
    "is_negative",
    "question",
]

SURVEY_KINDS: Final = ("csat", "nps", "ces")
"""The survey questions: customer satisfaction, Net Promoter Score, Customer Effort Score."""
SCALES: Final = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
"""The lowest and highest answer of each question."""
NEGATIVE: Final = {"csat": 2, "nps": 6, "ces": 3}
"""The highest answer that counts as negative: dissatisfied (CSAT 1-2), a detractor (NPS 0-6),
disagreeing that it was easy (CES 1-3). Churn risk reads these."""


def is_negative(kind: str, score: int) -> bool:
    """Whether ``score`` is a negative answer to the ``kind`` question.

    ```pycon
    >>> is_negative("nps", 6), is_negative("nps", 7), is_negative("ces", 3)
    (True, False, True)

    ```
    """
    name = _kind(kind)
    return _score_in(name, score) <= NEGATIVE[name]


# --------------------------------------------------------------------------- questions


@attrs.frozen
class SurveyQuestion:
    """A question in one language: its text, the labels of both ends of its scale, the source."""

    kind: str
    locale: str
    text: str
    low: int
    high: int
    low_label: str
    high_label: str
    source: str


@functools.cache
def _questions() -> dict[str, dict[str, str]]:
    data = importlib.resources.files("globalcrm").joinpath("survey_questions.toml").read_bytes()
    loaded: dict[str, dict[str, str]] = tomllib.loads(data.decode("utf-8"))
    return loaded


QUESTION_LANGUAGES: Final = (
    "lt", "lv", "fi", "he", "uz", "ja", "zh-Hans", "pt-BR", "es", "de", "fr", "en",
)
"""The languages the questions ship in (others fall back to English)."""


def question(kind: str, locale: str, *, brand: str) -> SurveyQuestion:
    """The ``kind`` question for ``locale`` with the company's name ``brand`` in it.

    The language is found through CLDR's locale inheritance (``pt-BR`` before ``pt``;
    ``zh-Hans-CN`` is ``zh-Hans``), then a shipped regional form of the same language (``pt-PT``
    reads ``pt-BR``), else English.

    ```pycon
    >>> q = question("nps", "de-AT", brand="Acme")
    >>> q.locale, q.text
    ('de', 'Wie wahrscheinlich ist es, dass Sie Acme einem Freund oder Kollegen weiterempfehlen?')
    >>> q.low, q.high, q.low_label
    (0, 10, 'Äußerst unwahrscheinlich')
    >>> question("nps", "en", brand="Acme").text
    'How likely is it that you would recommend Acme to a friend or colleague?'

    ```
    """
    from globalcrm.messages import fallback_chain

    name = _kind(kind)
    tag = _checks.language(locale, field="locale")
    company = _checks.text(brand, field="brand", max_length=200)
    texts = _questions()
    candidates = (*fallback_chain(tag), *_script_forms(tag), *_same_language(tag, texts))
    chosen = next((t for t in candidates if t in texts), "en")
    entry = texts[chosen]
    low, high = SCALES[name]
    return SurveyQuestion(
        kind=name,
        locale=chosen,
        text=entry[name].replace("{brand}", company),
        low=low,
        high=high,
        low_label=entry[f"{name}_low"],
        high_label=entry[f"{name}_high"],
        source=entry["source"],
    )


def _same_language(tag: str, texts: dict[str, dict[str, str]]) -> tuple[str, ...]:
    """A shipped regional form of the language (``pt`` reads ``pt-BR``) unless a script is named."""
    parts = tag.split("-")
    if len(parts) > 1 and len(parts[1]) == 4:
        return ()
    return tuple(t for t in sorted(texts) if t.split("-")[0] == parts[0])


def _script_forms(tag: str) -> tuple[str, ...]:
    """``zh`` and ``zh-CN`` are written in Hans: the shipped ``zh-Hans`` table serves them."""
    import babel

    try:
        likely = babel.Locale.parse(tag.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        return ()
    if likely.script is None:
        maximized = babel.core.get_global("likely_subtags").get(likely.language, "")
        parts = str(maximized).split("_")
        script = parts[1] if len(parts) > 2 else None
    else:
        script = likely.script
    return (f"{likely.language}-{script}",) if script else ()


# --------------------------------------------------------------------------- answers


def _kind(value: object) -> str:
    return _checks.choice(value, SURVEY_KINDS, field="kind", what="survey kind")


def _score_in(kind: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidFormat("expected a whole number", field="score")
    low, high = SCALES[kind]
    if not low <= value <= high:
        raise InvalidInput(f"a {kind} answer runs from {low} to {high}", field="score")
    return value


def _customer_id(value: object) -> str | None:
    return None if value is None else check_id(value, field="customer_id")


def _case_id(value: object) -> str | None:
    return None if value is None else check_id(value, field="case_id")


def _purchase_id(value: object) -> str | None:
    return None if value is None else check_id(value, field="purchase_id")


def _channel(value: object) -> str:
    return _checks.choice(value, CHANNELS, field="channel", what="channel")


def _language(value: object) -> str | None:
    return None if value is None else _checks.language(value)


def _team(value: object) -> str | None:
    return None if value is None else _checks.code(value, field="team")


def _tier(value: object) -> str | None:
    return None if value is None else _checks.code(value, field="tier")


def _tenant(value: object) -> str:
    return _checks.tenant(value)


def _comment(value: object) -> str | None:
    if value is None:
        return None
    text = _checks.text(value, field="comment", max_length=_checks.MAX_TEXT, allow_empty=True,
                        multiline=True).strip()
    return text or None


def _answered_at(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="answered_at")


@attrs.frozen(kw_only=True)
class SurveyAnswer:
    """One answer to a survey question, about a case or a purchase (or, for NPS, neither).

    ``channel`` is the channel of what is rated (the case's or the purchase's), not the one
    the survey was answered on: "CSAT on live chat" means cases handled on live chat. The
    ``comment`` is the customer's own words: it never appears in a repr and is erased with them.

    ```pycon
    >>> import datetime as dt
    >>> answer = SurveyAnswer(customer_id="01KAQ3V4J5ZC6Y3W8N0R2T4V6X", kind="NPS", score=9,
    ...     channel="email", answered_at=dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC),
    ...     comment="Quick and kind!")
    >>> answer.kind, answer.score, answer.promoter, answer.negative
    ('nps', 9, True, False)
    >>> "Quick" in repr(answer)
    False
    >>> SurveyAnswer(customer_id=None, kind="csat", score=6, channel="email",
    ...     answered_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    Traceback (most recent call last):
    globalcrm.errors.InvalidInput: score: a csat answer runs from 1 to 5

    ```
    """

    customer_id: str | None = attrs.field(converter=_customer_id)
    """``None`` once the customer is erased: the score stays, without the person."""
    kind: str = attrs.field(converter=_kind)
    score: int = attrs.field()
    channel: str = attrs.field(converter=_channel)
    answered_at: dt.datetime = attrs.field(converter=_answered_at)
    case_id: str | None = attrs.field(default=None, converter=_case_id)
    purchase_id: str | None = attrs.field(default=None, converter=_purchase_id)
    language: str | None = attrs.field(default=None, converter=_language)
    team: str | None = attrs.field(default=None, converter=_team)
    tier: str | None = attrs.field(default=None, converter=_tier)
    comment: str | None = attrs.field(default=None, converter=_comment, repr=_checks.masked)
    tenant: str = attrs.field(default="default", converter=_tenant)
    id: str = attrs.field(factory=new_id, converter=check_id)

    def __attrs_post_init__(self) -> None:
        _score_in(self.kind, self.score)
        if self.case_id is not None and self.purchase_id is not None:
            raise InvalidInput("an answer rates a case or a purchase, not both",
                               field="purchase_id")

    @property
    def satisfied(self) -> bool:
        """A CSAT answer of 4 or 5."""
        return self.kind == "csat" and self.score >= 4

    @property
    def promoter(self) -> bool:
        """An NPS answer of 9 or 10."""
        return self.kind == "nps" and self.score >= 9

    @property
    def detractor(self) -> bool:
        """An NPS answer of 0 to 6."""
        return self.kind == "nps" and self.score <= 6

    @property
    def negative(self) -> bool:
        """Whether the answer is negative (:data:`NEGATIVE`)."""
        return self.score <= NEGATIVE[self.kind]

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict of every field (the comment included: it is the customer's)."""
        return {
            "id": self.id,
            "customer_id": self.customer_id,
            "kind": self.kind,
            "score": self.score,
            "channel": self.channel,
            "answered_at": self.answered_at.isoformat(),
            "case_id": self.case_id,
            "purchase_id": self.purchase_id,
            "language": self.language,
            "team": self.team,
            "tier": self.tier,
            "comment": self.comment,
        }
